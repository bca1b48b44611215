/**
 * Every call of the client against the real local server: typed results, and typed errors
 * for the stored outcomes it must not retry, each with its key, replay flag and attempts.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ApiError,
  createPaymentsClient,
  PaymentDeclinedError,
  type ClientEvent,
  type PaymentsClient,
} from '../../../client';
import { aCreateOrderRequest, aCreatePaymentRequest, aKey, aTenant } from '../../support/builders';
import { startLocalApi, type LocalApi } from './local-api';

let api: LocalApi;
beforeAll(async () => {
  api = await startLocalApi();
});
afterAll(() => api.close());

function aClient(tenant = aTenant()): { client: PaymentsClient; events: ClientEvent[] } {
  const events: ClientEvent[] = [];
  const client = createPaymentsClient({
    baseUrl: api.url,
    auth: { type: 'none', tenant },
    onEvent: (event) => events.push(event),
  });
  return { client, events };
}

/** The error a call rejects with. */
async function failureOf(call: Promise<unknown>): Promise<ApiError> {
  const outcome = await call.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(ApiError);
  return outcome as ApiError;
}

describe('client against the local server', () => {
  it('creates an order, pays it and reads both back', async () => {
    const { client } = aClient();

    const order = await client.createOrder(aCreateOrderRequest({ currency: 'eur' }));
    const payment = await client.createPayment(aCreatePaymentRequest(order));

    expect(order).toMatchObject({ status: 'PENDING', currency: 'EUR', amount: 2500 });
    expect(payment).toMatchObject({ orderId: order.id, status: 'SUCCEEDED', amount: 2500 });
    expect(await client.getPayment(payment.id)).toEqual(payment);
    expect(await client.getOrder(order.id)).toEqual({
      ...order,
      status: 'PAID',
      paymentId: payment.id,
    });
    expect(await client.listPayments(order.id)).toEqual({ data: [payment] });
  });

  it('returns the same order for the same key, replayed, and another for a new call', async () => {
    const { client, events } = aClient();
    const key = aKey();

    const first = await client.createOrder(aCreateOrderRequest(), { idempotencyKey: key });
    const again = await client.createOrder(aCreateOrderRequest(), { idempotencyKey: key });
    const other = await client.createOrder(aCreateOrderRequest());

    expect(again).toEqual(first);
    expect(other.id).not.toBe(first.id);
    expect(
      events.filter((e) => e.type === 'response').map((e) => e.type === 'response' && e.replayed),
    ).toEqual([false, true, false]);
  });

  it('throws PaymentDeclinedError with the recorded payment, once, and replays it for the key', async () => {
    const { client, events } = aClient();
    const order = await client.createOrder(aCreateOrderRequest());
    const declinedCard = aCreatePaymentRequest(order, {
      paymentMethod: { type: 'card', token: 'tok_insufficientFunds' },
    });
    const key = aKey();

    const declined = await failureOf(client.createPayment(declinedCard, { idempotencyKey: key }));
    const replay = await failureOf(client.createPayment(declinedCard, { idempotencyKey: key }));

    expect(declined).toBeInstanceOf(PaymentDeclinedError);
    expect(declined).toMatchObject({
      status: 402,
      code: 'insufficient_funds',
      idempotencyKey: key,
      replayed: false,
      attempts: 1,
      payment: { orderId: order.id, status: 'DECLINED', declineCode: 'insufficient_funds' },
    });
    expect(replay).toMatchObject({ code: 'insufficient_funds', replayed: true, attempts: 1 });
    expect((replay as PaymentDeclinedError).payment).toEqual(
      (declined as PaymentDeclinedError).payment,
    );
    expect(events.filter((e) => e.type === 'retry')).toEqual([]);
    expect(await client.getOrder(order.id)).toMatchObject({ status: 'PENDING' });
  });

  it.each([
    ['an unknown order', 404, 'order_not_found'],
    ['a wrong amount', 422, 'amount_mismatch'],
    ['a paid order', 409, 'order_already_paid'],
  ])('does not retry a payment of %s (%i %s)', async (_case, status, code) => {
    const { client, events } = aClient();
    const order = await client.createOrder(aCreateOrderRequest());
    if (code === 'order_already_paid') await client.createPayment(aCreatePaymentRequest(order));
    const request = aCreatePaymentRequest(
      code === 'order_not_found' ? { ...order, id: 'ord_ffffffffffffffffffffffffffffffff' } : order,
      code === 'amount_mismatch' ? { amount: order.amount + 1 } : {},
    );

    const error = await failureOf(client.createPayment(request));

    expect(error).toMatchObject({ status, code, attempts: 1, replayed: false });
    expect(error.problem).toMatchObject({ status, code, type: `urn:payments-api:problem:${code}` });
    expect(error.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    expect(events.filter((e) => e.type === 'retry')).toEqual([]);
  });

  it('does not retry 422 idempotency_key_reused', async () => {
    const { client } = aClient();
    const key = aKey();
    await client.createOrder(aCreateOrderRequest(), { idempotencyKey: key });

    const error = await failureOf(
      client.createOrder(aCreateOrderRequest({ customerId: 'cus_other' }), { idempotencyKey: key }),
    );

    expect(error).toMatchObject({ status: 422, code: 'idempotency_key_reused', attempts: 1 });
  });

  it('does not follow a redirect: a POST is never re-sent elsewhere', async () => {
    // Something in front of the API (a misconfigured proxy) points the client at the real API.
    const redirecting = createServer((_request, response) => {
      response.writeHead(307, { location: `${api.url}/orders` }).end();
    });
    redirecting.listen(0, '127.0.0.1');
    await once(redirecting, 'listening');
    const { port } = redirecting.address() as AddressInfo;
    const client = createPaymentsClient({ baseUrl: `http://127.0.0.1:${port}` });
    const key = aKey();

    try {
      const error = await failureOf(
        client.createOrder(aCreateOrderRequest(), { idempotencyKey: key }),
      );

      expect(error).toMatchObject({ status: 307, code: 'http_307', attempts: 1 });
      // The API never saw the key (an unsigned request without a tenant header is the `local`
      // tenant's): the same request straight to it creates the order afresh.
      const { client: direct, events } = aClient('local');
      await direct.createOrder(aCreateOrderRequest(), { idempotencyKey: key });
      expect(events).toContainEqual(
        expect.objectContaining({ type: 'response', status: 201, replayed: false }),
      );
    } finally {
      redirecting.close();
      await once(redirecting, 'close');
    }
  });

  it("sees another tenant's order as not found", async () => {
    const owner = aClient().client;
    const stranger = aClient().client;
    const order = await owner.createOrder(aCreateOrderRequest());

    const error = await failureOf(stranger.getOrder(order.id));

    expect(error).toMatchObject({
      status: 404,
      code: 'order_not_found',
      idempotencyKey: undefined,
    });
  });
});
