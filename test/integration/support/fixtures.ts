import { aCreateOrderRequest, aKey, type CreateOrderBody } from '../../support/builders';
import { get, post, type ApiResponse } from './api';

export interface OrderView {
  id: string;
  amount: number;
  currency: string;
  status: string;
  paymentId?: string;
}

/** Creates an order through the API and returns it. */
export async function anOrder(
  tenant: string,
  overrides: Partial<CreateOrderBody> = {},
): Promise<OrderView> {
  const response = await post('/orders', aCreateOrderRequest(overrides), {
    tenant,
    idempotencyKey: aKey('order'),
  });
  expect(response.status).toBe(201);
  return response.body as OrderView;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- payment JSON as the API returns it
export async function paymentsOf(tenant: string, orderId: string): Promise<any[]> {
  const response = await get(`/orders/${orderId}/payments`, { tenant });
  expect(response.status).toBe(200);
  return response.body.data;
}

/** Headers of a response without the replay marker, to compare an original with its replay. */
export function withoutReplayMarker(
  headers: Readonly<Record<string, string>>,
): Record<string, string> {
  const { ['idempotent-replayed']: _marker, ...rest } = headers;
  return rest;
}

/** Asserts that `replay` is `original` again, byte for byte, marked `Idempotent-Replayed: true`. */
export function expectReplayOf(replay: ApiResponse, original: ApiResponse): void {
  expect(replay.status).toBe(original.status);
  expect(replay.headers['idempotent-replayed']).toBe('true');
  expect(replay.rawBody).toBe(original.rawBody);
  expect(withoutReplayMarker(replay.headers)).toEqual(withoutReplayMarker(original.headers));
}

/** Sends the same POST twice, one after the other, with one Idempotency-Key. */
export async function postTwice(
  path: string,
  body: unknown,
  options: { tenant: string; idempotencyKey: string },
): Promise<[ApiResponse, ApiResponse]> {
  const first = await post(path, body, options);
  return [first, await post(path, body, options)];
}
