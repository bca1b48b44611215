import type { Created } from './create-order';
import {
  IdempotencyKeyReused,
  OrderAlreadyPaid,
  OrderNotFound,
  OrderUnderReconciliation,
  PaymentInProgress,
} from './errors';
import { deriveResourceId, ID_NAMESPACES } from './ids';
import type { OrdersStore, PaymentAttempt } from './ports';
import { assertPayable, hasExpired, leaseExpiry, type Payment, type PaymentDraft } from './payment';
import {
  recoverAttempt,
  settleAttempt,
  type Settlement,
  type SettlementDependencies,
} from './recovery';

const { prefix, route } = ID_NAMESPACES.payment;
export const CREATE_PAYMENT_ROUTE = route;

export interface CreatePaymentCommand {
  readonly tenant: string;
  readonly idempotencyKey: string;
  readonly fingerprint: string;
  readonly draft: PaymentDraft;
}

export interface PaymentDependencies extends SettlementDependencies {
  readonly store: OrdersStore;
  /**
   * How far this instance's clock may be from the others' (ms): a lease another instance
   * wrote is taken for expired only this much after its expiry.
   */
  readonly clockSkewMarginMs: number;
}

/**
 * Pays an order at most once.
 *
 * The payment id comes from the idempotency key, so a retry finds the payment its key made.
 * The order is claimed for this attempt in one atomic write that also reserves the payment id
 * for this request and checks the order is payable (a lease, so only one attempt at a time
 * reaches the processor); the processor is charged with the payment id as its idempotency
 * key, and the outcome is recorded atomically with the order's move to PAID. Nothing is read
 * first: a claim that does not go through says what it found instead. An attempt that died
 * holding an expired lease is settled first (`recoverAttempt`), so its charge is never
 * doubled, however long ago it died: under its own processor key while the processor surely
 * remembers it, by lookup after that; this key's own earlier attempt is settled by its retry.
 *
 * @throws OrderNotFound, OrderAlreadyPaid, AmountMismatch: business outcomes
 * @throws PaymentInProgress when another attempt holds the order
 * @throws OrderUnderReconciliation when an attempt of the order waits for an operator
 * @throws IdempotencyKeyReused when the key created a payment from a different request
 */
export async function createPayment(
  dependencies: PaymentDependencies,
  command: CreatePaymentCommand,
): Promise<Created<Payment>> {
  const { store, clock, clockSkewMarginMs } = dependencies;
  const { tenant, draft, fingerprint } = command;
  const id = deriveResourceId(prefix, tenant, route, command.idempotencyKey);
  const attempt: PaymentAttempt = {
    paymentId: id,
    fingerprint,
    draft,
    startedAt: clock().getTime(),
  };

  for (;;) {
    const now = clock();
    const claim = await store.claimOrder(tenant, attempt, leaseExpiry(now));
    switch (claim.kind) {
      case 'claimed':
        return {
          resource: settled(await settleAttempt(dependencies, tenant, attempt), attempt),
          existed: false,
        };
      case 'payment_exists':
        // The processor knows the payment id only as an idempotency key: a request with
        // another body must not be handed the payment this key made.
        if (claim.payment.fingerprint !== fingerprint) throw new IdempotencyKeyReused();
        return { resource: claim.payment.resource, existed: true };
      case 'payment_id_taken':
        // An attempt with this id may have charged (it crashed, and its idempotency record is
        // gone): another body must not reuse the id, or it would get that first charge.
        throw new IdempotencyKeyReused();
      case 'order_not_found':
        throw new OrderNotFound(draft.orderId);
      case 'busy':
        throw new PaymentInProgress(draft.orderId);
      case 'order_refused': {
        assertPayable(claim.order, draft);
        const { lease } = claim;
        // Refused as it was when refused, yet payable and free: the store and this code disagree.
        if (!lease) throw new Error(`Order ${draft.orderId} refused a claim without a reason`);
        // This key's own earlier attempt crashed (its retry runs, so its idempotency lock was
        // released): the retry finishes it at once, but only the very same request may.
        // Another key's attempt may still be running until its lease has surely expired.
        const own = lease.paymentId === id;
        if (own && lease.fingerprint !== fingerprint) throw new IdempotencyKeyReused();
        if (lease.flaggedAt !== undefined) {
          throw new OrderUnderReconciliation(draft.orderId, lease.paymentId, false);
        }
        if (!own && !hasExpired(lease, now, clockSkewMarginMs)) {
          throw new PaymentInProgress(draft.orderId);
        }
        const recovery = await recoverAttempt(dependencies, tenant, lease);
        if (recovery.kind === 'in_progress') throw new PaymentInProgress(draft.orderId);
        // Recorded before: the next claim finds the payment, or the order free.
        if (recovery.kind === 'recorded_before') continue;
        const finished = settled(recovery, lease);
        if (own) return { resource: finished, existed: false };
        if (finished.status === 'SUCCEEDED') throw new OrderAlreadyPaid(draft.orderId);
        continue; // declined: the order is payable again, claim it for this attempt
      }
    }
  }
}

/** The attempt's recorded payment; an attempt the processor cannot account for stops here. */
function settled(settlement: Settlement, attempt: PaymentAttempt): Payment {
  if (settlement.kind === 'flagged') {
    throw new OrderUnderReconciliation(attempt.draft.orderId, attempt.paymentId, true);
  }
  return settlement.payment;
}
