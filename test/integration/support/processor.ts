/**
 * Helpers over the test application's processor (`ObservedProcessor`): charges recorded, held
 * or slowed down, the charge itself always the real one.
 */
import { testApplication } from './application';
import type { ChargeRecorder } from './observed-processor';

/** A mock called with every charge request of the test application from now on. */
export function recordCharges(): ChargeRecorder {
  return testApplication().processor.recordCharges();
}

/** The next charge waits at the processor until `release()`; `charges` records every charge from now on. */
export function holdNextCharge() {
  const { processor } = testApplication();
  const charges = processor.recordCharges();
  return { ...processor.holdNextCharge(), charges };
}

/** Every charge takes `delayMs`; reports how many were ever in flight at once. */
export function slowChargesTrackingConcurrency(delayMs: number) {
  const { processor } = testApplication();
  processor.slowDown(delayMs);
  return { stats: processor.concurrency };
}

/**
 * Sends `first`, holds its charge at the processor, sends `meanwhile` while it is held, then
 * lets the charge go. Returns both responses and the charges made meanwhile.
 */
export async function whileChargeIsHeld<T>(
  first: () => Promise<T>,
  meanwhile: () => Promise<T>,
): Promise<{ first: T; meanwhile: T; charges: ChargeRecorder }> {
  const held = holdNextCharge();
  const running = first();
  await held.reached;
  const concurrent = await meanwhile();
  held.release();
  return { first: await running, meanwhile: concurrent, charges: held.charges };
}
