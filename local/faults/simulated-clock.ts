/**
 * The clock of a local server the exactly-once checker runs: the wall clock, plus this
 * instance's own skew, plus the simulated time the checker has made everyone jump. The jumps
 * live in a file the checker writes and every instance reads, so that all instances (and their
 * sandbox processors) jump together, as if every request in flight had paused that long.
 */
import { readFileSync } from 'node:fs';
import type { Clock } from '../../lambda/domain/ports';

export interface SimulatedClockSettings {
  /** How far this instance's clock runs ahead (negative: behind) of the others, in ms. */
  readonly skewMs: number;
  /** A file holding the milliseconds everyone has jumped so far; none when absent. */
  readonly jumpsFile: string | undefined;
}

/** The settings from `LOCAL_CLOCK_SKEW_MS` and `LOCAL_CLOCK_JUMPS_FILE`; none for the wall clock. */
export function simulatedClockSettings(
  environment: Readonly<Record<string, string | undefined>>,
): SimulatedClockSettings | undefined {
  const skew = environment.LOCAL_CLOCK_SKEW_MS;
  const jumpsFile = environment.LOCAL_CLOCK_JUMPS_FILE || undefined;
  if (!skew && !jumpsFile) return undefined;
  const skewMs = Number(skew ?? 0);
  if (!Number.isSafeInteger(skewMs)) {
    throw new Error(`LOCAL_CLOCK_SKEW_MS must be a whole number of ms, got "${skew}"`);
  }
  return { skewMs, jumpsFile };
}

/** A clock reading the wall clock, `skewMs` and the jumps in `jumpsFile`. */
export function simulatedClock({ skewMs, jumpsFile }: SimulatedClockSettings): Clock {
  return () => new Date(Date.now() + skewMs + (jumpsFile ? jumpedMs(jumpsFile) : 0));
}

/**
 * Written by the checker before any server starts, and replaced by a rename (atomic): a file
 * that cannot be read would set the clock back by every jump, so it is an error.
 */
function jumpedMs(file: string): number {
  const raw = readFileSync(file, 'utf8');
  const jumped = Number(raw);
  if (!Number.isSafeInteger(jumped)) throw new Error(`${file} must hold whole ms, got "${raw}"`);
  return jumped;
}
