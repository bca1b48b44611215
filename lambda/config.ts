/**
 * Environment access for the functions. Each value is read once, when the module that needs
 * it loads, so a misconfigured function fails at start-up instead of mid-request.
 */

/** @throws Error `NAME environment variable is not set` when it is missing or empty */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} environment variable is not set`);
  return value;
}

/**
 * Reads a positive whole number of seconds, or `fallback` when the variable is unset.
 *
 * @throws Error when the variable is set to anything else
 */
export function positiveIntegerEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new Error(`${name} must be a positive integer, got "${raw}"`);
  }
  return value;
}

/**
 * Reads a whole number that may be zero, or `fallback` when the variable is unset.
 *
 * @throws Error when the variable is set to anything else
 */
export function nonNegativeIntegerEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`${name} must be a whole number, got "${raw}"`);
  }
  return value;
}
