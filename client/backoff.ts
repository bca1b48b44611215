/**
 * When to try again: exponential backoff with full jitter, with the server's `Retry-After` as a
 * lower bound. Pure functions, so the schedule can be tested without a network or a clock.
 */

export interface BackoffPolicy {
  /** Ceiling of the first retry's delay; each further retry doubles it. */
  readonly baseDelayMs: number;
  /** No computed delay exceeds this (a server's `Retry-After` still may). */
  readonly maxDelayMs: number;
}

/**
 * The delay before retry number `retry` (1 for the first retry): a uniformly random value in
 * [0, min(maxDelayMs, baseDelayMs × 2^(retry−1))) — "full jitter", which spreads the retries
 * of many clients that failed together instead of having them return in synchronised waves.
 * A server's `Retry-After` is honoured as a lower bound.
 *
 * @param random a source of numbers in [0, 1); `Math.random` unless a test pins it
 */
export function retryDelayMs(
  retry: number,
  policy: BackoffPolicy,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  const jittered = Math.floor(random() * ceiling);
  return Math.max(jittered, retryAfterMs ?? 0);
}

/**
 * Parses a `Retry-After` header (RFC 9110 §10.2.3): a number of seconds, or an HTTP date.
 * Returns milliseconds from `now` (never negative), or `undefined` when absent or malformed.
 */
export function parseRetryAfterMs(
  value: string | null | undefined,
  now: number,
): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // Only a real HTTP date, not whatever Date.parse is lenient enough to accept ("1.5", "soon 3").
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(trimmed)) {
    return undefined;
  }
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
