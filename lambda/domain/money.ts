/** Smallest amount accepted, in the currency's minor unit (cents). */
export const MIN_AMOUNT = 1;
/** Largest amount accepted, in the currency's minor unit: 999,999.99 in a two-decimal currency. */
export const MAX_AMOUNT = 99_999_999;

const iso4217Codes = new Set(Intl.supportedValuesOf('currency'));

/** True for an integer count of minor units within the accepted money range. */
export function isValidAmount(amount: number): boolean {
  return Number.isSafeInteger(amount) && amount >= MIN_AMOUNT && amount <= MAX_AMOUNT;
}

/**
 * Returns the ISO 4217 code in upper case, or `undefined` when the input is not one.
 * Clients may send `usd`; the API always stores and returns `USD`.
 */
export function normalizeCurrency(code: string): string | undefined {
  if (!/^[A-Za-z]{3}$/.test(code)) return undefined;
  const upper = code.toUpperCase();
  return iso4217Codes.has(upper) ? upper : undefined;
}
