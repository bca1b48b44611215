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
  /**
   * Epoch ms of the attempt's first claim of the order, by the claimer's clock: the earliest
   * its charge can have been made. Renewing the lease keeps it.
   */
  readonly startedAt: number;
}

/** An attempt's claim on an order, until `expiresAt` (epoch ms, by the clock of who took it). */
export interface Lease extends PaymentAttempt {
  readonly expiresAt: number;
  /**
   * Set once the attempt could not be settled (too old to charge, and the processor could not
   * say what became of it): epoch ms of the flagging. The order keeps the lease, so that nothing
   * charges it, until an operator reconciles it.
   */
  readonly flaggedAt?: number;
}

/** A lease, with the tenant whose order it holds. */
export interface HeldLease {
  readonly tenant: string;
  readonly lease: Lease;
}

export type ClaimOutcome =
  /** The order is the attempt's until the lease expires, and its payment id is reserved for it. */
  | { readonly kind: 'claimed' }
  /** The payment id names a recorded payment: this key's earlier attempt was finished. */
  | { readonly kind: 'payment_exists'; readonly payment: Fingerprinted<Payment> }
  /** The payment id was first used by a request with another fingerprint. */
  | { readonly kind: 'payment_id_taken' }
  | { readonly kind: 'order_not_found' }
  /**
   * The order cannot be claimed as it is: paid, for another amount or currency, or held by the
   * `lease` of an attempt (this key's own earlier one, perhaps).
   */
  | { readonly kind: 'order_refused'; readonly order: Order; readonly lease?: Lease }
  /** Another write to the order was in flight at the same moment. */
  | { readonly kind: 'busy' };

export type LeaseRenewal =
  /** The lease is the attempt's again until the new expiry: finish the attempt now. */
  | { readonly kind: 'renewed' }
  /** Someone else changed the lease first: they are dealing with the attempt. */
  | { readonly kind: 'lost' }
  /** The attempt had been recorded after all; its stale lease was removed. */
  | { readonly kind: 'recorded' };

/** Persistence of orders and payments; implemented in `lambda/store/`. */
export interface OrdersStore {
  /** Inserts the order unless one with its id exists, which is then returned instead. */
  insertOrder(tenant: string, order: Order, fingerprint: string): Promise<InsertOutcome<Order>>;
  getOrder(tenant: string, orderId: string): Promise<Order | undefined>;
  getPayment(tenant: string, paymentId: string): Promise<Fingerprinted<Payment> | undefined>;
  /** The order's payments, oldest first. */
  listPayments(tenant: string, orderId: string): Promise<Payment[]>;
  /**
   * In one atomic write: binds the attempt's payment id to its request (fingerprint), unless
   * the id names a payment already, and claims the order for the attempt until
   * `leaseExpiresAt` (epoch ms), provided the order is PENDING, for the draft's amount and
   * currency, and held by no lease. Nothing is read first: when any of this does not hold,
   * the outcome says which, with what was found.
   */
  claimOrder(
    tenant: string,
    attempt: PaymentAttempt,
    leaseExpiresAt: number,
  ): Promise<ClaimOutcome>;
  /**
   * Extends `lease`, as it was found, until `leaseExpiresAt` for the same attempt, unless the
   * lease changed meanwhile, was flagged for reconciliation, or its attempt was recorded (a
   * stale lease, which is removed).
   */
  renewLease(tenant: string, lease: Lease, leaseExpiresAt: number): Promise<LeaseRenewal>;
  /**
   * Records the payment and releases the order's lease, which the payment's attempt must
   * hold, in one atomic write; a SUCCEEDED payment also moves the order to PAID.
   *
   * Recording is itself idempotent: when the payment already exists (recorded by whoever
   * finished the attempt first, or by this very write, retried after its reply was lost),
   * the stored payment is returned, and a lease its id still holds is removed.
   *
   * @returns the payment as stored
   * @throws PaymentLeaseLost when the attempt no longer holds the order's lease
   */
  recordPayment(tenant: string, payment: Payment, fingerprint: string): Promise<Payment>;
  /**
   * Marks the order's lease, which `attempt` must hold, as waiting for reconciliation: the
   * order keeps it, so no claim succeeds and nothing renews it until an operator settles the
   * attempt. Idempotent: a lease flagged already keeps its first `flaggedAt`.
   *
   * @throws PaymentLeaseLost when the attempt no longer holds the order's lease
   */
  flagForReconciliation(tenant: string, attempt: PaymentAttempt, flaggedAt: number): Promise<void>;
  /**
   * The leases, of every tenant, that expired before `before` (epoch ms, as their writers'
   * clocks wrote them), flagged ones excepted: what the sweeper settles. Read from an index,
   * so a lease may have changed since; whatever acts on one checks it as it writes.
   */
  expiredLeases(before: number): AsyncIterable<HeldLease>;
  /** The leases flagged for reconciliation, of every tenant, longest waiting first. */
  flaggedLeases(): AsyncIterable<HeldLease>;
  /**
   * Removes a flagged lease without recording a payment: an operator found that its attempt
   * never charged. The order is payable again.
   *
   * @throws PaymentLeaseLost unless the order is PENDING and `lease` holds it, flagged
   */
  releaseFlaggedLease(tenant: string, lease: Lease): Promise<void>;
}
