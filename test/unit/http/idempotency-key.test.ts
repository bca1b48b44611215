import Ajv2020 from 'ajv/dist/2020';
import fc from 'fast-check';
import {
  IDEMPOTENCY_KEY_HEADER_PATTERN,
  isIdempotencyKeyHeaderValue,
  parseIdempotencyKey,
} from '../../../lambda/http/idempotency-key';
import document from '../../../openapi/openapi.json';

/**
 * The grammar as the functions parsed it before it moved into one module, written another way
 * (step by step instead of one pattern): the property below checks that the two agree.
 */
function parsedStepByStep(raw: string): string | undefined {
  let key = raw.trim();
  if (key.length >= 2 && key.startsWith('"') && key.endsWith('"')) {
    const quoted = key.slice(1, -1);
    if (!/^(?:[\x21\x23-\x5B\x5D-\x7E]|\\["\\])*$/.test(quoted)) return undefined;
    key = quoted.replace(/\\(["\\])/g, '$1');
  }
  return key.length <= 255 && /^[\x21-\x7E]+$/.test(key) ? key : undefined;
}

/** Header values built from the characters the grammar cares about, around its length limit. */
const headerValues = fc.oneof(
  fc.string({
    unit: fc.constantFrom('a', 'Z', '0', '-', '"', '\\', ' ', '\t', '\u0001', 'ü', '\u007f'),
    maxLength: 12,
  }),
  fc
    .tuple(
      fc.constantFrom('', '"', ' '),
      fc.integer({ min: 250, max: 260 }),
      fc.constantFrom('', '"', '\\"', ' '),
    )
    .map(([before, length, after]) => `${before}${'k'.repeat(length)}${after}`),
  fc
    .tuple(fc.integer({ min: 250, max: 260 }), fc.integer({ min: 0, max: 5 }))
    .map(([length, escapes]) => `"${'\\"'.repeat(escapes)}${'k'.repeat(length - escapes)}"`),
);

describe('parseIdempotencyKey', () => {
  it.each([
    ['a bare key', 'abc-123', 'abc-123'],
    ['the quoted form', '"abc-123"', 'abc-123'],
    ['escapes inside quotes', '"a\\"b\\\\c"', 'a"b\\c'],
    ['a lone leading quote as a bare key', '"abc', '"abc'],
    ['a lone quote', '"', '"'],
    ['255 characters', 'k'.repeat(255), 'k'.repeat(255)],
    ['255 quoted characters, some escaped', `"\\"${'k'.repeat(254)}"`, `"${'k'.repeat(254)}`],
    ['surrounding whitespace', '  abc ', 'abc'],
  ])('accepts %s', (_case, raw, key) => {
    expect(parseIdempotencyKey(raw)).toBe(key);
  });

  it.each([
    ['empty', ''],
    ['256 characters', 'k'.repeat(256)],
    ['256 quoted characters', `"${'k'.repeat(256)}"`],
    ['an inner space', 'a b'],
    ['a control character', 'a\u0001b'],
    ['non-ASCII', 'schlüssel'],
    ['an empty quoted string', '""'],
    ['an unescaped quote inside quotes', '"a"b"'],
    ['a space inside quotes', '"a b"'],
  ])('rejects %s', (_case, raw) => {
    expect(parseIdempotencyKey(raw)).toBeUndefined();
  });

  it('parses every header value as the step-by-step reading does', () => {
    fc.assert(
      fc.property(headerValues, (raw) => {
        expect(parseIdempotencyKey(raw)).toBe(parsedStepByStep(raw));
      }),
      { seed: 11, numRuns: 2000 },
    );
  });
});

describe('the published pattern', () => {
  type Parameter = { name: string; schema: { pattern?: string } };
  const patterns = Object.values(document.paths)
    .map((item) => ('post' in item ? (item.post.parameters as Parameter[]) : []))
    .flatMap((parameters) => parameters.filter((p) => p.name === 'Idempotency-Key'))
    .map((parameter) => parameter.schema.pattern);
  const published = patterns[0];

  it('is the one the functions parse with, on every POST', () => {
    const posts = Object.values(document.paths).filter((item) => 'post' in item);

    expect(patterns).toEqual(posts.map(() => IDEMPOTENCY_KEY_HEADER_PATTERN.source));
    expect(posts.length).toBeGreaterThanOrEqual(2);
  });

  it('accepts, as JSON Schema reads it, exactly the values the functions accept', () => {
    const validate = new Ajv2020({ strict: false }).compile({
      type: 'string',
      pattern: published,
    });
    fc.assert(
      fc.property(headerValues, (raw) => {
        expect(validate(raw)).toBe(parseIdempotencyKey(raw) !== undefined && raw === raw.trim());
        expect(isIdempotencyKeyHeaderValue(raw)).toBe(validate(raw));
      }),
      { seed: 12, numRuns: 2000 },
    );
  });
});
