/**
 * Real responses of every documented kind, validated against openapi/openapi.json. Runs as
 * proxy events (integration) and again over real HTTP through the local server
 * (integration-http).
 */
import { aCreateOrderRequest, aCreatePaymentRequest, aKey, aTenant } from '../support/builders';
import { get, post } from './support/api';
import { contractViolations, expectToConform } from './support/contract';
import { anOrder, postTwice } from './support/fixtures';
import { whileChargeIsHeld } from './support/processor';

describe('responses conform to the OpenAPI document', () => {
  it('POST /orders: 201 and its replay', async () => {
    const tenant = aTenant();

    const [created, replay] = await postTwice('/orders', aCreateOrderRequest(), {
      tenant,
      idempotencyKey: aKey(),
    });

    expectToConform('POST', '/orders', created);
    expectToConform('POST', '/orders', replay);
  });

  it.each([
    ['no key', {}, aCreateOrderRequest()],
    ['a malformed key', { idempotencyKey: ' ' }, aCreateOrderRequest()],
    ['invalid JSON', { idempotencyKey: aKey() }, '{"customerId":'],
    ['an invalid body', { idempotencyKey: aKey() }, aCreateOrderRequest({ items: [] })],
    ['an unknown field', { idempotencyKey: aKey() }, { ...aCreateOrderRequest(), extra: 1 }],
  ])('POST /orders: 400 for %s', async (_case, options, body) => {
    const response = await post('/orders', body, { tenant: aTenant(), ...options });

    expect(response.status).toBe(400);
    expectToConform('POST', '/orders', response);
  });

  it('POST /orders: 413 and 415', async () => {
    const tenant = aTenant();
    const tooLarge = await post('/orders', 'x'.repeat(17 * 1024), {
      tenant,
      idempotencyKey: aKey(),
    });
    const wrongType = await post('/orders', aCreateOrderRequest(), {
      tenant,
      idempotencyKey: aKey(),
      headers: { 'content-type': 'text/plain' },
    });

    expect([tooLarge.status, wrongType.status]).toEqual([413, 415]);
    expectToConform('POST', '/orders', tooLarge);
    expectToConform('POST', '/orders', wrongType);
  });

  it('POST /orders: 422 idempotency_key_reused', async () => {
    const tenant = aTenant();
    const key = aKey();
    await post('/orders', aCreateOrderRequest(), { tenant, idempotencyKey: key });

    const reused = await post('/orders', aCreateOrderRequest({ customerId: 'cus_other' }), {
      tenant,
      idempotencyKey: key,
    });

    expect(reused.status).toBe(422);
    expectToConform('POST', '/orders', reused);
  });

  it('POST /payments: 201 and its replay, then 409 order_already_paid', async () => {
    const tenant = aTenant();
    const order = await anOrder(tenant);

    const [paid, replay] = await postTwice('/payments', aCreatePaymentRequest(order), {
      tenant,
      idempotencyKey: aKey(),
    });
    const again = await post('/payments', aCreatePaymentRequest(order), {
      tenant,
      idempotencyKey: aKey(),
    });

    expect([paid.status, replay.status, again.status]).toEqual([201, 201, 409]);
    for (const response of [paid, replay, again]) expectToConform('POST', '/payments', response);
  });

  it.each(['tok_chargeDeclined', 'tok_insufficientFunds'])(
    'POST /payments: 402 with the declined payment (%s), and its replay',
    async (token) => {
      const tenant = aTenant();
      const order = await anOrder(tenant);

      const [declined, replay] = await postTwice(
        '/payments',
        aCreatePaymentRequest(order, { paymentMethod: { type: 'card', token } }),
        { tenant, idempotencyKey: aKey() },
      );

      expect([declined.status, replay.status]).toEqual([402, 402]);
      expectToConform('POST', '/payments', declined);
      expectToConform('POST', '/payments', replay);
    },
  );

  it('POST /payments: 404 order_not_found and 422 amount_mismatch, and their replays', async () => {
    const tenant = aTenant();
    const order = await anOrder(tenant);

    const unknown = await postTwice(
      '/payments',
      aCreatePaymentRequest({ ...order, id: 'ord_ffffffffffffffffffffffffffffffff' }),
      { tenant, idempotencyKey: aKey() },
    );
    const mismatch = await postTwice('/payments', aCreatePaymentRequest(order, { amount: 1 }), {
      tenant,
      idempotencyKey: aKey(),
    });

    const responses = [...unknown, ...mismatch];
    expect(responses.map((r) => [r.status, r.headers['idempotent-replayed']])).toEqual([
      [404, undefined],
      [404, 'true'],
      [422, undefined],
      [422, 'true'],
    ]);
    for (const response of responses) expectToConform('POST', '/payments', response);
  });

  it('POST /payments: 409 idempotency_key_in_use and payment_in_progress with Retry-After', async () => {
    const tenant = aTenant();
    const order = await anOrder(tenant);
    const key = aKey();
    const pay = (idempotencyKey: string) =>
      post('/payments', aCreatePaymentRequest(order), { tenant, idempotencyKey });

    const inUse = await whileChargeIsHeld(
      () => pay(key),
      () => pay(key),
    );
    const otherOrder = await anOrder(tenant);
    const inProgress = await whileChargeIsHeld(
      () =>
        post('/payments', aCreatePaymentRequest(otherOrder), { tenant, idempotencyKey: aKey() }),
      () =>
        post('/payments', aCreatePaymentRequest(otherOrder), { tenant, idempotencyKey: aKey() }),
    );

    expect(inUse.meanwhile.body.code).toBe('idempotency_key_in_use');
    expect(inProgress.meanwhile.body.code).toBe('payment_in_progress');
    for (const response of [inUse.first, inUse.meanwhile, inProgress.meanwhile]) {
      expectToConform('POST', '/payments', response);
    }
  });

  it('GET routes: 200 for an order, its payment and its payments; 404 for unknown ids', async () => {
    const tenant = aTenant();
    const order = await anOrder(tenant);
    const payment = await post('/payments', aCreatePaymentRequest(order), {
      tenant,
      idempotencyKey: aKey(),
    });

    expectToConform('GET', '/orders/{orderId}', await get(`/orders/${order.id}`, { tenant }));
    expectToConform(
      'GET',
      '/payments/{paymentId}',
      await get(`/payments/${payment.body.id}`, { tenant }),
    );
    expectToConform(
      'GET',
      '/orders/{orderId}/payments',
      await get(`/orders/${order.id}/payments`, { tenant }),
    );
    const unknownOrder = await get('/orders/ord_ffffffffffffffffffffffffffffffff', { tenant });
    const unknownPayment = await get('/payments/pay_ffffffffffffffffffffffffffffffff', { tenant });
    const unknownList = await get('/orders/ord_ffffffffffffffffffffffffffffffff/payments', {
      tenant,
    });
    expect([unknownOrder.status, unknownPayment.status, unknownList.status]).toEqual([
      404, 404, 404,
    ]);
    expectToConform('GET', '/orders/{orderId}', unknownOrder);
    expectToConform('GET', '/payments/{paymentId}', unknownPayment);
    expectToConform('GET', '/orders/{orderId}/payments', unknownList);
  });

  it('notices a response the document does not describe', async () => {
    const tenant = aTenant();
    const order = await anOrder(tenant);
    const response = await get(`/orders/${order.id}`, { tenant });

    expect(
      contractViolations('GET', '/orders/{orderId}', {
        ...response,
        body: { ...response.body, internalField: 1 },
      }),
    ).toEqual(
      expect.arrayContaining([expect.stringContaining('must NOT have additional properties')]),
    );
    // An order is PAID with the payment that paid it, and PENDING without one.
    const paidWithoutPayment = { ...response, body: { ...response.body, status: 'PAID' } };
    const pendingWithPayment = {
      ...response,
      body: { ...response.body, paymentId: `pay_${'0'.repeat(32)}` },
    };
    expect(contractViolations('GET', '/orders/{orderId}', paidWithoutPayment)).toEqual(
      expect.arrayContaining([expect.stringContaining("must have required property 'paymentId'")]),
    );
    expect(contractViolations('GET', '/orders/{orderId}', pendingWithPayment)).toEqual(
      expect.arrayContaining([expect.stringContaining('must NOT have additional properties')]),
    );
    expect(contractViolations('GET', '/orders/{orderId}', { ...response, status: 201 })).toEqual([
      'GET /orders/{orderId} does not document status 201',
    ]);
    expect(
      contractViolations('GET', '/orders/{orderId}', {
        ...response,
        headers: { ...response.headers, 'idempotent-replayed': 'true' },
      }),
    ).toEqual(['header idempotent-replayed is sent but not documented for 200']);
  });
});
