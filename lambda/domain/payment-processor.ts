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
 * The contract's deterministic sandbox: the outcome depends only on the card token, so a
 * repeated charge with the same idempotency key trivially gets the same answer.
 */
export class SandboxPaymentProcessor implements PaymentProcessor {
  /** @param latencyMs simulated processor round trip, to make races observable locally */
  constructor(private readonly latencyMs = 0) {}

  acceptsPaymentMethod(method: PaymentMethod): boolean {
    return method.type === 'card' && Object.hasOwn(sandboxOutcomes, method.token);
  }

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    const outcome = sandboxOutcomes[request.paymentMethod.token];
    if (!outcome) throw new Error(`Sandbox cannot charge token ${request.paymentMethod.token}`);
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    return outcome;
  }
}
