/**
 * A fault at each step of a POST: the request fails there (an unexpected error) or dies there
 * (a crash or a Lambda timeout: it never answers and nothing after the step runs). Whatever the
 * step, the retry with the same key answers with the one resource the key names, the card is
 * charged once, and an order is paid by that very payment.
 */
import { FAULT_STEPS, FaultInjector, type FaultStep } from '../../../local/faults/fault-injector';
import { aCreateOrderRequest, aCreatePaymentRequest, aKey, aTenant } from '../../support/builders';
import { get, type ApiResponse } from '../support/api';
import { anOrder, expectReplayOf, paymentsOf } from '../support/fixtures';
import { useTestApplication } from '../support/application';
import { idOf, invokePost, untilUnlocked } from '../support/invoke';

/**
 * This file's API runs with fault points; a test arms the faults it needs. One instance, one
 * clock: no skew between instances to allow for, so a crashed request's lock frees as soon as
 * its invocation would have ended (`test/integration/protocol/idempotency-lock.test.ts` covers
 * the margin).
 */
const faults = new FaultInjector();
const { processor } = useTestApplication({ faults, env: { CLOCK_SKEW_MARGIN_MS: '0' } });
const injectFault = faults.inject.bind(faults);
afterEach(() => faults.clear());

/** Short, so that a crashed request's key frees soon: what Powertools reads off the context. */
const REMAINING_MS = 2_000;

/** An order has no charge; a payment reaches every step. */
const orderSteps = FAULT_STEPS.filter((step) => step !== 'after-charge');
const paymentSteps = [...FAULT_STEPS];
/** Steps after which the resource exists: the retry finds it and answers it as a replay. */
const afterTheWrite = new Set<FaultStep>([
  'after-business-write',
  'before-save-result',
  'save-result',
]);
const replayMarkerAfter = (step: FaultStep) => (afterTheWrite.has(step) ? 'true' : undefined);

/** A request that never answers; `settled` tells whether it did after all. */
/** A new tenant's PENDING order, a fresh key, and the payment id that key derives. */
async function aPayableOrderAndKey() {
  const tenant = aTenant();
  const key = aKey();
  const order = await anOrder(tenant);
  return { tenant, key, order, paymentId: idOf('pay', tenant, key) };
}

function abandoned(request: Promise<ApiResponse>) {
  const state = { settled: false };
  void request.finally(() => (state.settled = true));
  return state;
}

function expectFailureAt(step: FaultStep, response: ApiResponse): void {
  // The result's own write failing is the idempotency store failing: 503, retry later.
  const [status, code] =
    step === 'save-result' ? [503, 'service_unavailable'] : [500, 'internal_error'];
  expect(response.status).toBe(status);
  expect(response.body.code).toBe(code);
}

async function expectPaidOnceBy(tenant: string, orderId: string, paymentId: string): Promise<void> {
  expect(processor.chargesWithKey(paymentId)).toBe(1);
  const payments = await paymentsOf(tenant, orderId);
  expect(payments.map(({ id, status }) => ({ id, status }))).toEqual([
    { id: paymentId, status: 'SUCCEEDED' },
  ]);
  expect((await get(`/orders/${orderId}`, { tenant })).body).toMatchObject({
    status: 'PAID',
    paymentId,
  });
}

describe('POST /orders', () => {
  it.each(orderSteps)(
    'failing at %s stores nothing; the retry answers with the one order',
    async (step) => {
      const tenant = aTenant();
      const key = aKey();
      const request = { tenant, idempotencyKey: key };
      injectFault({ step, action: { kind: 'fail' }, idempotencyKey: key });

      const failed = await invokePost('/orders', aCreateOrderRequest(), request);
      const retry = await invokePost('/orders', aCreateOrderRequest(), request);
      const replay = await invokePost('/orders', aCreateOrderRequest(), request);

      expectFailureAt(step, failed);
      expect(retry.status).toBe(201);
      expect(retry.body.id).toBe(idOf('ord', tenant, key));
      expect(retry.headers['idempotent-replayed']).toBe(replayMarkerAfter(step));
      expectReplayOf(replay, retry);
    },
  );

  it.each(orderSteps)(
    'crashing at %s locks the key until the in-progress expiry; then the retry answers with the one order',
    async (step) => {
      const tenant = aTenant();
      const key = aKey();
      const { struck } = injectFault({ step, action: { kind: 'crash' }, idempotencyKey: key });

      const crashed = abandoned(
        invokePost('/orders', aCreateOrderRequest(), {
          tenant,
          idempotencyKey: key,
          remainingMs: REMAINING_MS,
        }),
      );
      await struck;
      const { response: retry, lockedAnswers } = await untilUnlocked(() =>
        invokePost('/orders', aCreateOrderRequest(), { tenant, idempotencyKey: key }),
      );

      expect(crashed.settled).toBe(false);
      // Crashing before the lock leaves nothing locked.
      if (step === 'before-lock') expect(lockedAnswers).toBe(0);
      else expect(lockedAnswers).toBeGreaterThan(0);
      expect(retry.status).toBe(201);
      expect(retry.body.id).toBe(idOf('ord', tenant, key));
      expect(retry.headers['idempotent-replayed']).toBe(replayMarkerAfter(step));
      expect((await get(`/orders/${retry.body.id}`, { tenant })).body).toEqual(retry.body);
    },
  );
});

