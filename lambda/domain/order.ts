import { isValidAmount } from './money';

export interface OrderItem {
  readonly sku: string;
  readonly quantity: number;
  readonly unitAmount: number;
}

interface OrderFields {
  readonly id: string;
  readonly customerId: string;
  readonly currency: string;
  readonly amount: number;
  readonly items: readonly OrderItem[];
  readonly createdAt: string;
}

/** An order no payment has succeeded for yet. */
export interface PendingOrder extends OrderFields {
  readonly status: 'PENDING';
}

/** An order a payment succeeded for: `paymentId` names it. */
export interface PaidOrder extends OrderFields {
  readonly status: 'PAID';
  readonly paymentId: string;
}

export type Order = PendingOrder | PaidOrder;
export type OrderStatus = Order['status'];

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
export function newOrder(id: string, draft: OrderDraft, now: Date): PendingOrder {
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
