/** Typed request builders: each test states only what matters to it. */
import { randomUUID } from 'node:crypto';
import type { CreateOrderRequest, CreatePaymentRequest } from '../../client';

// The request types the handlers' schemas accept, as the client SDK exports them.
export type CreateOrderBody = CreateOrderRequest;
export type CreatePaymentBody = CreatePaymentRequest;

/** A fresh Idempotency-Key, so that every test owns its data. */
export const aKey = (label = 'key') => `${label}-${randomUUID()}`;

/** A fresh tenant name. */
export const aTenant = () => `tenant-${randomUUID().slice(0, 8)}`;

export function aCreateOrderRequest(overrides: Partial<CreateOrderBody> = {}): CreateOrderBody {
  return {
    customerId: 'cus_123',
    currency: 'usd',
    items: [{ sku: 'SKU-1', quantity: 2, unitAmount: 1250 }],
    ...overrides,
  };
}

export function aCreatePaymentRequest(
  order: { id: string; amount: number; currency: string },
  overrides: Partial<CreatePaymentBody> = {},
): CreatePaymentBody {
  return {
    orderId: order.id,
    amount: order.amount,
    currency: order.currency,
    paymentMethod: { type: 'card', token: 'tok_visa' },
    ...overrides,
  };
}
