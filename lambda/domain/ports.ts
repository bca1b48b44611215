import type { Order } from './order';
import type { Payment, PaymentDraft } from './payment';

/**
 * The time the protocol judges by (creation times, lease expiries). Injected so that tests can
 * run a request on a clock skewed from the store's.
 */
export type Clock = () => Date;

/** A stored resource together with the fingerprint of the request that created it. */
export interface Fingerprinted<T> {
  readonly resource: T;
  readonly fingerprint: string;
}

export type InsertOutcome<T> =
  { readonly inserted: true } | { readonly inserted: false; readonly existing: Fingerprinted<T> };

/**
 * One payment attempt, as the order's lease records it: enough to finish the attempt later
 * (charge under the same processor key, record the outcome) if its process dies.
 */
export interface PaymentAttempt {
  readonly paymentId: string;
  readonly fingerprint: string;
  readonly draft: PaymentDraft;
}

export type ClaimOutcome =
  | { readonly kind: 'claimed' }
  /**
   * The order's lease had expired in the hands of another attempt, whose charge may have gone
   * through. The lease was renewed for that attempt: finish it before charging again.
   */
  | { readonly kind: 'abandoned'; readonly attempt: PaymentAttempt }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'paid' }
  | { readonly kind: 'claimed_by_another_attempt' }
  /**
   * This key's payment id holds the order for a request with another fingerprint: an attempt
   * that crashed, retried with a different body. Only the original request may finish it.
   */
  | { readonly kind: 'held_for_another_request' };

/** Persistence of orders and payments; implemented in `lambda/store/`. */
export interface OrdersStore {
  /** Inserts the order unless one with its id exists, which is then returned instead. */
  insertOrder(tenant: string, order: Order, fingerprint: string): Promise<InsertOutcome<Order>>;
  getOrder(tenant: string, orderId: string): Promise<Order | undefined>;
  getPayment(tenant: string, paymentId: string): Promise<Fingerprinted<Payment> | undefined>;
  /**
   * Binds a payment id to the request (fingerprint) that first used it, before anything is
   * charged under it: true when the id is free or already bound to this fingerprint.
   */
  reservePaymentId(tenant: string, paymentId: string, fingerprint: string): Promise<boolean>;
  /** The order's payments, oldest first. */
  listPayments(tenant: string, orderId: string): Promise<Payment[]>;
  /**
   * Claims a PENDING order for `attempt` until `leaseExpiresAt` (epoch ms). Succeeds when the
   * order is unclaimed or the attempt already holds it; an expired lease of another attempt is
   * renewed for that attempt and handed back (`abandoned`).
   */
  claimOrder(
    tenant: string,
    attempt: PaymentAttempt,
    leaseExpiresAt: number,
    now: number,
  ): Promise<ClaimOutcome>;
  /**
   * Records the payment and releases the order's lease, which the payment's attempt must
   * hold, in one atomic write; a SUCCEEDED payment also moves the order to PAID.
   *
   * Recording is itself idempotent: when the payment already exists (a retried write that had
   * committed), the stored payment is returned.
   *
   * @returns the payment as stored
   * @throws PaymentLeaseLost when the attempt no longer holds the order's lease
   */
  recordPayment(tenant: string, payment: Payment, fingerprint: string): Promise<Payment>;
}
