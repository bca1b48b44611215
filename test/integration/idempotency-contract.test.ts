/**
 * Every row of the idempotency table in docs/api.md, driven through the real handlers on the
 * embedded engine.
 */
import { aCreateOrderRequest, aCreatePaymentRequest, aKey, aTenant } from '../support/builders';
import { call, get, post } from './support/api';
import { testApplication } from './support/application';
import { anOrder, paymentsOf, expectReplayOf, postTwice } from './support/fixtures';
import { recordCharges, whileChargeIsHeld } from './support/processor';

describe('no Idempotency-Key on a POST', () => {
  it.each(['/orders', '/payments'])('answers 400 idempotency_key_missing on %s', async (path) => {
    const response = await post(path, aCreateOrderRequest(), { tenant: aTenant() });

    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.body).toMatchObject({ status: 400, code: 'idempotency_key_missing' });
  });
});

describe('malformed Idempotency-Key', () => {
  it.each([
    ['empty', ''],
    ['longer than 255 characters', 'k'.repeat(256)],
    ['containing a space', 'two words'],
    ['containing a control character', 'tab\there'],
    ['containing non-ASCII', 'clé'],
    ['an empty quoted string', '""'],
  ])('answers 400 idempotency_key_invalid when %s', async (_case, key) => {
    const response = await post('/orders', aCreateOrderRequest(), {
      tenant: aTenant(),
      idempotencyKey: key,
    });

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'idempotency_key_invalid' });
  });

  it('answers 400 idempotency_key_invalid when the header is sent twice', async () => {
    const response = await post('/orders', aCreateOrderRequest(), {
      tenant: aTenant(),
      headers: { 'Idempotency-Key': [aKey(), aKey()] },
    });

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'idempotency_key_invalid' });
  });

  it('accepts 255 visible characters and treats the quoted form as the same key', async () => {
    const tenant = aTenant();
    const key = aKey().padEnd(255, '~');

    const bare = await post('/orders', aCreateOrderRequest(), { tenant, idempotencyKey: key });
    const quoted = await post('/orders', aCreateOrderRequest(), {
      tenant,
      idempotencyKey: `"${key}"`,
    });

    expect(bare.status).toBe(201);
    expect(quoted.status).toBe(201);
    expectReplayOf(quoted, bare);
  });
});

describe('request that fails validation', () => {
  const valid = aCreateOrderRequest();
  it.each([
    ['malformed JSON', { body: '{"customerId":', headers: {} }, 400, 'invalid_json'],
    ['a schema violation', { body: { ...valid, items: [] }, headers: {} }, 400, 'invalid_request'],
    ['an unknown field', { body: { ...valid, discount: 5 }, headers: {} }, 400, 'invalid_request'],
    [
      'a total above the money range',
      {
        body: { ...valid, items: [{ sku: 'X', quantity: 1000, unitAmount: 99_999_999 }] },
        headers: {},
      },
      400,
      'invalid_request',
    ],
    [
      'a body over 16 KiB',
      { body: { ...valid, customerId: 'x'.repeat(17 * 1024) }, headers: {} },
      413,
      'payload_too_large',
    ],
    [
      'a non-JSON media type',
      { body: JSON.stringify(valid), headers: { 'Content-Type': 'text/plain' } },
      415,
      'unsupported_media_type',
    ],
  ])('answers %s with its problem and stores nothing', async (_case, request, status, code) => {
    const tenant = aTenant();
    const key = aKey();

    const refused = await call('POST', '/orders', { tenant, idempotencyKey: key, ...request });
    const retried = await post('/orders', valid, { tenant, idempotencyKey: key });

    expect(refused.status).toBe(status);
    expect(refused.body).toMatchObject({ status, code });
    expect(retried.status).toBe(201);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
  });

  it('lists the offending fields of a schema violation', async () => {
    const response = await post(
      '/orders',
      { ...aCreateOrderRequest(), currency: 'ZZZ', extra: true },
      {
        tenant: aTenant(),
        idempotencyKey: aKey(),
      },
    );

    expect(response.body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'currency' }),
        expect.objectContaining({ path: '' }),
      ]),
    );
  });

  it('answers 400 for a card token the processor does not know', async () => {
    const tenant = aTenant();
    const order = await anOrder(tenant);

    const response = await post(
      '/payments',
      aCreatePaymentRequest(order, { paymentMethod: { type: 'card', token: 'tok_unknown' } }),
      { tenant, idempotencyKey: aKey() },
    );

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'invalid_request' });
  });
});

