/**
 * The Idempotency-Key header's grammar, defined once: the functions parse the header with it,
 * the OpenAPI document publishes its pattern, and the client SDK checks a caller's key by it.
 *
 * Plain data without imports: the client SDK compiles this module in.
 */

/** The longest key: longer ones are refused (400 `idempotency_key_invalid`). */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/** The grammar in words, for error messages and documentation. */
export const IDEMPOTENCY_KEY_RULE = `1–${MAX_IDEMPOTENCY_KEY_LENGTH} visible ASCII characters, bare or as an RFC 8941 string ("abc" is the key abc)`;

// A key's characters: visible ASCII, 0x21–0x7E.
const KEY_CHARACTER = String.raw`[\x21-\x7E]`;
// One character of an RFC 8941 sf-string's content: visible ASCII but '"' and '\', or either
// of those escaped. Each repetition is one character of the key, so the length bound holds.
const QUOTED_KEY_CHARACTER = String.raw`(?:[\x21\x23-\x5B\x5D-\x7E]|\\["\\])`;
const LENGTH = `{1,${MAX_IDEMPOTENCY_KEY_LENGTH}}`;

/**
 * A valid header value (surrounding whitespace removed): a bare key, unless it starts and ends
 * with '"', or a quoted key. `"abc"` is the key `abc`; `"a"b"` is neither form, so it is refused.
 * Group 1 is a bare key, group 2 the content of a quoted one.
 */
export const IDEMPOTENCY_KEY_HEADER_PATTERN = new RegExp(
  `^(?:(?!".*"$)(${KEY_CHARACTER}${LENGTH})|"(${QUOTED_KEY_CHARACTER}${LENGTH})")$`,
);

/**
 * The key an Idempotency-Key header value names, or `undefined` when the value is malformed.
 */
export function parseIdempotencyKey(headerValue: string): string | undefined {
  const match = IDEMPOTENCY_KEY_HEADER_PATTERN.exec(headerValue.trim());
  if (!match) return undefined;
  const [, bare, quoted] = match;
  return bare ?? quoted?.replace(/\\(["\\])/g, '$1');
}

/** True when `value`, sent as it is, is an Idempotency-Key header the API accepts. */
export function isIdempotencyKeyHeaderValue(value: string): boolean {
  return IDEMPOTENCY_KEY_HEADER_PATTERN.test(value);
}
