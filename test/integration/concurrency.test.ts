import { CREATE_PAYMENT_ROUTE } from '../../lambda/domain/create-payment';
import { deriveResourceId } from '../../lambda/domain/ids';
import { requestFingerprint } from '../../lambda/idempotency/fingerprint';
import {
  aCreateOrderRequest,
  aCreatePaymentRequest,
  aKey,
  aTenant,
  type CreatePaymentBody,
} from '../support/builders';
import { get, post, type ApiResponse } from './support/api';
import { anOrder, paymentsOf, withoutReplayMarker } from './support/fixtures';
import { slowChargesTrackingConcurrency, recordCharges } from './support/processor';
import { testApplication } from './support/application';
import { localPrincipal } from '../../local/proxy-event';

const BURST = 25;
const isExecution = (response: ApiResponse) =>
  response.headers['idempotent-replayed'] === undefined;

describe('a burst of identical requests', () => {
  it(`executes ${BURST} concurrent identical payments once; the rest are 409 or identical replays`, async () => {
    const tenant = aTenant();
    const order = await anOrder(tenant);
    const key = aKey();
    const charges = recordCharges();

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
  /** An expiry that every instance takes for past, whatever margin it allows for clock skew. */
  const longExpired = () => Date.now() - 60_000;

  /** Leaves the order claimed by the attempt of `key`, as if its process had died. */
  async function anAbandonedAttempt(
    tenant: string,
    key: string,
    body: CreatePaymentBody,
    leaseExpiresAt: number,
  ) {
    const principal = localPrincipal(tenant);
    const attempt = {
      paymentId: deriveResourceId('pay', principal, CREATE_PAYMENT_ROUTE, key),
      fingerprint: requestFingerprint(CREATE_PAYMENT_ROUTE, body),
      draft: {
        ...body,
        currency: body.currency.toUpperCase(),
        paymentMethod: { type: 'card' as const, token: body.paymentMethod.token },
      },
      startedAt: leaseExpiresAt - 30_000,
    };
    const claim = await testApplication().store.claimOrder(principal, attempt, leaseExpiresAt);
    expect(claim).toEqual({ kind: 'claimed' });
    return attempt;
  }

  it('finishes an abandoned attempt whose charge went through instead of charging the order again', async () => {
    const tenant = aTenant();
    const order = await anOrder(tenant);
    const abandonedKey = aKey();
    const abandonedBody = aCreatePaymentRequest(order);
    const abandoned = await anAbandonedAttempt(tenant, abandonedKey, abandonedBody, longExpired());
    const charges = recordCharges();

    const next = await post('/payments', aCreatePaymentRequest(order), {
      tenant,
      idempotencyKey: aKey(),
    });
    const abandonedRetry = await post('/payments', abandonedBody, {
      tenant,
      idempotencyKey: abandonedKey,
    });

    expect(next.status).toBe(409);
    expect(next.body.code).toBe('order_already_paid');
    expect(charges.mock.calls.map(([request]) => request.idempotencyKey)).toEqual([
      abandoned.paymentId,
    ]);
    expect((await get(`/orders/${order.id}`, { tenant })).body).toMatchObject({
      status: 'PAID',
      paymentId: abandoned.paymentId,
    });
    expect(abandonedRetry.status).toBe(201);
    expect(abandonedRetry.body.id).toBe(abandoned.paymentId);
    expect(abandonedRetry.headers['idempotent-replayed']).toBe('true');
    expect(await paymentsOf(tenant, order.id)).toHaveLength(1);
  });

  it('records an abandoned attempt that was declined, then lets the next attempt pay', async () => {
    const tenant = aTenant();
    const order = await anOrder(tenant);
    const declinedBody = aCreatePaymentRequest(order, {
      paymentMethod: { type: 'card', token: 'tok_chargeDeclined' },
    });
    const abandoned = await anAbandonedAttempt(tenant, aKey(), declinedBody, longExpired());

    const next = await post('/payments', aCreatePaymentRequest(order), {
      tenant,
      idempotencyKey: aKey(),
    });

    expect(next.status).toBe(201);
    const payments = await paymentsOf(tenant, order.id);
    expect(payments.map((p: { id: string; status: string }) => [p.id, p.status])).toEqual([
      [abandoned.paymentId, 'DECLINED'],
      [next.body.id, 'SUCCEEDED'],
    ]);
  });

  it('answers payment_in_progress while another attempt holds a live lease', async () => {
    const tenant = aTenant();
    const order = await anOrder(tenant);
    await anAbandonedAttempt(tenant, aKey(), aCreatePaymentRequest(order), Date.now() + 30_000);
    const charges = recordCharges();

    const response = await post('/payments', aCreatePaymentRequest(order), {
      tenant,
      idempotencyKey: aKey(),
    });

    expect(response.status).toBe(409);
    expect(response.body.code).toBe('payment_in_progress');
    expect(response.headers['retry-after']).toBe('1');
    expect(charges).not.toHaveBeenCalled();
  });
});