describe('POST /payments', () => {
  it.each(paymentSteps)(
    'failing at %s stores nothing; the retry pays the order once, by this payment',
    async (step) => {
      const { tenant, key, order, paymentId } = await aPayableOrderAndKey();
      const request = { tenant, idempotencyKey: key };
      injectFault({ step, action: { kind: 'fail' }, idempotencyKey: key });

      const failed = await invokePost('/payments', aCreatePaymentRequest(order), request);
      const retry = await invokePost('/payments', aCreatePaymentRequest(order), request);
      const replay = await invokePost('/payments', aCreatePaymentRequest(order), request);

      expectFailureAt(step, failed);
      expect(retry.status).toBe(201);
      expect(retry.body).toMatchObject({ id: paymentId, status: 'SUCCEEDED' });
      expect(retry.headers['idempotent-replayed']).toBe(replayMarkerAfter(step));
      expectReplayOf(replay, retry);
      await expectPaidOnceBy(tenant, order.id, paymentId);
    },
  );

  it.each(paymentSteps)(
    'crashing at %s locks the key until the in-progress expiry; then the retry pays the order once, by this payment',
    async (step) => {
      const { tenant, key, order, paymentId } = await aPayableOrderAndKey();
      const { struck } = injectFault({ step, action: { kind: 'crash' }, idempotencyKey: key });

      const crashed = abandoned(
        invokePost('/payments', aCreatePaymentRequest(order), {
          tenant,
          idempotencyKey: key,
          remainingMs: REMAINING_MS,
        }),
      );
      await struck;
      const { response: retry, lockedAnswers } = await untilUnlocked(() =>
        invokePost('/payments', aCreatePaymentRequest(order), { tenant, idempotencyKey: key }),
      );

      expect(crashed.settled).toBe(false);
      if (step === 'before-lock') expect(lockedAnswers).toBe(0);
      else expect(lockedAnswers).toBeGreaterThan(0);
      expect(retry.status).toBe(201);
      expect(retry.body).toMatchObject({ id: paymentId, status: 'SUCCEEDED' });
      expect(retry.headers['idempotent-replayed']).toBe(replayMarkerAfter(step));
      await expectPaidOnceBy(tenant, order.id, paymentId);
    },
  );

  it('a crash after a charge keeps the order claimed: another key gets payment_in_progress, the retry pays it', async () => {
    const { tenant, key, order, paymentId } = await aPayableOrderAndKey();
    const { struck } = injectFault({
      step: 'after-charge',
      action: { kind: 'crash' },
      idempotencyKey: key,
    });

    abandoned(
      invokePost('/payments', aCreatePaymentRequest(order), {
        tenant,
        idempotencyKey: key,
        remainingMs: REMAINING_MS,
      }),
    );
    await struck;
    const other = await invokePost('/payments', aCreatePaymentRequest(order), {
      tenant,
      idempotencyKey: aKey(),
    });
    const { response: retry } = await untilUnlocked(() =>
      invokePost('/payments', aCreatePaymentRequest(order), { tenant, idempotencyKey: key }),
    );

    expect(other.status).toBe(409);
    expect(other.body.code).toBe('payment_in_progress');
    expect(other.headers['retry-after']).toBe('1');
    expect(retry.status).toBe(201);
    await expectPaidOnceBy(tenant, order.id, paymentId);
  });

  it('the same key for another order after a failure past the charge is 422: the charge is not handed to that order', async () => {
    const tenant = aTenant();
    const key = aKey();
    const order = await anOrder(tenant);
    const anotherOrder = await anOrder(tenant);
    const paymentId = idOf('pay', tenant, key);
    injectFault({ step: 'after-charge', action: { kind: 'fail' }, idempotencyKey: key });

    const failed = await invokePost('/payments', aCreatePaymentRequest(order), {
      tenant,
      idempotencyKey: key,
    });
    // The 500 is not stored: the key is free again, but its payment id was charged for `order`.
    const forAnotherOrder = await invokePost('/payments', aCreatePaymentRequest(anotherOrder), {
      tenant,
      idempotencyKey: key,
    });
    const retry = await invokePost('/payments', aCreatePaymentRequest(order), {
      tenant,
      idempotencyKey: key,
    });

    expectFailureAt('after-charge', failed);
    expect(forAnotherOrder.status).toBe(422);
    expect(forAnotherOrder.body.code).toBe('idempotency_key_reused');
    expect((await get(`/orders/${anotherOrder.id}`, { tenant })).body.status).toBe('PENDING');
    expect(await paymentsOf(tenant, anotherOrder.id)).toEqual([]);
    expect(retry.status).toBe(201);
    expect(retry.body).toMatchObject({ id: paymentId, orderId: order.id, status: 'SUCCEEDED' });
    await expectPaidOnceBy(tenant, order.id, paymentId);
  });

  it('the same key with another body after a crash is 422, before and after the lock expires; the original request then pays once', async () => {
    const { tenant, key, order, paymentId } = await aPayableOrderAndKey();
    const original = aCreatePaymentRequest(order);
    const anotherBody = aCreatePaymentRequest(order, {
      paymentMethod: { type: 'card', token: 'tok_chargeDeclined' },
    });
    const { struck } = injectFault({
      step: 'after-charge',
      action: { kind: 'crash' },
      idempotencyKey: key,
    });

    const lockExpires = Date.now() + REMAINING_MS;
    abandoned(
      invokePost('/payments', original, { tenant, idempotencyKey: key, remainingMs: REMAINING_MS }),
    );
    await struck;
    const whileLocked = await invokePost('/payments', anotherBody, { tenant, idempotencyKey: key });
    // The in-progress expiry is an instant, not an event: wait for the clock to pass it.
    await new Promise((resolve) => setTimeout(resolve, lockExpires - Date.now() + 100));
    const afterExpiry = await invokePost('/payments', anotherBody, {
      tenant,
      idempotencyKey: key,
    });
    const retry = await invokePost('/payments', original, { tenant, idempotencyKey: key });

    expect(whileLocked.status).toBe(422);
    // The crashed attempt's lease names this key's payment with another fingerprint: it is not
    // taken over with the new body (whose charge the processor would answer with the first one's).
    expect(afterExpiry.status).toBe(422);
    expect(afterExpiry.body.code).toBe('idempotency_key_reused');
    expect(retry.status).toBe(201);
    expect(retry.body).toMatchObject({ id: paymentId, status: 'SUCCEEDED' });
    await expectPaidOnceBy(tenant, order.id, paymentId);
  });

  it('a crash after recording a decline answers the retry with the same 402; the order stays payable', async () => {
    const tenant = aTenant();
    const key = aKey();
    const order = await anOrder(tenant);
    const declined = aCreatePaymentRequest(order, {
      paymentMethod: { type: 'card', token: 'tok_chargeDeclined' },
    });
    const { struck } = injectFault({
      step: 'after-business-write',
      action: { kind: 'crash' },
      idempotencyKey: key,
    });

    abandoned(
      invokePost('/payments', declined, { tenant, idempotencyKey: key, remainingMs: REMAINING_MS }),
    );
    await struck;
    const { response: retry } = await untilUnlocked(() =>
      invokePost('/payments', declined, { tenant, idempotencyKey: key }),
    );
    const another = await invokePost('/payments', aCreatePaymentRequest(order), {
      tenant,
      idempotencyKey: aKey(),
    });

    expect(retry.status).toBe(402);
    expect(retry.body.code).toBe('card_declined');
    expect(retry.body.payment).toMatchObject({ id: idOf('pay', tenant, key), status: 'DECLINED' });
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(another.status).toBe(201);
    expect(await paymentsOf(tenant, order.id)).toHaveLength(2);
  });
});

