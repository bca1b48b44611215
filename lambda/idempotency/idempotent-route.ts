/**
 * The HTTP idempotency layer: turns a POST route into one whose retries are safe.
 *
 * The route parses the request (`./request.ts`), then runs the operation through an
 * {@link IdempotencyLayer}: in the functions, Powertools idempotency with DynamoDB persistence
 * (`./powertools-idempotency.ts`), whose record is keyed by (tenant, route, Idempotency-Key)
 * under the operation's own key prefix and holds the request fingerprint and the complete HTTP
 * response, which a retry gets back byte for byte.
 */
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { businessOutcomeResponse } from '../http/errors';
import type { HttpResponse } from '../http/response';
import { idempotentCallOf, type IdempotentCall, type IdempotentRequest } from './request';
import { storableResponse } from './storable-response';

/** An operation that runs at most once per key: renders the response the layer stores. */
export type IdempotentOperation<Input> = (
  request: IdempotentRequest<Input>,
) => Promise<HttpResponse>;

/** The operation behind its idempotency layer, for one invocation. */
export type GuardedOperation<Input> = (
  call: IdempotentCall<Input>,
  context: Context,
) => Promise<HttpResponse>;

/**
 * Runs an operation at most once per idempotency scope, stores its response and answers every
 * repeat of the scope with it (or 409 while the first one runs, 422 for another fingerprint).
 */
export interface IdempotencyLayer {
  /**
   * `operation` behind the layer. Called once per route, when the handler is built.
   *
   * @param keyPrefix prefix of this operation's records; distinct per operation and, being
   *   part of every stored record's key, a persisted contract
   */
  guard<Input>(keyPrefix: string, operation: IdempotentOperation<Input>): GuardedOperation<Input>;
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

/**
 * Makes a Lambda handler for an idempotent POST route.
 *
 * Order of checks: tenant, Idempotency-Key, body (size, media type, JSON, schema), all
 * refused without touching the store; then the execution behind `layer`.
 */
export function idempotentRoute<Input>(
  layer: IdempotencyLayer,
  options: IdempotentRouteOptions<Input>,
): (event: APIGatewayProxyEvent, context: Context) => Promise<HttpResponse> {
  const { route, keyPrefix, parse, execute } = options;
  const executeAndRender: IdempotentOperation<Input> = async (request) => {
    let response: HttpResponse;
    try {
      response = await execute(request);
    } catch (error) {
      // Returned, not thrown: the layer stores what the operation returns and forgets the
      // execution when it throws.
      const outcome = businessOutcomeResponse(error);
      if (!outcome) throw error;
      response = outcome;
    }
    return storableResponse(response);
  };
  const guarded = layer.guard(keyPrefix, executeAndRender);
  return (event, context) => guarded(idempotentCallOf(event, route, parse), context);
}
