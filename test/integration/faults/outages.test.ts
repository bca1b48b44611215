/**
 * The idempotency store or the Orders table unavailable: connection reset, throttling, 500s and
 * stalls, from a proxy in front of the real engine. Every request meets 503 service_unavailable
 * with Retry-After, leaves nothing behind that a retry trips over, and the retry with the same
 * key, once the outage is over, does the work exactly once.
 */
import { aCreateOrderRequest, aCreatePaymentRequest, aKey, aTenant } from '../../support/builders';
import { get, post, type ApiResponse } from '../support/api';
import {
  startDynamoDbFaultProxy,
  type DynamoDbFaultProxy,
  type Outage,
} from '../support/dynamodb-fault-proxy';
import { anOrder, paymentsOf } from '../support/fixtures';
import { testApplication, useTestApplication } from '../support/application';
import { idOf } from '../support/invoke';

let proxy: DynamoDbFaultProxy;

beforeAll(async () => {
  proxy = await startDynamoDbFaultProxy(process.env.DYNAMODB_ENDPOINT ?? '');
  // The handlers talk to the engine through the proxy.
  useTestApplication({ env: { DYNAMODB_ENDPOINT: proxy.endpoint } });
});
afterEach(() => proxy.heal());
afterAll(() => proxy.close());

const ordersTable = () => process.env.ORDERS_TABLE_NAME ?? '';
const idempotencyTable = () => process.env.IDEMPOTENCY_TABLE_NAME ?? '';

function expectServiceUnavailable(response: ApiResponse): void {
  expect(response.status).toBe(503);
  expect(response.body).toMatchObject({ status: 503, code: 'service_unavailable' });
  expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
}

const outages: Outage[] = ['reset', 'throttle', 'server-error', 'stall'];

describe.each(outages)('%s', (outage) => {
  it('from the idempotency store: POST /orders answers 503, creates nothing, and the retry creates the order once', async () => {
    const tenant = aTenant();
    const key = aKey();
    proxy.setOutage((call) => (call.tables.includes(idempotencyTable()) ? outage : undefined));

    const during = await post('/orders', aCreateOrderRequest(), { tenant, idempotencyKey: key });
    proxy.heal();
    const orderId = idOf('ord', tenant, key);
    const absent = await get(`/orders/${orderId}`, { tenant });
    const after = await post('/orders', aCreateOrderRequest(), { tenant, idempotencyKey: key });

    expectServiceUnavailable(during);
    expect(absent.status).toBe(404);
    expect(after.status).toBe(201);
    expect(after.body.id).toBe(orderId);
    expect(after.headers['idempotent-replayed']).toBeUndefined();
  });

  it('from the Orders table: POST /orders answers 503, creates nothing, and frees the key for the retry', async () => {
    const tenant = aTenant();
    const key = aKey();
    proxy.setOutage((call) => (call.tables.includes(ordersTable()) ? outage : undefined));

    const during = await post('/orders', aCreateOrderRequest(), { tenant, idempotencyKey: key });
    proxy.heal();
    const after = await post('/orders', aCreateOrderRequest(), { tenant, idempotencyKey: key });

    expectServiceUnavailable(during);
    expect(after.status).toBe(201);
    expect(after.body.id).toBe(idOf('ord', tenant, key));
    expect(after.headers['idempotent-replayed']).toBeUndefined();
  });

  it('from the Orders table after the charge: POST /payments answers 503, and the retry pays the order with the same single charge', async () => {
    const tenant = aTenant();
    const key = aKey();
    const order = await anOrder(tenant);
    const paymentId = idOf('pay', tenant, key);
    proxy.setOutage((call) => (call.operation === 'TransactWriteItems' ? outage : undefined));

    const during = await post('/payments', aCreatePaymentRequest(order), {
      tenant,
      idempotencyKey: key,
    });
    proxy.heal();
    const pendingOrder = await get(`/orders/${order.id}`, { tenant });
    const paymentsDuring = await paymentsOf(tenant, order.id);
    const after = await post('/payments', aCreatePaymentRequest(order), {
      tenant,
      idempotencyKey: key,
    });

    expectServiceUnavailable(during);
    expect(pendingOrder.body.status).toBe('PENDING');
    expect(paymentsDuring).toEqual([]);
    expect(after.status).toBe(201);
    expect(after.body).toMatchObject({ id: paymentId, status: 'SUCCEEDED' });
    expect(testApplication().processor.chargesWithKey(paymentId)).toBe(1);
    expect(await paymentsOf(tenant, order.id)).toHaveLength(1);
    expect((await get(`/orders/${order.id}`, { tenant })).body).toMatchObject({
      status: 'PAID',
      paymentId,
    });
  });
});

describe('a TransactWriteItems whose reply is lost after it committed', () => {
  it('is retried by the SDK with the ClientRequestToken it filled in, and the payment is recorded once', async () => {
    const tenant = aTenant();
    const key = aKey();
    const order = await anOrder(tenant);
    let lost = false;
    proxy.setOutage((call) => {
      if (call.operation !== 'TransactWriteItems' || lost) return undefined;
      lost = true;
      return 'lose-reply';
    });
    const before = proxy.calls.length;

    const response = await post('/payments', aCreatePaymentRequest(order), {
      tenant,
      idempotencyKey: key,
    });

    const transactions = proxy.calls
      .slice(before)
      .filter((call) => call.operation === 'TransactWriteItems');
    expect(response.status).toBe(201);
    // The lost one and the SDK's repeat of it come first, then the rest of the payment's.
    const [first, retry] = transactions.map((call) => call.body.ClientRequestToken);
    expect(transactions[1]?.body.TransactItems).toEqual(transactions[0]?.body.TransactItems);
    expect(typeof first).toBe('string');
    expect(first).not.toBe('');
    expect(retry).toBe(first);
    expect(await paymentsOf(tenant, order.id)).toHaveLength(1);
  });
});
