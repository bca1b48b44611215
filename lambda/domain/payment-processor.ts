import type { DeclineCode } from './payment';

export interface PaymentMethod {
  readonly type: 'card';
  readonly token: string;
}

export interface ChargeRequest {
  /** The payment id: a processor that sees the same key twice charges once. */
  readonly idempotencyKey: string;
  readonly amount: number;
  readonly currency: string;
  readonly paymentMethod: PaymentMethod;
}

export type ChargeResult =
  | { readonly outcome: 'succeeded' }
  | { readonly outcome: 'declined'; readonly declineCode: DeclineCode };

/** Port to the card processor. Implementations must honour `idempotencyKey`. */
export interface PaymentProcessor {
  /** False for a payment method this processor cannot charge: the request is invalid (400). */
  acceptsPaymentMethod(method: PaymentMethod): boolean;
  charge(request: ChargeRequest): Promise<ChargeResult>;
}

const sandboxOutcomes: Readonly<Record<string, ChargeResult>> = {
  tok_visa: { outcome: 'succeeded' },
  tok_mastercard: { outcome: 'succeeded' },
  tok_chargeDeclined: { outcome: 'declined', declineCode: 'card_declined' },
  tok_insufficientFunds: { outcome: 'declined', declineCode: 'insufficient_funds' },
};

/**
 * The contract's deterministic sandbox: the outcome depends on the card token, and the first
 * outcome for an idempotency key is what every later charge with that key gets back, as a real
 * card processor does. Only first charges move (sandbox) money; `chargesMade` counts them.
 *
 * A real processor keeps its idempotency records server-side, durably; this sandbox keeps them
 * in this process, which is enough for one local server or test run.
 */
export class SandboxPaymentProcessor implements PaymentProcessor {
  private readonly outcomeByKey = new Map<string, ChargeResult>();

  /**
   * @param latencyMs simulated processor round trip, to make races observable locally
   * @param onCharge told of every charge actually made (not of repeated keys)
   */
  constructor(
    private readonly latencyMs = 0,
    private readonly onCharge?: (request: ChargeRequest, outcome: ChargeResult) => void,
  ) {}

  acceptsPaymentMethod(method: PaymentMethod): boolean {
    return method.type === 'card' && Object.hasOwn(sandboxOutcomes, method.token);
  }

  /** Charges actually made: repeated idempotency keys are not counted again. */
  get chargesMade(): number {
    return this.outcomeByKey.size;
  }

  /** How many charges were made with `idempotencyKey`: 0 or 1. */
  chargesWithKey(idempotencyKey: string): number {
    return this.outcomeByKey.has(idempotencyKey) ? 1 : 0;
  }

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    const first = this.outcomeByKey.get(request.idempotencyKey);
    if (first) return first;
    const outcome = sandboxOutcomes[request.paymentMethod.token];
    if (!outcome) throw new Error(`Sandbox cannot charge token ${request.paymentMethod.token}`);
    this.outcomeByKey.set(request.idempotencyKey, outcome);
    this.onCharge?.(request, outcome);
    return outcome;
  }
}
