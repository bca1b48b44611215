/**
 * The HTTP idempotency layer: turns a POST route into one whose retries are safe.
 *
 * Built on Powertools idempotency with DynamoDB persistence. The idempotency record is keyed by
 * (tenant, route, Idempotency-Key) under the operation's own key prefix and holds the
 * request fingerprint and the complete HTTP response, which a retry gets back byte for byte.
 */
import {
  IdempotencyConfig,
  IdempotencyItemAlreadyExistsError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { dynamoDb } from '../clients';
import { nonNegativeIntegerEnv, positiveIntegerEnv, requireEnv } from '../config';
import { faultPoint, withFaultScope } from '../faults';
import { businessOutcomeResponse } from '../http/errors';
import { idempotencyKeyOf, jsonBodyOf, tenantOf } from '../http/request';
import { markReplayed, type HttpResponse } from '../http/response';
import { idempotencyTableSchema } from '../store/table-schema';
import { requestFingerprint } from './fingerprint';
import { JmesPathFunctionsIntrospectedOnce } from './jmespath-functions';

const tableName = requireEnv('IDEMPOTENCY_TABLE_NAME');

/**
 * Largest response the layer stores, as JSON. DynamoDB items are limited to 400 KB, and the
 * record also holds its key, fingerprint hash and timestamps: a larger result would fail to
 * save and leave its key locked.
 */
export const MAX_STORED_RESPONSE_BYTES = 350 * 1024;

/** A response that cannot be stored: answered as a 500, and the key is freed. */
export class UnstorableResponse extends Error {
  override readonly name = 'UnstorableResponse';
}

/**
 * The response as the plain JSON the store will hold (what a replay will return), checked to
 * fit in a record. The first answer is thereby the same bytes as every replay.
 *
 * @throws UnstorableResponse when it is larger than {@link MAX_STORED_RESPONSE_BYTES}
 */
export function storableResponse(response: HttpResponse): HttpResponse {
  const json = JSON.stringify(response);
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > MAX_STORED_RESPONSE_BYTES) {
    throw new UnstorableResponse(
      `Response of ${bytes} bytes exceeds the ${MAX_STORED_RESPONSE_BYTES}-byte idempotency record limit.`,
    );
  }
  return JSON.parse(json) as HttpResponse;
}

/**
 * Powertools' DynamoDB persistence, except that a result which fails to save frees its key, and
 * that a key found in the local cache is answered without capturing a stack trace.
 *
 * Powertools leaves the record INPROGRESS when saving the result fails, so every retry would
 * get 409 until the in-progress expiry (the rest of the Lambda timeout). Deleting it lets the
 * retry run again at once; that is safe because re-execution finds its own earlier write
 * through the derived resource id and answers with it. If the delete fails too (the store is
 * down), the in-progress expiry still bounds the wait.
 */
type SaveSuccessArguments = Parameters<DynamoDBPersistenceLayer['saveSuccess']>;
type SaveInProgressArguments = Parameters<DynamoDBPersistenceLayer['saveInProgress']>;

/** Powertools' lookup in its local cache: private in its types, a plain method at run time. */
type LocalCacheLookup = (idempotencyKey: string) => IdempotencyRecord | undefined;

class PersistenceLayer extends DynamoDBPersistenceLayer {
  override async saveSuccess(...[data, result]: SaveSuccessArguments): Promise<void> {
    try {
      if (typeof __FAULT_INJECTION__ === 'boolean' && __FAULT_INJECTION__)
        await faultPoint('save-result');
      await super.saveSuccess(data, result);
    } catch (error) {
      await this.deleteRecord(data).catch(() => {});
      throw error;
    }
  }

  /**
   * Powertools answers a key found in its local cache by throwing
   * `IdempotencyItemAlreadyExistsError` here, which its handler catches by name to replay the
   * cached record: control flow, never logged. Capturing that error's stack trace was the
   * largest single cost of a cached replay (4.5% of the bench server's CPU). The same error
   * with the same record is thrown here, only without the trace; a key that is not cached (or
   * a Powertools without this lookup) takes Powertools' own path, which looks again.
   */
  override async saveInProgress(
    ...[data, remainingTimeInMillis]: SaveInProgressArguments
  ): Promise<void> {
    const lookup = (this as unknown as { getFromCache?: LocalCacheLookup }).getFromCache;
    const cached =
      typeof lookup === 'function'
        ? lookup.call(this, this.getHashedIdempotencyKey(data))
        : undefined;
    if (cached) {
      throw withoutStackTrace(
        () =>
          new IdempotencyItemAlreadyExistsError(
            `Failed to put record for already existing idempotency key: ${cached.idempotencyKey}`,
            cached,
          ),
      );
    }
    await super.saveInProgress(data, remainingTimeInMillis);
  }
}

