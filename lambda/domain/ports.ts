import type { Order } from './order';
import type { Payment } from './payment';

/** A stored resource together with the fingerprint of the request that created it. */
export interface Fingerprinted<T> {
  readonly resource: T;
  readonly fingerprint: string;
}

export type InsertOutcome<T> =
  { readonly inserted: true } | { readonly inserted: false; readonly existing: Fingerprinted<T> };

/** Why an order could not be claimed for a payment attempt. */
export type ClaimRefusal = 'not_found' | 'paid' | 'claimed_by_another_attempt';

/** Persistence of orders and payments; implemented in `lambda/store/`. */
export interface OrdersStore {
  /** Inserts the order unless one with its id exists, which is then returned instead. */
  insertOrder(tenant: string, order: Order, fingerprint: string): Promise<InsertOutcome<Order>>;
  getOrder(tenant: string, orderId: string): Promise<Order | undefined>;
  getPayment(tenant: string, paymentId: string): Promise<Fingerprinted<Payment> | undefined>;
  /** The order's payments, oldest first. */
  listPayments(tenant: string, orderId: string): Promise<Payment[]>;
  /**
   * Claims a PENDING order for one payment attempt until `leaseExpiresAt` (epoch ms). Succeeds
   * when the order is unclaimed, its lease has expired, or this payment already holds it.
   */
  claimOrder(
    tenant: string,
    orderId: string,
    paymentId: string,
    leaseExpiresAt: number,
    now: number,
  ): Promise<ClaimRefusal | undefined>;
  /**
   * Records the payment and releases the order's lease in one atomic write; a SUCCEEDED
   * payment also moves the order to PAID.
   *
   * Recording is itself idempotent: when the payment already exists (a retried write that had
   * committed), the stored payment is returned.
   *
   * @returns the payment as stored
   * @throws PaymentLeaseLost when the attempt no longer holds the order's lease
   */
  recordPayment(tenant: string, payment: Payment, fingerprint: string): Promise<Payment>;
}