describe('a request that outlives its Lambda timeout', () => {
  it('and finishes after its retry took over records one payment, one charge, and the same answer', async () => {
    const { tenant, key, order, paymentId } = await aPayableOrderAndKey();
    // The local server cannot stop a handler at its timeout as Lambda does: it runs on.
    const { struck } = injectFault({
      step: 'after-charge',
      action: { kind: 'delay', ms: REMAINING_MS + 1_500 },
      idempotencyKey: key,
    });

    const late = invokePost('/payments', aCreatePaymentRequest(order), {
      tenant,
      idempotencyKey: key,
      remainingMs: REMAINING_MS,
    });
    await struck;
    const { response: retry } = await untilUnlocked(() =>
      invokePost('/payments', aCreatePaymentRequest(order), { tenant, idempotencyKey: key }),
    );
    const lateAnswer = await late;
    const replay = await invokePost('/payments', aCreatePaymentRequest(order), {
      tenant,
      idempotencyKey: key,
    });

    expect(retry.status).toBe(201);
    expect(lateAnswer.status).toBe(201);
    expect(lateAnswer.rawBody).toBe(retry.rawBody);
    expect(replay.rawBody).toBe(retry.rawBody);
    await expectPaidOnceBy(tenant, order.id, paymentId);
  });
});
