import type { APIGatewayProxyEvent } from 'aws-lambda';
import { idempotencyKeyOf, jsonBodyOf, tenantOf } from '../http/request';
import { requestFingerprint } from './fingerprint';

/** What an idempotent operation gets: the caller, its key and the validated body. */
export interface IdempotentRequest<Input> {
  readonly tenant: string;
  readonly idempotencyKey: string;
  readonly fingerprint: string;
  readonly input: Input;
}

/** One request to an idempotent route, as its idempotency layer sees it. */
export interface IdempotentCall<Input> {
  /** What the record key is hashed from: (tenant, route, Idempotency-Key). */
  readonly scope: readonly [tenant: string, route: string, idempotencyKey: string];
  /** Compared on every replay: a key sent again with another request is refused. */
  readonly fingerprint: string;
  readonly request: IdempotentRequest<Input>;
}

/**
 * Reads an idempotent request: tenant, Idempotency-Key, then the body (size, media type, JSON,
 * `parse`), each refused with an `InvalidRequest` before anything is stored.
 */
export function idempotentCallOf<Input>(
  event: APIGatewayProxyEvent,
  route: string,
  parse: (body: unknown) => Input,
): IdempotentCall<Input> {
  const tenant = tenantOf(event);
  const idempotencyKey = idempotencyKeyOf(event);
  const body = jsonBodyOf(event);
  const input = parse(body);
  const fingerprint = requestFingerprint(route, body);
  return {
    scope: [tenant, route, idempotencyKey],
    fingerprint,
    request: { tenant, idempotencyKey, fingerprint, input },
  };
}
