/** The requests the bench sends: all under one tenant of its own, each POST with a fresh key. */
import { randomUUID } from 'node:crypto';
import type { BenchRequest } from './load';

export const tenant = `bench-${randomUUID().slice(0, 8)}`;

const jsonHeaders = (key: string) => ({
  'content-type': 'application/json',
  'idempotency-key': key,
  'x-tenant-id': tenant,
});

/** A POST, with the key it carries. */
export interface KeyedRequest extends BenchRequest {
  readonly key: string;
}

export interface CreatedOrder {
  readonly id: string;
  readonly amount: number;
  readonly currency: string;
}

/** An order the bench created, and the request that created it (to replay it). */
export interface BenchOrder extends CreatedOrder {
  readonly request: KeyedRequest;
}

/** A payment that succeeded, and the request that made it. */
export interface BenchPayment {
  readonly id: string;
  readonly orderId: string;
  readonly request: KeyedRequest;
}

export const anOrderRequest = (key = `order-${randomUUID()}`): KeyedRequest => ({
  key,
  method: 'POST',
  path: '/orders',
  headers: jsonHeaders(key),
  body: JSON.stringify({
    customerId: 'cus_bench',
    currency: 'usd',
    items: [{ sku: 'SKU-1', quantity: 2, unitAmount: 1250 }],
  }),
});

export const aPaymentRequest = (
  order: CreatedOrder,
  key = `payment-${randomUUID()}`,
): KeyedRequest => ({
  key,
  method: 'POST',
  path: '/payments',
  headers: jsonHeaders(key),
  body: JSON.stringify({
    orderId: order.id,
    amount: order.amount,
    currency: order.currency,
    paymentMethod: { type: 'card', token: 'tok_visa' },
  }),
});

/** A GET of `path`, with the path parameters its route names. */
export function aGet(
  path: string,
  pathParameters: Record<string, string> = {},
): BenchRequest & { pathParameters: Record<string, string> } {
  return { method: 'GET', path, headers: { 'x-tenant-id': tenant }, pathParameters };
}

/** Round robin over a fixed set of requests. */
export function cycle<T>(items: readonly T[]): () => T | undefined {
  let index = 0;
  return () => items[index++ % items.length];
}

/** Sends one request outside any load run: to set up data, or to probe call counts. */
export async function send(
  url: string,
  request: BenchRequest,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url + request.path, {
    method: request.method,
    headers: request.headers,
    ...(request.body !== undefined && { body: request.body }),
  });
  return { status: response.status, body: await response.json() };
}
