/** Why a processor declines a charge; a declined payment records it. */
export const DECLINE_CODES = ['card_declined', 'insufficient_funds'] as const;
export type DeclineCode = (typeof DECLINE_CODES)[number];

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
