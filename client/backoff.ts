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

// The three HTTP-date forms a recipient must accept (RFC 9110 §5.6.7), and nothing else that
// Date.parse is lenient enough to read ("1.5", "soon 3").
const IMF_FIXDATE = /^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const RFC_850_DATE = /^[A-Za-z]{6,9}, \d{2}-[A-Za-z]{3}-\d{2} \d{2}:\d{2}:\d{2} GMT$/;
// asctime has no zone; HTTP dates are always GMT, so it is read as such.
const ASCTIME_DATE = /^[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/;

/**
 * Parses a `Retry-After` header (RFC 9110 §10.2.3): a number of seconds, or an HTTP date in
 * any of its three forms. Returns milliseconds from `now` (never negative), or `undefined` when
 * absent or malformed.
 */
export function parseRetryAfterMs(
  value: string | null | undefined,
  now: number,
): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = httpDate(trimmed);
  return at === undefined ? undefined : Math.max(0, at - now);
}

function httpDate(text: string): number | undefined {
  let at = Number.NaN;
  if (IMF_FIXDATE.test(text) || RFC_850_DATE.test(text)) at = Date.parse(text);
  else if (ASCTIME_DATE.test(text)) at = Date.parse(`${text} GMT`);
  return Number.isNaN(at) ? undefined : at;
}
