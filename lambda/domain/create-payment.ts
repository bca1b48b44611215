import type { Created } from './create-order';
import { IdempotencyKeyReused, OrderAlreadyPaid, OrderNotFound, PaymentInProgress } from './errors';
import { deriveResourceId } from './ids';
import type { OrdersStore } from './ports';
import {
  assertPayable,
  leaseExpiry,
  paymentFromCharge,
  type Payment,
  type PaymentDraft,
} from './payment';
import type { PaymentProcessor } from './payment-processor';

export const CREATE_PAYMENT_ROUTE = 'POST /payments';

export interface CreatePaymentCommand {
  readonly tenant: string;
  readonly idempotencyKey: string;
  readonly fingerprint: string;
  readonly draft: PaymentDraft;
}

export interface PaymentDependencies {
  readonly store: OrdersStore;
  readonly processor: PaymentProcessor;
  readonly clock: () => Date;
}

/**
 * Pays an order at most once.
 *
 * The payment id comes from the idempotency key, so a retry finds the payment its key made.
 * Otherwise the order is claimed for this attempt (a lease, so only one attempt at a time
 * reaches the processor), the processor is charged with the payment id as its idempotency
 * key, and the outcome is recorded atomically with the order's move to PAID.
 *
 * @throws OrderNotFound, OrderAlreadyPaid, AmountMismatch: business outcomes
 * @throws PaymentInProgress when another attempt holds the order
 * @throws IdempotencyKeyReused when the key created a payment from a different request
 */
export async function createPayment(
  { store, processor, clock }: PaymentDependencies,
  command: CreatePaymentCommand,
): Promise<Created<Payment>> {
  const { tenant, draft } = command;
  const id = deriveResourceId('pay', tenant, CREATE_PAYMENT_ROUTE, command.idempotencyKey);

  const existing = await store.getPayment(tenant, id);
  if (existing) {
    if (existing.fingerprint !== command.fingerprint) throw new IdempotencyKeyReused();
    return { resource: existing.resource, existed: true };
  }

  const order = await store.getOrder(tenant, draft.orderId);
  if (!order) throw new OrderNotFound(draft.orderId);
  assertPayable(order, draft);

  const startedAt = clock();
  const refusal = await store.claimOrder(
    tenant,
    order.id,
    id,
    leaseExpiry(startedAt),
    startedAt.getTime(),
  );
  switch (refusal) {
    case 'not_found':
      throw new OrderNotFound(order.id);
    case 'paid':
      throw new OrderAlreadyPaid(order.id);
    case 'claimed_by_another_attempt':
      throw new PaymentInProgress(order.id);
    case undefined:
      break;
  }

  // If the charge fails or this process dies from here on, the lease stays with this payment
  // id until it expires: the charge may still have gone through, so no other attempt may
  // charge the order meanwhile. A retry with the same key reclaims the lease and repeats the
  // charge under the same processor idempotency key.
  const charge = await processor.charge({
    idempotencyKey: id,
    amount: draft.amount,
    currency: draft.currency,
    paymentMethod: draft.paymentMethod,
  });
  const payment = paymentFromCharge(id, draft, charge, clock());
  return {
    resource: await store.recordPayment(tenant, payment, command.fingerprint),
    existed: false,
  };
}
