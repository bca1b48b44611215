import { aCreateOrderRequest, aCreatePaymentRequest, aKey, aTenant } from '../support/builders';
import { get, post } from './support/api';
import { anOrder } from './support/fixtures';

describe('reading orders and payments', () => {
  it("returns a payment and lists an order's payments oldest first", async () => {
    const tenant = aTenant();
    const order = await anOrder(tenant);
    const declined = await post(
      '/payments',
      aCreatePaymentRequest(order, {
        paymentMethod: { type: 'card', token: 'tok_chargeDeclined' },
      }),
      { tenant, idempotencyKey: aKey() },
    );
    const paid = await post('/payments', aCreatePaymentRequest(order), {
      tenant,
      idempotencyKey: aKey(),
    });

    const payment = await get(`/payments/${paid.body.id}`, { tenant });
    const list = await get(`/orders/${order.id}/payments`, { tenant });
    const paidOrder = await get(`/orders/${order.id}`, { tenant });

    expect(payment.status).toBe(200);
    expect(payment.rawBody).toBe(paid.rawBody);
    expect(list.body).toEqual({ data: [declined.body.payment, paid.body] });
    expect(paidOrder.body).toMatchObject({ status: 'PAID', paymentId: paid.body.id });
  });

  it.each([
    ['/orders/ord_0123456789abcdef0123456789abcdef', 'order_not_found'],
    ['/orders/not-an-id', 'order_not_found'],
    ['/orders/ord_0123456789abcdef0123456789abcdef/payments', 'order_not_found'],
    ['/payments/pay_0123456789abcdef0123456789abcdef', 'payment_not_found'],
  ])('answers 404 for GET %s that does not exist', async (path, code) => {
    const response = await get(path, { tenant: aTenant() });

    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ status: 404, code });
  });
});

describe('tenant isolation', () => {
  it("answers 404 for another tenant's order, payment and payment list", async () => {
    const owner = aTenant();
    const order = await anOrder(owner);
    const payment = await post('/payments', aCreatePaymentRequest(order), {
      tenant: owner,
      idempotencyKey: aKey(),
    });
    const stranger = aTenant();

    const responses = await Promise.all([
      get(`/orders/${order.id}`, { tenant: stranger }),
      get(`/payments/${payment.body.id}`, { tenant: stranger }),
      get(`/orders/${order.id}/payments`, { tenant: stranger }),
      post('/payments', aCreatePaymentRequest(order), { tenant: stranger, idempotencyKey: aKey() }),
    ]);

    expect(responses.map((r) => r.status)).toEqual([404, 404, 404, 404]);
  });

  it('scopes a key to its tenant: the same key from two tenants creates two orders', async () => {
    const key = aKey();

    const first = await post('/orders', aCreateOrderRequest(), {
      tenant: aTenant(),
      idempotencyKey: key,
    });
    const second = await post('/orders', aCreateOrderRequest({ customerId: 'cus_other' }), {
      tenant: aTenant(),
      idempotencyKey: key,
    });

    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.headers['idempotent-replayed']).toBeUndefined();
    expect(second.body.id).not.toBe(first.body.id);
  });

  it('scopes a key to its route: the same key on /orders and /payments names two requests', async () => {
    const tenant = aTenant();
    const key = aKey();

    const order = await post('/orders', aCreateOrderRequest(), { tenant, idempotencyKey: key });
    const payment = await post('/payments', aCreatePaymentRequest(order.body), {
      tenant,
      idempotencyKey: key,
    });

    expect(order.status).toBe(201);
    expect(payment.status).toBe(201);
    expect(payment.headers['idempotent-replayed']).toBeUndefined();
  });
});
