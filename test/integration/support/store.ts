/**
 * The real Orders store, with failures on demand: a decorator the test application puts around
 * it, so that a test can make one call fail as a lost connection would.
 */
import type { Order } from '../../../lambda/domain/order';
import type { Payment } from '../../../lambda/domain/payment';
import type {
  ClaimOutcome,
  Fingerprinted,
  HeldLease,
  InsertOutcome,
  Lease,
  LeaseRenewal,
  OrdersStore,
  PaymentAttempt,
} from '../../../lambda/domain/ports';

type Operation = keyof OrdersStore;

export class FailingOnDemandStore implements OrdersStore {
  private readonly failures = new Map<Operation, Error[]>();

  constructor(private readonly store: OrdersStore) {}

  /** The next call of `operation` fails with `error`, before it reaches the table. */
  failNext(operation: Operation, error: Error): void {
    this.failures.set(operation, [...(this.failures.get(operation) ?? []), error]);
  }

  /** No failure left armed, between tests. */
  reset(): void {
    this.failures.clear();
  }

  private async call<T>(operation: Operation, run: () => Promise<T>): Promise<T> {
    const failure = this.failures.get(operation)?.shift();
    if (failure) throw failure;
    return run();
  }

  insertOrder(tenant: string, order: Order, fingerprint: string): Promise<InsertOutcome<Order>> {
    return this.call('insertOrder', () => this.store.insertOrder(tenant, order, fingerprint));
  }

  getOrder(tenant: string, orderId: string): Promise<Order | undefined> {
    return this.call('getOrder', () => this.store.getOrder(tenant, orderId));
  }

  getPayment(tenant: string, paymentId: string): Promise<Fingerprinted<Payment> | undefined> {
    return this.call('getPayment', () => this.store.getPayment(tenant, paymentId));
  }

  listPayments(tenant: string, orderId: string): Promise<Payment[]> {
    return this.call('listPayments', () => this.store.listPayments(tenant, orderId));
  }

  claimOrder(
    tenant: string,
    attempt: PaymentAttempt,
    leaseExpiresAt: number,
  ): Promise<ClaimOutcome> {
    return this.call('claimOrder', () => this.store.claimOrder(tenant, attempt, leaseExpiresAt));
  }

  renewLease(tenant: string, lease: Lease, leaseExpiresAt: number): Promise<LeaseRenewal> {
    return this.call('renewLease', () => this.store.renewLease(tenant, lease, leaseExpiresAt));
  }

  recordPayment(tenant: string, payment: Payment, fingerprint: string): Promise<Payment> {
    return this.call('recordPayment', () => this.store.recordPayment(tenant, payment, fingerprint));
  }

  flagForReconciliation(tenant: string, attempt: PaymentAttempt, flaggedAt: number): Promise<void> {
    return this.call('flagForReconciliation', () =>
      this.store.flagForReconciliation(tenant, attempt, flaggedAt),
    );
  }

  expiredLeases(before: number): AsyncIterable<HeldLease> {
    return this.store.expiredLeases(before);
  }

  flaggedLeases(): AsyncIterable<HeldLease> {
    return this.store.flaggedLeases();
  }

  releaseFlaggedLease(tenant: string, lease: Lease): Promise<void> {
    return this.call('releaseFlaggedLease', () => this.store.releaseFlaggedLease(tenant, lease));
  }
}
