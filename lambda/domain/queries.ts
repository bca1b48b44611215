import { OrderNotFound, PaymentNotFound } from './errors';
import type { Order } from './order';
import type { OrdersStore } from './ports';
import type { Payment } from './payment';

/**
 * The tenant's order. Another tenant's order does not exist for it.
 *
 * @throws OrderNotFound
 */
export async function findOrder(
  store: OrdersStore,
  tenant: string,
  orderId: string,
): Promise<Order> {
  const order = await store.getOrder(tenant, orderId);
  if (!order) throw new OrderNotFound(orderId);
  return order;
}

/**
 * The tenant's payment.
 *
 * @throws PaymentNotFound
 */
export async function findPayment(
  store: OrdersStore,
  tenant: string,
  paymentId: string,
): Promise<Payment> {
  const payment = await store.getPayment(tenant, paymentId);
  if (!payment) throw new PaymentNotFound(paymentId);
  return payment.resource;
}

/**
 * The payments of the tenant's order, oldest first.
 *
 * @throws OrderNotFound
 */
export async function listOrderPayments(
  store: OrdersStore,
  tenant: string,
  orderId: string,
): Promise<Payment[]> {
  await findOrder(store, tenant, orderId);
  return store.listPayments(tenant, orderId);
}
