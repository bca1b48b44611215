import { AmountMismatch, OrderAlreadyPaid } from './errors';
import type { Order } from './order';
import type { ChargeResult, DeclineCode, PaymentMethod } from './payment-processor';

/**
 * How long one payment attempt holds its claim on an order. It must exceed the payment
 * function's timeout so a live attempt never loses its claim; a crashed attempt blocks
 * other payments of the order for at most this long, plus the clock skew margin.
 */
export const PAYMENT_LEASE_SECONDS = 30;

/**
 * How far apart the clocks of two instances may be (ms) unless configured otherwise. Expiry
 * written by one instance's clock and judged by another's is only trusted this much later.
 */
export const DEFAULT_CLOCK_SKEW_MARGIN_MS = 5_000;

export interface PaymentFields {
  readonly id: string;
  readonly orderId: string;
  readonly amount: number;
  readonly currency: string;
  readonly createdAt: string;
}

/** A charge that went through: its order is PAID by it. */
export interface SucceededPayment extends PaymentFields {
  readonly status: 'SUCCEEDED';
}

/** A charge the processor declined, and why; the order stays payable. */
export interface DeclinedPayment extends PaymentFields {
  readonly status: 'DECLINED';
  readonly declineCode: DeclineCode;
}

export type Payment = SucceededPayment | DeclinedPayment;
export type PaymentStatus = Payment['status'];

/** A validated CreatePayment request (currency already upper-case). */
export interface PaymentDraft {
  readonly orderId: string;
  readonly amount: number;
  readonly currency: string;
  readonly paymentMethod: PaymentMethod;
}

/**
 * Checks that a payment may be attempted for the order: it must still be payable and the
 * payment must be for exactly the order's amount and currency.
 *
 * @throws OrderAlreadyPaid when the order is PAID
 * @throws AmountMismatch when amount or currency differ from the order's
 */
export function assertPayable(order: Order, draft: PaymentDraft): void {
  if (order.status === 'PAID') throw new OrderAlreadyPaid(order.id);
  if (draft.currency !== order.currency) {
    throw new AmountMismatch(`Order ${order.id} is in ${order.currency}, not ${draft.currency}.`);
  }
  if (draft.amount !== order.amount) {
    throw new AmountMismatch(
      `Order ${order.id} is for ${order.amount} ${order.currency}, not ${draft.amount}.`,
    );
  }
}

/** The payment that records a charge's outcome. */
export function paymentFromCharge(
  id: string,
  draft: PaymentDraft,
  charge: ChargeResult,
  now: Date,
): Payment {
  const { orderId, amount, currency } = draft;
  return paymentOf({ id, orderId, amount, currency, createdAt: now.toISOString() }, charge);
}

/** The epoch-millisecond instant until which an attempt claiming the order at `now` holds it. */
export function leaseExpiry(now: Date): number {
  return now.getTime() + PAYMENT_LEASE_SECONDS * 1000;
}

/**
 * True when a lease has expired for certain, although the clock that wrote its expiry and
 * the one reading `now` may be `clockSkewMarginMs` apart: until then its attempt may be alive.
 */
export function hasExpired(
  lease: { readonly expiresAt: number },
  now: Date,
  clockSkewMarginMs: number,
): boolean {
  return lease.expiresAt + clockSkewMarginMs < now.getTime();
}

/**
 * The payment `fields` describe, with the outcome of its charge: members always in the order a
 * created payment has them, so that every representation of one payment reads the same.
 */
export function paymentOf(fields: PaymentFields, charge: ChargeResult): Payment {
  const { id, orderId, amount, currency, createdAt } = fields;
  return charge.outcome === 'succeeded'
    ? { id, orderId, amount, currency, status: 'SUCCEEDED', createdAt }
    : {
        id,
        orderId,
        amount,
        currency,
        status: 'DECLINED',
        createdAt,
        declineCode: charge.declineCode,
      };
}
