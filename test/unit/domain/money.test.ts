import {
  MAX_AMOUNT,
  MIN_AMOUNT,
  isValidAmount,
  normalizeCurrency,
} from '../../../lambda/domain/money';

describe('isValidAmount', () => {
  it.each([MIN_AMOUNT, 2500, MAX_AMOUNT])('accepts %d minor units', (amount) => {
    expect(isValidAmount(amount)).toBe(true);
  });

  it.each([0, -1, MAX_AMOUNT + 1, 12.5, Number.NaN, Number.POSITIVE_INFINITY])(
    'rejects %d',
    (amount) => {
      expect(isValidAmount(amount)).toBe(false);
    },
  );
});

describe('normalizeCurrency', () => {
  it.each([
    ['usd', 'USD'],
    ['EuR', 'EUR'],
    ['JPY', 'JPY'],
  ])('returns %s as %s', (input, expected) => {
    expect(normalizeCurrency(input)).toBe(expected);
  });

  it.each(['ZZZ', 'US', 'USDD', 'U$D', ''])(
    'rejects %j, which is not an ISO 4217 code',
    (input) => {
      expect(normalizeCurrency(input)).toBeUndefined();
    },
  );
});
