import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted at every depth, so that two bodies that differ only in key
 * order serialise identically. Array order is meaningful and kept.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, nested: unknown) =>
    nested !== null && typeof nested === 'object' && !Array.isArray(nested)
      ? Object.fromEntries(
          Object.entries(nested as Record<string, unknown>).sort(([a], [b]) =>
            a < b ? -1 : a > b ? 1 : 0,
          ),
        )
      : nested,
  );
}

/**
 * The request fingerprint: SHA-256 over the route (method and path template) and the
 * canonical JSON body. A key replayed with another fingerprint is a different request.
 */
export function requestFingerprint(route: string, body: unknown): string {
  return createHash('sha256')
    .update(`${route}\n${canonicalJson(body)}`)
    .digest('hex');
}
