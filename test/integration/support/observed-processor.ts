/**
 * The real sandbox processor, observed: a decorator the test application puts around it. It
 * records charges, or holds one until the test lets it go, or slows every charge down, to make
 * a race deterministic; the charge itself is always the real one.
 */
import type {
  ChargeLookup,
  ChargeRequest,
  ChargeResult,
  PaymentMethod,
  PaymentProcessor,
} from '../../../lambda/domain/payment-processor';

export type ChargeRecorder = jest.Mock<void, [ChargeRequest]>;

export class ObservedProcessor implements PaymentProcessor {
  private readonly recorders = new Set<ChargeRecorder>();
  private readonly charged = new Set<string>();
  private readonly holds: (() => Promise<void>)[] = [];
  private delayMs = 0;
  private inFlight = 0;
  readonly concurrency = { maxInFlight: 0, calls: 0 };

  constructor(private readonly processor: PaymentProcessor) {}

  acceptsPaymentMethod(method: PaymentMethod): boolean {
    return this.processor.acceptsPaymentMethod(method);
  }

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    for (const record of this.recorders) record(request);
    this.concurrency.calls += 1;
    this.concurrency.maxInFlight = Math.max(this.concurrency.maxInFlight, ++this.inFlight);
    try {
      await this.holds.shift()?.();
      if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
      const result = await this.processor.charge(request);
      this.charged.add(request.idempotencyKey);
      return result;
    } finally {
      this.inFlight -= 1;
    }
  }

  lookUpCharge(paymentId: string): Promise<ChargeLookup> {
    return this.processor.lookUpCharge(paymentId);
  }

  /** A mock called with every charge request from now on. */
  recordCharges(): ChargeRecorder {
    const recorder: ChargeRecorder = jest.fn();
    this.recorders.add(recorder);
    return recorder;
  }

  /** How many idempotency keys the processor charged: each once, however often it was asked. */
  get chargesMade(): number {
    return this.charged.size;
  }

  /** How many charges the processor made with `idempotencyKey`: 0 or 1, it charges a key once. */
  chargesWithKey(idempotencyKey: string): number {
    return this.charged.has(idempotencyKey) ? 1 : 0;
  }

  /** The next charge waits at the processor until `release()`; `reached` resolves when it gets there. */
  holdNextCharge(): { reached: Promise<void>; release: () => void } {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let arrive!: () => void;
    const reached = new Promise<void>((resolve) => (arrive = resolve));
    this.holds.push(() => {
      arrive();
      return released;
    });
    return { reached, release };
  }

  /** Every charge from now on takes `delayMs` more; `concurrency` tells how many overlapped. */
  slowDown(delayMs: number): void {
    this.delayMs = delayMs;
    this.concurrency.maxInFlight = 0;
    this.concurrency.calls = 0;
  }

  /** Back to plain charges, between tests. */
  reset(): void {
    this.recorders.clear();
    this.holds.length = 0;
    this.delayMs = 0;
  }
}
