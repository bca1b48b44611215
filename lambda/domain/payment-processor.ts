/** Why a processor declines a charge; a declined payment records it. */
export const DECLINE_CODES = ['card_declined', 'insufficient_funds'] as const;
export type DeclineCode = (typeof DECLINE_CODES)[number];

export interface PaymentMethod {
  readonly type: 'card';
  readonly token: string;
}

export interface ChargeRequest {
  /**
   * The payment id. The processor stores it with the charge, so that the charge can be looked
   * up by it, and uses it as the idempotency key: within the processor's key retention, the
   * same key charged twice is charged once.
   */
  readonly idempotencyKey: string;
  readonly amount: number;
  readonly currency: string;
  readonly paymentMethod: PaymentMethod;
}

export type ChargeResult =
  | { readonly outcome: 'succeeded' }
  | { readonly outcome: 'declined'; readonly declineCode: DeclineCode };

/**
 * What the processor knows of the charges made under a payment id: one was captured, one was
 * declined, or it cannot say (it finds none: none was made, or its search cannot see it yet).
 */
export type ChargeLookup =
  | { readonly outcome: 'captured' }
  | { readonly outcome: 'declined'; readonly declineCode: DeclineCode }
  | { readonly outcome: 'unknown' };

/**
 * Port to the card processor.
 *
 * Real processors keep idempotency keys for a limited time (Stripe may prune a key after
 * 24 hours): a key charged again after that is a new charge. Their record of the charges
 * themselves is durable, which is what {@link PaymentProcessor.lookUpCharge} reads.
 */
export interface PaymentProcessor {
  /** False for a payment method this processor cannot charge: the request is invalid (400). */
  acceptsPaymentMethod(method: PaymentMethod): boolean;
  charge(request: ChargeRequest): Promise<ChargeResult>;
  /** What the charges made with `paymentId` as their idempotency key came to. */
  lookUpCharge(paymentId: string): Promise<ChargeLookup>;
}

/** How long Stripe promises to keep an idempotency key; a processor may keep it longer. */
export const PROCESSOR_KEY_RETENTION_MS = 24 * 60 * 60 * 1000;
