/**
 * The HTTP idempotency layer: turns a POST route into one whose retries are safe.
 *
 * Built on Powertools idempotency with DynamoDB persistence. The idempotency record is keyed by
 * (tenant, route, Idempotency-Key) under the operation's own key prefix and holds the
 * request fingerprint and the complete HTTP response, which a retry gets back byte for byte.
 */
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { dynamoDb } from '../clients';
import { positiveIntegerEnv, requireEnv } from '../config';
import { businessOutcomeResponse } from '../http/errors';
import { idempotencyKeyOf, jsonBodyOf, tenantOf } from '../http/request';
import { markReplayed, type HttpResponse } from '../http/response';
import { idempotencyTableSchema } from '../store/table-schema';
import { requestFingerprint } from './fingerprint';

const tableName = requireEnv('IDEMPOTENCY_TABLE_NAME');
/** How long a completed response is replayed; a day unless configured. */
export const replayWindowSeconds = positiveIntegerEnv('IDEMPOTENCY_TTL_SECONDS', 24 * 60 * 60);

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
  const persistenceStore = new DynamoDBPersistenceLayer({
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
    // Called only when a completed record answers the request instead of an execution.
    // What it gets is what `execute` returned and the record stored: an HttpResponse.
    responseHook: (response) => markReplayed(response as unknown as HttpResponse),
  });

  const runOnce = makeIdempotent(
    async ({ request }: IdempotentCall<Input>): Promise<HttpResponse> => {
      try {
        return await execute(request);
      } catch (error) {
        // Returned, not thrown: Powertools stores what the function returns and deletes
        // the record when it throws.
        const outcome = businessOutcomeResponse(error);
        if (outcome) return outcome;
        throw error;
      }
    },
    { persistenceStore, config, keyPrefix },
  );

  return async (event, context) => {
    const tenant = tenantOf(event);
    const idempotencyKey = idempotencyKeyOf(event);
    const body = jsonBodyOf(event);
    const input = parse(body);
    const fingerprint = requestFingerprint(route, body);
    // The in-progress lock then expires with the invocation, so a timed-out request frees its key.
    config.registerLambdaContext(context);
    return runOnce({
      scope: [tenant, route, idempotencyKey],
      fingerprint,
      request: { tenant, idempotencyKey, fingerprint, input },
    });
  };
}