describe('first request with a key, then the same key and fingerprint once completed', () => {
  it('replays the stored 201 byte for byte with Idempotent-Replayed: true', async () => {
    const tenant = aTenant();
    const order = await anOrder(tenant);
    const key = aKey();
    const charges = recordCharges();

    const [first, replay] = await postTwice('/payments', aCreatePaymentRequest(order), {
      tenant,
      idempotencyKey: key,
    });

    expect(first.status).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(replay.status).toBe(201);
    expectReplayOf(replay, first);
    expect(charges).toHaveBeenCalledTimes(1);
  });

  it('ignores the order of keys in the JSON body', async () => {
    const tenant = aTenant();
    const key = aKey();
    const { customerId, currency, items } = aCreateOrderRequest();

    const first = await post(
      '/orders',
      { customerId, currency, items },
      { tenant, idempotencyKey: key },
    );
    const reordered = await post(
      '/orders',
      { items, currency, customerId },
      { tenant, idempotencyKey: key },
    );

    expect(reordered.status).toBe(201);
    expectReplayOf(reordered, first);
  });
});

describe('same key and fingerprint while the first request is still running', () => {
  it('answers 409 idempotency_key_in_use with Retry-After: 1 and leaves the lock to the running request', async () => {
    const tenant = aTenant();
    const order = await anOrder(tenant);
    const key = aKey();
    const pay = () =>
      post('/payments', aCreatePaymentRequest(order), { tenant, idempotencyKey: key });

    const { first: completed, meanwhile: concurrent, charges } = await whileChargeIsHeld(pay, pay);
    const later = await pay();

    expect(concurrent.status).toBe(409);
    expect(concurrent.headers['retry-after']).toBe('1');
    expect(concurrent.body).toMatchObject({ code: 'idempotency_key_in_use' });
    expect(completed.status).toBe(201);
    expectReplayOf(later, completed);
    expect(charges).toHaveBeenCalledTimes(1);
  });
});

describe('same key, different fingerprint', () => {
  it('answers 422 idempotency_key_reused and leaves the stored record untouched', async () => {
    const tenant = aTenant();
    const key = aKey();
    const original = await post('/orders', aCreateOrderRequest(), { tenant, idempotencyKey: key });

    const reused = await post('/orders', aCreateOrderRequest({ customerId: 'cus_other' }), {
      tenant,
      idempotencyKey: key,
    });
    const replay = await post('/orders', aCreateOrderRequest(), { tenant, idempotencyKey: key });

    expect(reused.status).toBe(422);
    expect(reused.body).toMatchObject({ code: 'idempotency_key_reused' });
    expect(replay.status).toBe(201);
    expectReplayOf(replay, original);
  });

  it('answers 422 while the first request is still running, without disturbing it', async () => {
    const tenant = aTenant();
    const order = await anOrder(tenant);
    const key = aKey();

    const { first, meanwhile: reused } = await whileChargeIsHeld(
      () => post('/payments', aCreatePaymentRequest(order), { tenant, idempotencyKey: key }),
      () =>
        post(
          '/payments',
          aCreatePaymentRequest(order, {
            paymentMethod: { type: 'card', token: 'tok_mastercard' },
          }),
          { tenant, idempotencyKey: key },
        ),
    );

    expect(reused.status).toBe(422);
    expect(first.status).toBe(201);
  });
});

