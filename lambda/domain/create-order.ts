import { IdempotencyKeyReused } from './errors';
import { deriveResourceId, ID_NAMESPACES } from './ids';
import { newOrder, type Order, type OrderDraft } from './order';
import type { OrdersStore } from './ports';

const { prefix, route } = ID_NAMESPACES.order;
export const CREATE_ORDER_ROUTE = route;

export interface CreateOrderCommand {
  readonly tenant: string;
  readonly idempotencyKey: string;
  readonly fingerprint: string;
  readonly draft: OrderDraft;
}

export interface Created<T> {
  readonly resource: T;
  /** True when the key had already created this resource: it is returned, in its current state. */
  readonly existed: boolean;
}

/**
 * Creates the order named by the idempotency key, or returns the one the key already created.
 *
 * @throws IdempotencyKeyReused when the key created an order from a different request
 */
export async function createOrder(
  store: OrdersStore,
  command: CreateOrderCommand,
  now: Date,
): Promise<Created<Order>> {
  const id = deriveResourceId(prefix, command.tenant, route, command.idempotencyKey);
  const order = newOrder(id, command.draft, now);
  const outcome = await store.insertOrder(command.tenant, order, command.fingerprint);
  if (outcome.inserted) return { resource: order, existed: false };
  if (outcome.existing.fingerprint !== command.fingerprint) throw new IdempotencyKeyReused();
  return { resource: outcome.existing.resource, existed: true };
}