function withoutStackTrace<E extends Error>(create: () => E): E {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return create();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** How long a completed response is replayed; a day unless configured. */
export const replayWindowSeconds = positiveIntegerEnv('IDEMPOTENCY_TTL_SECONDS', 24 * 60 * 60);
/**
 * Completed records kept in this container's memory, so that a replay it has seen costs no
 * DynamoDB call (Powertools' local LRU cache; `0` turns it off). Per container only: see docs/idempotency.md.
 */
export const localCacheSize = nonNegativeIntegerEnv('IDEMPOTENCY_LOCAL_CACHE_SIZE', 1000);

declare global {
  /** Defined by esbuild: `false` in deployed and local bundles, `true` in the benchmark's. */
  var __BENCHMARK_BUILD__: boolean | undefined;
}

/**
 * The benchmark's floor: the same route without the idempotency layer, to measure what the layer
 * costs. A POST without it is not safe to retry, so only the benchmark's bundles honour
 * `IDEMPOTENCY_DISABLED=true`; in the deployed ones the test is folded to `false` at build time
 * (test/infra checks both the bundles and the stack's environment).
 */
const idempotencyDisabled =
  typeof __BENCHMARK_BUILD__ === 'boolean' &&
  __BENCHMARK_BUILD__ &&
  process.env.IDEMPOTENCY_DISABLED === 'true';

/** What an idempotent operation gets: the caller, its key and the validated body. */
export interface IdempotentRequest<Input> {
  readonly tenant: string;
  readonly idempotencyKey: string;
  readonly fingerprint: string;
  readonly input: Input;
}

export interface IdempotentRouteOptions<Input> {
  /** Method and path template, e.g. `POST /payments`: part of the key's scope and fingerprint. */
  readonly route: string;
  /** Prefix of this operation's records; distinct per operation. */
  readonly keyPrefix: string;
  /** Validates the parsed JSON body. Throwing here answers 400 without storing anything. */
  readonly parse: (body: unknown) => Input;
  /**
   * Runs the operation and renders its response, which is stored. Business errors it throws
   * (404, 409, 422 outcomes) are stored as their problem response; any other error is not
   * stored, so a retry runs again.
   */
  readonly execute: (request: IdempotentRequest<Input>) => Promise<HttpResponse>;
}

interface IdempotentCall<Input> {
  /** Selected by `eventKeyJmesPath`: what the record key is hashed from. */
  readonly scope: readonly string[];
  /** Selected by `payloadValidationJmesPath`: compared on every replay. */
  readonly fingerprint: string;
  readonly request: IdempotentRequest<Input>;
}

/**
 * Makes a Lambda handler for an idempotent POST route.
 *
 * Order of checks: tenant, Idempotency-Key, body (size, media type, JSON, schema), all
 * refused without touching the store; then the idempotent execution.
 */
export function idempotentRoute<Input>(
  options: IdempotentRouteOptions<Input>,
): (event: APIGatewayProxyEvent, context: Context) => Promise<HttpResponse> {
  const { route, keyPrefix, parse, execute } = options;
  // One persistence layer per operation: Powertools binds it to the first config it sees.
  const persistenceStore = new PersistenceLayer({
    tableName,
    awsSdkV3Client: dynamoDb,
    keyAttr: idempotencyTableSchema.partitionKey,
    expiryAttr: idempotencyTableSchema.ttlAttribute,
  });
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'scope',
    payloadValidationJmesPath: 'fingerprint',
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: replayWindowSeconds,
    hashFunction: 'sha256',
    jmesPathOptions: new JmesPathFunctionsIntrospectedOnce(),
    useLocalCache: localCacheSize > 0,
    maxLocalCacheSize: Math.max(localCacheSize, 1),
    // Called only when a completed record answers the request instead of an execution.
    // What it gets is what `execute` returned and the record stored: an HttpResponse.
    responseHook: (response) => markReplayed(response as unknown as HttpResponse),
  });
  // Powertools' own off switch would silently make every retry charge again: refuse to start.
  if (!config.isEnabled() && !idempotencyDisabled) {
    throw new Error('POWERTOOLS_IDEMPOTENCY_DISABLED is set: POST routes need their idempotency');
  }

  const executeAndRender = async ({ request }: IdempotentCall<Input>): Promise<HttpResponse> => {
    if (typeof __FAULT_INJECTION__ === 'boolean' && __FAULT_INJECTION__)
      await faultPoint('after-lock');
    let response: HttpResponse;
    try {
      response = await execute(request);
    } catch (error) {
      // Returned, not thrown: Powertools stores what the function returns and deletes
      // the record when it throws.
      const outcome = businessOutcomeResponse(error);
      if (!outcome) throw error;
      response = outcome;
    }
    if (typeof __FAULT_INJECTION__ === 'boolean' && __FAULT_INJECTION__)
      await faultPoint('before-save-result');
    return storableResponse(response);
  };
  const runOnce = idempotencyDisabled
    ? executeAndRender
    : makeIdempotent(executeAndRender, { persistenceStore, config, keyPrefix });

  return async (event, context) => {
    const tenant = tenantOf(event);
    const idempotencyKey = idempotencyKeyOf(event);
    const body = jsonBodyOf(event);
    const input = parse(body);
    const fingerprint = requestFingerprint(route, body);
    // The in-progress lock then expires with the invocation, so a timed-out request frees its key.
    config.registerLambdaContext(context);
    const run = () =>
      runOnce({
        scope: [tenant, route, idempotencyKey],
        fingerprint,
        request: { tenant, idempotencyKey, fingerprint, input },
      });
    if (typeof __FAULT_INJECTION__ === 'boolean' && __FAULT_INJECTION__) {
      // Faults target requests by key; the steps below this one find it in the scope.
      return withFaultScope(idempotencyKey, async () => {
        await faultPoint('before-lock');
        return run();
      });
    }
    return run();
  };
}