describe('business outcomes after execution began are stored and replayed', () => {
  it.each([
    ['tok_chargeDeclined', 'card_declined'],
    ['tok_insufficientFunds', 'insufficient_funds'],
  ])('%s: 402 %s, the payment is recorded and the order stays payable', async (token, code) => {
    const tenant = aTenant();
    const order = await anOrder(tenant);
    const key = aKey();
    const request = aCreatePaymentRequest(order, { paymentMethod: { type: 'card', token } });

    const [declined, replay] = await postTwice('/payments', request, {
      tenant,
      idempotencyKey: key,
    });
    const paid = await post('/payments', aCreatePaymentRequest(order), {
      tenant,
      idempotencyKey: aKey(),
    });

    expect(declined.status).toBe(402);
    expect(declined.headers['content-type']).toBe('application/problem+json');
    expect(declined.body).toMatchObject({
      status: 402,
      code,
      payment: { orderId: order.id, status: 'DECLINED', declineCode: code },
    });
    expectReplayOf(replay, declined);
    expect(paid.status).toBe(201);
    expect((await paymentsOf(tenant, order.id)).map((p: { status: string }) => p.status)).toEqual([
      'DECLINED',
      'SUCCEEDED',
    ]);
  });

  it('404 order_not_found is stored: a replay answers it even once the order exists elsewhere', async () => {
    const tenant = aTenant();
    const key = aKey();
    const request = aCreatePaymentRequest({
      id: 'ord_0123456789abcdef0123456789abcdef',
      amount: 2500,
      currency: 'USD',
    });

    const [missing, replay] = await postTwice('/payments', request, {
      tenant,
      idempotencyKey: key,
    });

    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: 'order_not_found' });
    expectReplayOf(replay, missing);
  });

  it('409 order_already_paid is stored and replayed', async () => {
    const tenant = aTenant();
    const order = await anOrder(tenant);
    await post('/payments', aCreatePaymentRequest(order), { tenant, idempotencyKey: aKey() });
    const key = aKey();

    const [refused, replay] = await postTwice('/payments', aCreatePaymentRequest(order), {
      tenant,
      idempotencyKey: key,
    });

    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'order_already_paid' });
    expectReplayOf(replay, refused);
  });

  it.each([
    ['amount', { amount: 1 }],
    ['currency', { currency: 'EUR' }],
  ])('422 amount_mismatch on a different %s is stored and replayed', async (_field, overrides) => {
    const tenant = aTenant();
    const order = await anOrder(tenant);
    const key = aKey();
    const request = aCreatePaymentRequest(order, overrides);

    const [mismatch, replay] = await postTwice('/payments', request, {
      tenant,
      idempotencyKey: key,
    });

    expect(mismatch.status).toBe(422);
    expect(mismatch.body).toMatchObject({ code: 'amount_mismatch' });
    expectReplayOf(replay, mismatch);
  });
});

describe('another payment of the same order is being processed', () => {
  it('answers 409 payment_in_progress with Retry-After: 1 and stores nothing', async () => {
    const tenant = aTenant();
    const order = await anOrder(tenant);
    const otherKey = aKey();

    const { meanwhile: blocked } = await whileChargeIsHeld(
      () => post('/payments', aCreatePaymentRequest(order), { tenant, idempotencyKey: aKey() }),
      () => post('/payments', aCreatePaymentRequest(order), { tenant, idempotencyKey: otherKey }),
    );
    const retried = await post('/payments', aCreatePaymentRequest(order), {
      tenant,
      idempotencyKey: otherKey,
    });

    expect(blocked.status).toBe(409);
    expect(blocked.headers['retry-after']).toBe('1');
    expect(blocked.body).toMatchObject({ code: 'payment_in_progress' });
    // Ran again instead of replaying the 409: the order is now paid.
    expect(retried.body).toMatchObject({ code: 'order_already_paid' });
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
  });
});

describe('unexpected failure', () => {
  it('answers 500 internal_error, stores nothing, and a retry charges under the same processor key without duplicating', async () => {
    const tenant = aTenant();
    const order = await anOrder(tenant);
    const key = aKey();
    const charges = recordCharges();
    // The process "crashes" after the processor charged but before the payment was written.
    testApplication().store.failNext('recordPayment', new Error('connection reset'));

    const [failed, retried] = await postTwice('/payments', aCreatePaymentRequest(order), {
      tenant,
      idempotencyKey: key,
    });

    expect(failed.status).toBe(500);
    expect(failed.body).toMatchObject({ code: 'internal_error' });
    expect(retried.status).toBe(201);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
    expect(charges).toHaveBeenCalledTimes(2);
    const [firstCharge, secondCharge] = charges.mock.calls.map(
      ([request]) => request.idempotencyKey,
    );
    expect(firstCharge).toBe(retried.body.id);
    expect(secondCharge).toBe(retried.body.id);
    expect(await paymentsOf(tenant, order.id)).toHaveLength(1);
    expect((await get(`/orders/${order.id}`, { tenant })).body).toMatchObject({
      status: 'PAID',
      paymentId: retried.body.id,
    });
  });
});
