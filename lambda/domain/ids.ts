import { createHash } from 'node:crypto';

/**
 * The namespaces resource ids are derived in: the id's prefix, and the string hashed with the
 * tenant and the Idempotency-Key (the route's method and path template, which also scopes the
 * key's idempotency record and fingerprint).
 *
 * Persisted contracts: every stored order and payment id, every processor charge key and every
 * idempotency record was derived from these strings. Changing one would give the keys clients
 * already used new ids, and their retries would create (and charge) again.
 */
export const ID_NAMESPACES = {
  order: { prefix: 'ord', route: 'POST /orders' },
  payment: { prefix: 'pay', route: 'POST /payments' },
} as const;

/**
 * Derives a resource id from (tenant, route, idempotency key).
 *
 * The same key can therefore only ever name one resource, even after its replay window has
 * passed or a crash lost the idempotency record: a retry finds the resource instead of
 * creating a second one. 128 bits of SHA-256 keep collisions out of reach, and
 * `pay_` + 32 hex characters fit DynamoDB's 36-character `ClientRequestToken`.
 */
export function deriveResourceId(
  prefix: 'ord' | 'pay',
  tenant: string,
  route: string,
  idempotencyKey: string,
): string {
  const digest = createHash('sha256')
    .update(JSON.stringify([tenant, route, idempotencyKey]))
    .digest('hex');
  return `${prefix}_${digest.slice(0, 32)}`;
}

/** True when `id` has the shape of an id this API issues with `prefix`. */
export function isResourceId(prefix: 'ord' | 'pay', id: string): boolean {
  return (
    id.length === prefix.length + 33 &&
    id.startsWith(`${prefix}_`) &&
    /^[0-9a-f]+$/.test(id.slice(prefix.length + 1))
  );
}
