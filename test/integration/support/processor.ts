/**
 * Observes the real sandbox processor. The spies delegate to the real implementation; they
 * only count calls, or hold one until the test lets it go, to make a race deterministic.
 */
import type { ChargeRequest, ChargeResult } from '../../../lambda/domain/payment-processor';
import { SandboxPaymentProcessor } from '../../../lambda/domain/payment-processor';

const realCharge = SandboxPaymentProcessor.prototype.charge;

export function spyOnCharges() {
  return jest.spyOn(SandboxPaymentProcessor.prototype, 'charge');
}

/** The next charge waits at the processor until `release()`; `reached` resolves when it gets there. */
export function holdNextCharge() {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let arrive!: () => void;
  const reached = new Promise<void>((resolve) => (arrive = resolve));
  const spy = spyOnCharges().mockImplementationOnce(async function (
    this: SandboxPaymentProcessor,
    request: ChargeRequest,
  ): Promise<ChargeResult> {
    arrive();
    await released;
    return realCharge.call(this, request);
  });
  return { reached, release, spy };
}

/** Every charge takes `delayMs`; reports how many were ever in flight at once. */
export function slowChargesTrackingConcurrency(delayMs: number) {
  let inFlight = 0;
  const stats = { maxInFlight: 0, calls: 0 };
  const spy = spyOnCharges().mockImplementation(async function (
    this: SandboxPaymentProcessor,
    request: ChargeRequest,
  ): Promise<ChargeResult> {
    stats.calls += 1;
    stats.maxInFlight = Math.max(stats.maxInFlight, ++inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return await realCharge.call(this, request);
    } finally {
      inFlight -= 1;
    }
  });
  return { stats, spy };
}

/**
 * Sends `first`, holds its charge at the processor, sends `meanwhile` while it is held, then
 * lets the charge go. Returns both responses and the spy on the charges.
 */
export async function whileChargeIsHeld<T>(
  first: () => Promise<T>,
  meanwhile: () => Promise<T>,
): Promise<{ first: T; meanwhile: T; charges: ReturnType<typeof spyOnCharges> }> {
  const held = holdNextCharge();
  const running = first();
  await held.reached;
  const concurrent = await meanwhile();
  held.release();
  return { first: await running, meanwhile: concurrent, charges: held.spy };
}
