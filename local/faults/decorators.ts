/**
 * The fault points of a POST, as decorators around the functions' ports: each delegates to the
 * real implementation and strikes its step at the point the step names.
 */
import type { IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';
import type {
  ChargeLookup,
  ChargeRequest,
  ChargeResult,
  PaymentMethod,
  PaymentProcessor,
} from '../../lambda/domain/payment-processor';
import type { Order } from '../../lambda/domain/order';
import type { Payment } from '../../lambda/domain/payment';
import type {
  ClaimOutcome,
  Fingerprinted,
  HeldLease,
  InsertOutcome,
  Lease,
  LeaseRenewal,
  OrdersStore,
  PaymentAttempt,
} from '../../lambda/domain/ports';
import type {
  GuardedOperation,
  IdempotencyLayer,
  IdempotentOperation,
} from '../../lambda/idempotency/idempotent-route';
import { ResponsePersistenceLayer } from '../../lambda/idempotency/persistence';
import type { FaultInjector } from './fault-injector';

/** `after-charge`: the processor charged, nothing written yet. */
export class FaultInjectingProcessor implements PaymentProcessor {
  constructor(
    private readonly processor: PaymentProcessor,
    private readonly faults: FaultInjector,
  ) {}

  acceptsPaymentMethod(method: PaymentMethod): boolean {
    return this.processor.acceptsPaymentMethod(method);
  }

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    const result = await this.processor.charge(request);
    await this.faults.strike('after-charge');
    return result;
  }

  lookUpCharge(paymentId: string): Promise<ChargeLookup> {
    return this.processor.lookUpCharge(paymentId);
  }
}

/** `after-business-write`: the order inserted, or the payment recorded. */
export class FaultInjectingOrdersStore implements OrdersStore {
  constructor(
    private readonly store: OrdersStore,
    private readonly faults: FaultInjector,
  ) {}

  async insertOrder(
    tenant: string,
    order: Order,
    fingerprint: string,
  ): Promise<InsertOutcome<Order>> {
    const outcome = await this.store.insertOrder(tenant, order, fingerprint);
    await this.faults.strike('after-business-write');
    return outcome;
  }

  async recordPayment(tenant: string, payment: Payment, fingerprint: string): Promise<Payment> {
    const recorded = await this.store.recordPayment(tenant, payment, fingerprint);
    await this.faults.strike('after-business-write');
    return recorded;
  }

  getOrder(tenant: string, orderId: string): Promise<Order | undefined> {
    return this.store.getOrder(tenant, orderId);
  }

  getPayment(tenant: string, paymentId: string): Promise<Fingerprinted<Payment> | undefined> {
    return this.store.getPayment(tenant, paymentId);
  }

  listPayments(tenant: string, orderId: string): Promise<Payment[]> {
    return this.store.listPayments(tenant, orderId);
  }

  claimOrder(
    tenant: string,
    attempt: PaymentAttempt,
    leaseExpiresAt: number,
  ): Promise<ClaimOutcome> {
    return this.store.claimOrder(tenant, attempt, leaseExpiresAt);
  }

  renewLease(tenant: string, lease: Lease, leaseExpiresAt: number): Promise<LeaseRenewal> {
    return this.store.renewLease(tenant, lease, leaseExpiresAt);
  }

  /** Reports each flag it writes (with random faults on), for the checker to judge. */
  async flagForReconciliation(
    tenant: string,
    attempt: PaymentAttempt,
    flaggedAt: number,
  ): Promise<void> {
    await this.store.flagForReconciliation(tenant, attempt, flaggedAt);
    this.faults.reportFlag(attempt.draft.orderId, attempt.paymentId, flaggedAt);
  }

  expiredLeases(before: number): AsyncIterable<HeldLease> {
    return this.store.expiredLeases(before);
  }

  flaggedLeases(): AsyncIterable<HeldLease> {
    return this.store.flaggedLeases();
  }

  releaseFlaggedLease(tenant: string, lease: Lease): Promise<void> {
    return this.store.releaseFlaggedLease(tenant, lease);
  }
}

/**
 * `before-lock`, `after-lock` and `before-save-result`, around the idempotency layer; the
 * request runs in the scope of its Idempotency-Key, which targeted faults match.
 */
export class FaultInjectingIdempotency implements IdempotencyLayer {
  constructor(
    private readonly layer: IdempotencyLayer,
    private readonly faults: FaultInjector,
  ) {}

  guard<Input>(keyPrefix: string, operation: IdempotentOperation<Input>): GuardedOperation<Input> {
    const { faults } = this;
    const guarded = this.layer.guard<Input>(keyPrefix, async (request) => {
      await faults.strike('after-lock');
      const response = await operation(request);
      await faults.strike('before-save-result');
      return response;
    });
    return (call, context) =>
      faults.inScope(call.request.idempotencyKey, async () => {
        await faults.strike('before-lock');
        return guarded(call, context);
      });
  }
}

/**
 * `save-result`: the write of the result to the idempotency store fails, inside the layer's
 * own handling of that failure (which frees the key).
 */
export class FaultInjectingPersistenceLayer extends ResponsePersistenceLayer {
  constructor(
    options: ConstructorParameters<typeof ResponsePersistenceLayer>[0],
    private readonly faults: FaultInjector,
  ) {
    super(options);
  }

  protected override async saveOwnRecord(
    record: IdempotencyRecord,
    lockToken: string,
  ): Promise<void> {
    await this.faults.strike('save-result');
    return super.saveOwnRecord(record, lockToken);
  }
}
