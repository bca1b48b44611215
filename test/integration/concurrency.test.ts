import { aCreateOrderRequest, aCreatePaymentRequest, aKey, aTenant } from '../support/builders';
import { get, post, type ApiResponse } from './support/api';
import { anOrder, paymentsOf, withoutReplayMarker } from './support/fixtures';
import { slowChargesTrackingConcurrency, spyOnCharges } from './support/processor';
import { ordersStore } from '../../lambda/store';
import { localPrincipal } from '../../local/proxy-event';

const BURST = 25;
const isExecution = (response: ApiResponse) =>
  response.headers['idempotent-replayed'] === undefined;

describe('a burst of identical requests', () => {
  it(`executes ${BURST} concurrent identical payments once; the rest are 409 or identical replays`, async () => {
    const tenant = aTenant();
    const order = await anOrder(tenant);
    const key = aKey();
    const charges = spyOnCharges();

    const responses = await Promise.all(
      Array.from({ length: BURST }, () =>
        post('/payments', aCreatePaymentRequest(order), { tenant, idempotencyKey: key }),
      ),
    );

    const executions = responses.filter((r) => r.status !== 409 && isExecution(r));
    expect(executions).toHaveLength(1);
    const [execution] = executions as [ApiResponse];
    expect(execution.status).toBe(201);
    for (const response of responses.filter((r) => r !== execution)) {
      if (response.status === 409) {
        expect(response.body.code).toBe('idempotency_key_in_use');
      } else {
        expect(response.headers['idempotent-replayed']).toBe('true');
        expect(response.rawBody).toBe(execution.rawBody);
        expect(withoutReplayMarker(response.headers)).toEqual(execution.headers);
      }
    }
    expect(charges).toHaveBeenCalledTimes(1);
    expect(await paymentsOf(tenant, order.id)).toHaveLength(1);
  });

  it(`creates one order from ${BURST} concurrent identical requests`, async () => {
    const tenant = aTenant();
    const key = aKey();

    const responses = await Promise.all(
      Array.from({ length: BURST }, () =>
        post('/orders', aCreateOrderRequest(), { tenant, idempotencyKey: key }),
      ),
    );

    const created = responses.filter((r) => r.status === 201);
    expect(created.filter(isExecution)).toHaveLength(1);
    expect(new Set(created.map((r) => r.body.id)).size).toBe(1);
    expect(
      responses.every((r) => r.status === 201 || r.body.code === 'idempotency_key_in_use'),
    ).toBe(true);
  });
});

describe('concurrent payments with different keys on one order', () => {
  it('lets exactly one succeed, one processor call at a time; the others get payment_in_progress or order_already_paid', async () => {
    const tenant = aTenant();
    const order = await anOrder(tenant);
    const { stats } = slowChargesTrackingConcurrency(50);

    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        post('/payments', aCreatePaymentRequest(order), { tenant, idempotencyKey: aKey() }),
      ),
    );

    const succeeded = responses.filter((r) => r.status === 201);
    expect(succeeded).toHaveLength(1);
    const refusals = responses.filter((r) => r.status !== 201).map((r) => r.body.code as string);
    expect(
      refusals.every((code) => ['payment_in_progress', 'order_already_paid'].includes(code)),
    ).toBe(true);
    expect(stats.maxInFlight).toBe(1);
    const payments = await paymentsOf(tenant, order.id);
    expect(payments.filter((p: { status: string }) => p.status === 'SUCCEEDED')).toHaveLength(1);
    const paidOrder = await get(`/orders/${order.id}`, { tenant });
    expect(paidOrder.body).toMatchObject({ status: 'PAID', paymentId: succeeded[0]?.body.id });
  });
});

describe('the order lease', () => {
  it('does not block the order for ever when the attempt holding it crashed', async () => {
    const tenant = aTenant();
    const order = await anOrder(tenant);
    const crashedPaymentId = 'pay_00000000000000000000000000000000';
    const claimedAt = Date.now() - 31_000;
    const claim = await ordersStore.claimOrder(
      localPrincipal(tenant),
      order.id,
      crashedPaymentId,
      claimedAt + 30_000,
      claimedAt,
    );
    expect(claim).toBeUndefined();

    const response = await post('/payments', aCreatePaymentRequest(order), {
      tenant,
      idempotencyKey: aKey(),
    });

    expect(response.status).toBe(201);
  });

  it('answers payment_in_progress while another attempt holds a live lease', async () => {
    const tenant = aTenant();
    const order = await anOrder(tenant);
    const charges = spyOnCharges();
    const claim = await ordersStore.claimOrder(
      localPrincipal(tenant),
      order.id,
      'pay_11111111111111111111111111111111',
      Date.now() + 30_000,
      Date.now(),
    );
    expect(claim).toBeUndefined();

    const response = await post('/payments', aCreatePaymentRequest(order), {
      tenant,
      idempotencyKey: aKey(),
    });

    expect(response.status).toBe(409);
    expect(response.body.code).toBe('payment_in_progress');
    expect(charges).not.toHaveBeenCalled();
  });
});
