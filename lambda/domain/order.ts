import { isValidAmount } from './money';

export type OrderStatus = 'PENDING' | 'PAID';

export interface OrderItem {
  readonly sku: string;
  readonly quantity: number;
  readonly unitAmount: number;
}

export interface Order {
  readonly id: string;
  readonly status: OrderStatus;
  readonly customerId: string;
  readonly currency: string;
  readonly amount: number;
  readonly items: readonly OrderItem[];
  readonly createdAt: string;
  /** Present once the order is PAID: the payment that paid it. */
  readonly paymentId?: string;
}

/** A validated CreateOrder request (currency already upper-case). */
export interface OrderDraft {
  readonly customerId: string;
  readonly currency: string;
  readonly items: readonly OrderItem[];
}

/** The order total: the sum of quantity × unit amount over its items. */
export function orderAmount(items: readonly OrderItem[]): number {
  return items.reduce((sum, item) => sum + item.quantity * item.unitAmount, 0);
}

/** True when the order's total stays within the money range the API accepts. */
export function hasValidTotal(items: readonly OrderItem[]): boolean {
  return isValidAmount(orderAmount(items));
}

/** A new PENDING order with a server-computed amount. */
export function newOrder(id: string, draft: OrderDraft, now: Date): Order {
  return {
    id,
    status: 'PENDING',
    customerId: draft.customerId,
    currency: draft.currency,
    amount: orderAmount(draft.items),
    items: draft.items.map(({ sku, quantity, unitAmount }) => ({ sku, quantity, unitAmount })),
    createdAt: now.toISOString(),
  };
}
