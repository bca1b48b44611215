/**
 * `POST /payment` is `POST /payments` under another name: the same function, the same
 * idempotency scope and fingerprint, so one key sent to both paths is one request.
 */
import { aCreatePaymentRequest, aKey, aTenant } from '../support/builders';
import { get, post } from './support/api';
import { expectToConform } from './support/contract';
import { anOrder, expectReplayOf, paymentsOf } from './support/fixtures';
import { recordCharges, whileChargeIsHeld } from './support/processor';

const paths = [
  ['/payment', '/payments'],
  ['/payments', '/payment'],
] as const;

/** An order, and a first payment of it on `path` with a fresh key; charges recorded from then. */
async function aFirstPaymentOn(path: string) {
  const tenant = aTenant();
  const order = await anOrder(tenant);
  const key = aKey();
  const charges = recordCharges();
  const first = await post(path, aCreatePaymentRequest(order), { tenant, idempotencyKey: key });
  return { tenant, order, key, charges, first };
}

describe('POST /payment, the alias of POST /payments', () => {
  it('pays the order and answers the 201 the document describes, with Location under /payments', async () => {
    const tenant = aTenant();
    const order = await anOrder(tenant);

    const paid = await post('/payment', aCreatePaymentRequest(order), {
      tenant,
      idempotencyKey: aKey(),
    });

    expect(paid.status).toBe(201);
    expectToConform('POST', '/payment', paid);
    expect(paid.headers.location).toBe(`/payments/${paid.body.id}`);
    expect((await get(paid.headers.location ?? '', { tenant })).body).toEqual(paid.body);
    expect((await get(`/orders/${order.id}`, { tenant })).body).toMatchObject({ status: 'PAID' });
  });

  it.each(paths)(
    'replays on the other path a key first used on %s: one payment, one charge',
    async (firstPath, secondPath) => {
      const { tenant, order, key, charges, first } = await aFirstPaymentOn(firstPath);

      const second = await post(secondPath, aCreatePaymentRequest(order), {
        tenant,
        idempotencyKey: key,
      });

      expect(first.status).toBe(201);
      expectReplayOf(second, first);
      expect(charges).toHaveBeenCalledTimes(1);
      expect(await paymentsOf(tenant, order.id)).toHaveLength(1);
    },
  );

  it.each(paths)(
    'answers 422 idempotency_key_reused on the other path for a key used on %s with another body',
    async (firstPath, secondPath) => {
      const { tenant, order, key, charges, first } = await aFirstPaymentOn(firstPath);

      const other = await post(
        secondPath,
        aCreatePaymentRequest(order, { paymentMethod: { type: 'card', token: 'tok_mastercard' } }),
        { tenant, idempotencyKey: key },
      );

      expect(first.status).toBe(201);
      expect(other.status).toBe(422);
      expect(other.body).toMatchObject({ code: 'idempotency_key_reused' });
      expectToConform('POST', secondPath, other);
      expect(charges).toHaveBeenCalledTimes(1);
    },
  );

  it('answers 409 idempotency_key_in_use on /payments while the same key runs on /payment', async () => {
    const tenant = aTenant();
    const order = await anOrder(tenant);
    const key = aKey();
    const send = (path: string) => () =>
      post(path, aCreatePaymentRequest(order), { tenant, idempotencyKey: key });

    const { first, meanwhile, charges } = await whileChargeIsHeld(
      send('/payment'),
      send('/payments'),
    );

    expect(meanwhile.status).toBe(409);
    expect(meanwhile.body).toMatchObject({ code: 'idempotency_key_in_use' });
    expect(first.status).toBe(201);
    expect(charges).toHaveBeenCalledTimes(1);
  });
});
