import type { Created } from './create-order';
import { IdempotencyKeyReused, OrderAlreadyPaid, OrderNotFound, PaymentInProgress } from './errors';
import { deriveResourceId, ID_NAMESPACES } from './ids';
import type { Clock, OrdersStore, PaymentAttempt } from './ports';
import {
  assertPayable,
  leaseExpiry,
  paymentFromCharge,
  type Payment,
  type PaymentDraft,
} from './payment';
import type { PaymentProcessor } from './payment-processor';

const { prefix, route } = ID_NAMESPACES.payment;
export const CREATE_PAYMENT_ROUTE = route;

export interface CreatePaymentCommand {
  readonly tenant: string;
  readonly idempotencyKey: string;
  readonly fingerprint: string;
  readonly draft: PaymentDraft;
}

export interface PaymentDependencies {
  readonly store: OrdersStore;
  readonly processor: PaymentProcessor;
  readonly clock: Clock;
}

/**
 * Pays an order at most once.
 *
 * The payment id comes from the idempotency key, so a retry finds the payment its key made.
 * Otherwise the order is claimed for this attempt (a lease, so only one attempt at a time
 * reaches the processor), the processor is charged with the payment id as its idempotency
 * key, and the outcome is recorded atomically with the order's move to PAID. An attempt that
 * died holding an expired lease is finished first, so its charge is never doubled.
 *
 * @throws OrderNotFound, OrderAlreadyPaid, AmountMismatch: business outcomes
 * @throws PaymentInProgress when another attempt holds the order
 * @throws IdempotencyKeyReused when the key created a payment from a different request
 */
export async function createPayment(
  dependencies: PaymentDependencies,
  command: CreatePaymentCommand,
): Promise<Created<Payment>> {
  const { store } = dependencies;
  const { tenant, draft } = command;
  const id = deriveResourceId(prefix, tenant, route, command.idempotencyKey);

  // Both reads at once: the order is needed unless the key already paid, which is rare.
  const [existing, order] = await Promise.all([
    store.getPayment(tenant, id),
    store.getOrder(tenant, draft.orderId),
  ]);
  if (existing) {
    if (existing.fingerprint !== command.fingerprint) throw new IdempotencyKeyReused();
    return { resource: existing.resource, existed: true };
  }
  // The processor knows the payment id only as an idempotency key, and answers a repeated key
  // with its first charge. Once an attempt with this id may have charged (it crashed, or failed
  // after the charge, and its idempotency record is gone), a request with another body must not
  // reuse the id: it would be handed that first charge, for another order or amount.
  if (!(await store.reservePaymentId(tenant, id, command.fingerprint))) {
    throw new IdempotencyKeyReused();
  }
  if (!order) throw new OrderNotFound(draft.orderId);
  assertPayable(order, draft);

  const attempt: PaymentAttempt = { paymentId: id, fingerprint: command.fingerprint, draft };
  for (;;) {
    const now = dependencies.clock();
    const claim = await store.claimOrder(tenant, attempt, leaseExpiry(now), now.getTime());
    switch (claim.kind) {
      case 'claimed':
        return { resource: await completeAttempt(dependencies, tenant, attempt), existed: false };
      case 'abandoned': {
        // Its process died after claiming the order, perhaps after the processor charged.
        // Finishing it under its own processor key settles that charge instead of adding one.
        const settled = await completeAttempt(dependencies, tenant, claim.attempt);
        if (settled.status === 'SUCCEEDED') throw new OrderAlreadyPaid(order.id);
        break; // declined: the order is payable again, claim it for this attempt
      }
      case 'not_found':
        throw new OrderNotFound(order.id);
      case 'paid':
        throw new OrderAlreadyPaid(order.id);
      case 'claimed_by_another_attempt':
        throw new PaymentInProgress(order.id);
      case 'held_for_another_request':
        throw new IdempotencyKeyReused();
    }
  }
}

/**
 * Charges the attempt with its payment id as the processor's idempotency key and records the
 * outcome. If this process dies in between, the lease stays with the attempt until it expires:
 * a retry with the same key finishes it, as does the next attempt to find the lease expired.
 */
async function completeAttempt(
  { store, processor, clock }: PaymentDependencies,
  tenant: string,
  { paymentId, fingerprint, draft }: PaymentAttempt,
): Promise<Payment> {
  const charge = await processor.charge({
    idempotencyKey: paymentId,
    amount: draft.amount,
    currency: draft.currency,
    paymentMethod: draft.paymentMethod,
  });
  return store.recordPayment(
    tenant,
    paymentFromCharge(paymentId, draft, charge, clock()),
    fingerprint,
  );
}
