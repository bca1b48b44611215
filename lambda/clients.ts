/**
 * The clients every function shares, created once per Lambda container and reused by every
 * invocation: the DynamoDB client and Powertools logger, metrics and tracer.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { countDynamoDbCalls } from './call-counting';
import { METRICS_NAMESPACE } from './metric-names';

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'payments-api';

export const logger = new Logger({ serviceName });
export const metrics = new Metrics({ serviceName, namespace: METRICS_NAMESPACE });
export const tracer = new Tracer({ serviceName });

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

/** `DYNAMODB_ENDPOINT` points the functions at a local engine; unset in AWS. */
export const dynamoDb = tracer.captureAWSv3Client(
  new DynamoDBClient({
    ...dynamoDbClientConfig,
    ...(process.env.DYNAMODB_ENDPOINT && { endpoint: process.env.DYNAMODB_ENDPOINT }),
  }),
);

// The benchmark's call counts; the stack never sets the variable (test/infra checks it).
if (process.env.DYNAMODB_CALL_COUNTING === 'true') countDynamoDbCalls(dynamoDb);

export const documentClient = DynamoDBDocumentClient.from(dynamoDb, {
  marshallOptions: { removeUndefinedValues: true },
});
