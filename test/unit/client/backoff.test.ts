import { parseRetryAfterMs, retryDelayMs } from '../../../client/backoff';

const policy = { baseDelayMs: 100, maxDelayMs: 1_000 };

describe('retryDelayMs (full jitter)', () => {
  it.each([
    [1, 100],
    [2, 200],
    [3, 400],
    [4, 800],
    [5, 1_000],
    [12, 1_000],
  ])('retry %i waits less than its ceiling of %i ms, capped at maxDelayMs', (retry, ceiling) => {
    expect(retryDelayMs(retry, policy, undefined, () => 0)).toBe(0);
    expect(retryDelayMs(retry, policy, undefined, () => 0.999_999)).toBe(ceiling - 1);
    expect(retryDelayMs(retry, policy, undefined, () => 0.5)).toBe(ceiling / 2);
  });

  it("never waits less than the server's Retry-After, even beyond maxDelayMs", () => {
    expect(retryDelayMs(1, policy, 2_000, () => 0)).toBe(2_000);
    expect(retryDelayMs(4, policy, 300, () => 0.999_999)).toBe(799);
  });
});

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2026-11-22T10:00:00Z');

  it.each([
    ['0', 0],
    ['1', 1_000],
    [' 120 ', 120_000],
    ['Sun, 22 Nov 2026 10:00:05 GMT', 5_000],
    ['Sun, 22 Nov 2026 09:59:00 GMT', 0],
    ['Sunday, 22-Nov-26 10:00:05 GMT', 5_000],
    ['Sun Nov 22 10:00:05 2026', 5_000],
  ])('reads %j as %i ms', (header, expected) => {
    expect(parseRetryAfterMs(header, now)).toBe(expected);
  });

  it.each([
    null,
    undefined,
    '',
    '1.5',
    '-1',
    'soon',
    'tomorrow 3',
    '2026-11-22T10:00:05Z',
    'Sun, 22 Nov 2026 10:00:05 +0100',
  ])('ignores %j', (header) => {
    expect(parseRetryAfterMs(header, now)).toBeUndefined();
  });
});
