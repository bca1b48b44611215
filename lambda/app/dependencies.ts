/**
 * The composition root: what the functions are built from, created once per Lambda container
 * (when the entry module loads) and reused by every invocation. The deployed entries
 * (`lambda/handlers/`) compose these; the local server, the tests and the benchmark compose the
 * same handler factories (`./handlers.ts`) with the same pieces, decorated where they need to.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  processWideSandboxLedger,
  SandboxPaymentProcessor,
} from '../adapters/sandbox-payment-processor';
import type { PaymentProcessor } from '../domain/payment-processor';
import type { Clock, OrdersStore } from '../domain/ports';
import type { HttpDependencies } from '../http/handler';
import type { IdempotencyLayer } from '../idempotency/idempotent-route';
import {
  ResponsePersistenceLayer,
  responsePersistenceOptions,
  type ResponsePersistenceOptions,
} from '../idempotency/persistence';
import { PowertoolsIdempotency } from '../idempotency/powertools-idempotency';
import { DynamoDbOrdersStore } from '../store/orders-store';
import type { Config, IdempotentConfig, RecoveryConfig } from './config';

/** What every function's handler is built from. */
export interface Dependencies extends HttpDependencies {
  readonly store: OrdersStore;
  /** The time the protocol judges by. */
  readonly clock: Clock;
}

/** What a function that settles payment attempts is built from: the payment one, the sweeper. */
export interface RecoveryDependencies extends Dependencies {
  readonly processor: PaymentProcessor;
  /** How far apart the instances' clocks may be (ms): expiries are trusted only this much later. */
  readonly clockSkewMarginMs: number;
  /** An abandoned payment attempt older than this (ms) is settled by lookup, never charged. */
  readonly recoverySafeAgeMs: number;
}

/** What a POST function's handler is built from. */
export interface IdempotentDependencies extends RecoveryDependencies {
  readonly idempotency: IdempotencyLayer;
}

/**
 * Connections to DynamoDB are reused across calls and invocations of a container: a new TLS
 * connection costs more than the call itself. The SDK's handler does this by default today
 * (keep-alive agents, 50 sockets); it is stated here so that it stays so whatever the default.
 */
const keptAliveAgents = {
  httpAgent: { keepAlive: true, maxSockets: 50 },
  httpsAgent: { keepAlive: true, maxSockets: 50 },
} as const;

/**
 * How the functions call DynamoDB, sized against their timeouts (`lib/api-routes.ts`: 10 s to
 * create an order, 15 s to pay, 5 s to read). The SDK's defaults have no timeout at all, so a
 * stalled connection would hold a request until Lambda kills it, its key locked meanwhile.
 *
 * - A call gives up after 3 attempts (2 retries, `standard` mode: exponential backoff with full
 *   jitter from 100 ms, 500 ms for throttling, and a retry quota that stops retry storms).
 * - An attempt fails after 500 ms without a connection or 1.5 s without a complete response:
 *   DynamoDB answers in milliseconds, so either means the endpoint is in trouble.
 * - Worst case for one call, every attempt stalling: 3 × 1.5 s + backoff ≈ 5 s. A hard outage
 *   fails fast and answers 503; a brownout stalling every call of a POST (several in a row) can
 *   outlast the function's timeout instead, which is safe: the in-progress lock expires with the
 *   invocation and the order's lease outlives the longest timeout.
 *
 * Retrying a write whose first attempt may have committed is safe here: every write is
 * conditional on the state it changes, and `TransactWriteItems` carries a `ClientRequestToken`
 * that stays the same across the SDK's attempts (`lambda/store/orders-store.ts`).
 */
export const dynamoDbClientConfig = {
  maxAttempts: 3,
  retryMode: 'standard',
  requestHandler: {
    connectionTimeout: 500,
    requestTimeout: 1_500,
    throwOnRequestTimeout: true,
    ...keptAliveAgents,
  },
} as const satisfies DynamoDBClientConfig;

/** The container's DynamoDB client; `DYNAMODB_ENDPOINT` points it at a local engine. */
export function createDynamoDbClient(config: Config): DynamoDBClient {
  return new DynamoDBClient({
    ...dynamoDbClientConfig,
    ...(config.dynamoDbEndpoint && { endpoint: config.dynamoDbEndpoint }),
  });
}

/** The container's Powertools logger and metrics. */
export function createObservability(config: Config): Pick<HttpDependencies, 'logger' | 'metrics'> {
  const { serviceName, metricsNamespace, logLevel } = config;
  return {
    logger: new Logger({ serviceName, ...(logLevel && { logLevel }) }),
    metrics: new Metrics({ serviceName, namespace: metricsNamespace }),
  };
}

/** The Orders table, through `client`. */
export function createOrdersStore(config: Config, client: DynamoDBClient): OrdersStore {
  const documentClient = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  return new DynamoDbOrdersStore(documentClient, config.ordersTableName);
}

/**
 * The idempotency layer on its table, through `client`, judging expiries by `clock` and the
 * configured margin for clock skew.
 * `persistence` builds each operation's persistence layer from the table's options: Powertools'
 * DynamoDB persistence on that clock, which frees the key of a result it fails to save, unless
 * given another.
 */
export function createIdempotencyLayer(
  config: IdempotentConfig,
  client: DynamoDBClient,
  clock: Clock,
  persistence: (options: ResponsePersistenceOptions) => ResponsePersistenceLayer = (options) =>
    new ResponsePersistenceLayer(options),
): IdempotencyLayer {
  const { tableName, replayWindowSeconds, localCacheSize } = config.idempotency;
  return new PowertoolsIdempotency({
    persistence: () =>
      persistence(responsePersistenceOptions(tableName, client, clock, config.clockSkewMarginMs)),
    replayWindowSeconds,
    localCacheSize,
  });
}

/** The wall clock. */
export const systemClock: Clock = () => new Date();

/**
 * The dependencies of a function that reads orders and payments. `clock` is the wall clock but
 * for tests and checks that run an instance whose clock is skewed.
 */
export function createDependencies(
  config: Config,
  client: DynamoDBClient = createDynamoDbClient(config),
  clock: Clock = systemClock,
): Dependencies {
  return {
    ...createObservability(config),
    corsAllowOrigins: config.corsAllowOrigins,
    store: createOrdersStore(config, client),
    clock,
  };
}

/**
 * The dependencies of a function that settles payment attempts: a reader's, the card processor
 * (the sandbox, on the ledger this process shares) and the protocol's margins.
 */
export function createRecoveryDependencies(
  config: RecoveryConfig,
  client: DynamoDBClient = createDynamoDbClient(config),
  clock: Clock = systemClock,
): RecoveryDependencies {
  return {
    ...createDependencies(config, client, clock),
    processor: new SandboxPaymentProcessor({
      latencyMs: config.sandboxLatencyMs,
      ledger: processWideSandboxLedger(),
    }),
    clockSkewMarginMs: config.clockSkewMarginMs,
    recoverySafeAgeMs: config.recoverySafeAgeSeconds * 1000,
  };
}

/** The dependencies of a POST function: a settler's, and the idempotency layer. */
export function createIdempotentDependencies(
  config: IdempotentConfig,
  client: DynamoDBClient = createDynamoDbClient(config),
  clock: Clock = systemClock,
): IdempotentDependencies {
  return {
    ...createRecoveryDependencies(config, client, clock),
    idempotency: createIdempotencyLayer(config, client, clock),
  };
}
