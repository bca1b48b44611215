/**
 * The idempotency layer's lock (the key's INPROGRESS record) and time (issue 12, holes 4 and 5).
 * Each instance runs on its own injected clock, which reads a fixed time: whether an instance
 * may take over a lock depends on the clocks and the lock alone, never on how fast the test runs.
 *
 * - Hole 4: an instance whose clock runs ahead must not take over a live lock while its skew
 *   stays within the configured margin, or the running request and the one that took over
 *   would both execute, and both answer as the first execution.
 * - Hole 5: a lock taken with no time left of the invocation still expires.
 */
import { MIN_LOCK_MS } from '../../../lambda/idempotency/persistence';
import { FaultInjector } from '../../../local/faults/fault-injector';
import { aCreateOrderRequest, aCreatePaymentRequest, aKey, aTenant } from '../../support/builders';
import type { ApiResponse } from '../support/api';
import { buildTestApplication, type TestApplication } from '../support/application';
import { clockAt } from '../support/domain';
import { expectReplayOf } from '../support/fixtures';
import { idOf, invokePost } from '../support/invoke';

const MARGIN_MS = 5_000;
/** What the locking invocation has left: its lock expires this long after it was taken. */
const REMAINING_MS = 3_000;

/** An instance of the API whose clock always reads `epochMs`. */
function anInstanceAt(epochMs: number, faults?: FaultInjector): TestApplication {
  return buildTestApplication({
    env: { CLOCK_SKEW_MARGIN_MS: String(MARGIN_MS), IDEMPOTENCY_LOCAL_CACHE_SIZE: '0' },
    clock: clockAt(epochMs),
    ...(faults && { faults }),
  });
}

async function aPayableOrder(tenant: string, application: TestApplication) {
  const response = await invokePost('/orders', aCreateOrderRequest(), {
    tenant,
    idempotencyKey: aKey('order'),
    application,
  });
  return response.body as { id: string; amount: number; currency: string };
}

/** A request that never answers: its invocation died. */
function abandoned(request: Promise<ApiResponse>): void {
  void request.catch(() => {});
}

describe('an instance whose clock runs ahead of the one holding the lock', () => {
  it.each([
    ['by just over the time the holder has left', REMAINING_MS + 1],
    ['by that time and half the margin', REMAINING_MS + MARGIN_MS / 2],
  ])(
    '%s answers 409 idempotency_key_in_use; the holder answers once, first, and its answer is what the key replays',
    async (_, skewMs) => {
      const t0 = Date.now();
      const holder = anInstanceAt(t0);
      const ahead = anInstanceAt(t0 + skewMs);
      const tenant = aTenant();
      const order = await aPayableOrder(tenant, holder);
      const key = aKey();
      const request = { tenant, idempotencyKey: key };
      const body = aCreatePaymentRequest(order);
      const charge = holder.processor.holdNextCharge();
      const running = invokePost('/payments', body, {
        ...request,
        remainingMs: REMAINING_MS,
        application: holder,
      });
      await charge.reached;

      const meanwhile = await invokePost('/payments', body, { ...request, application: ahead });
      charge.release();
      const first = await running;
      const replay = await invokePost('/payments', body, { ...request, application: ahead });

      expect(meanwhile.status).toBe(409);
      expect(meanwhile.body.code).toBe('idempotency_key_in_use');
      expect(ahead.processor.concurrency.calls).toBe(0);
      expect(first.status).toBe(201);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      expect(first.body.id).toBe(idOf('pay', tenant, key));
      expectReplayOf(replay, first);
    },
  );

  it('by more than the time left and the margin takes the lock over: the skew the margin assumes was exceeded', async () => {
    const t0 = Date.now();
    const faults = new FaultInjector();
    const holder = anInstanceAt(t0, faults);
    const ahead = anInstanceAt(t0 + REMAINING_MS + MARGIN_MS + 1);
    const tenant = aTenant();
    const key = aKey();
    const request = { tenant, idempotencyKey: key };
    const { struck } = faults.inject({ step: 'after-lock', action: { kind: 'crash' } });
    abandoned(
      invokePost('/orders', aCreateOrderRequest(), {
        ...request,
        remainingMs: REMAINING_MS,
        application: holder,
      }),
    );
    await struck;

    const takenOver = await invokePost('/orders', aCreateOrderRequest(), {
      ...request,
      application: ahead,
    });

    expect(takenOver.status).toBe(201);
    expect(takenOver.headers['idempotent-replayed']).toBeUndefined();
    expect(takenOver.body.id).toBe(idOf('ord', tenant, key));
  });
});

describe('a lock taken with no time left of the invocation', () => {
  it.each([
    ['POST /orders', '/orders'],
    ['POST /payments', '/payments'],
  ] as const)(
    `%s: expires ${MIN_LOCK_MS} ms after it was taken, and the margin later the key is free again`,
    async (_, path) => {
      const t0 = Date.now();
      const faults = new FaultInjector();
      const holder = anInstanceAt(t0, faults);
      const tenant = aTenant();
      const body =
        path === '/orders'
          ? aCreateOrderRequest()
          : aCreatePaymentRequest(await aPayableOrder(tenant, holder));
      const key = aKey();
      const request = { tenant, idempotencyKey: key };
      const { struck } = faults.inject({
        step: 'after-lock',
        action: { kind: 'crash' },
        idempotencyKey: key,
      });
      abandoned(invokePost(path, body, { ...request, remainingMs: 0, application: holder }));
      await struck;

      const beforeExpiry = await invokePost(path, body, {
        ...request,
        application: anInstanceAt(t0 + MIN_LOCK_MS + MARGIN_MS - 1),
      });
      const afterExpiry = await invokePost(path, body, {
        ...request,
        application: anInstanceAt(t0 + MIN_LOCK_MS + MARGIN_MS + 1),
      });

      expect(beforeExpiry.body.code).toBe('idempotency_key_in_use');
      expect(afterExpiry.status).toBe(201);
      expect(afterExpiry.headers['idempotent-replayed']).toBeUndefined();
    },
  );
});

describe('a request that outlives its lock, which another request took over', () => {
  it.each([
    ['fails', true, 500],
    ['completes', false, 201],
  ])(
    'and %s leaves the lock of the request that took over alone: the key stays locked until that one answers',
    async (_, fails, status) => {
      const t0 = Date.now();
      const faults = new FaultInjector();
      const outliving = anInstanceAt(t0, faults);
      // Past the first request's lock and the order's lease (30 s), by more than the margin.
      const later = anInstanceAt(t0 + 40_000);
      const tenant = aTenant();
      const order = await aPayableOrder(tenant, outliving);
      const request = { tenant, idempotencyKey: aKey() };
      const body = aCreatePaymentRequest(order);
      const firstCharge = outliving.processor.holdNextCharge();
      if (fails) {
        faults.inject({
          step: 'after-charge',
          action: { kind: 'fail' },
          idempotencyKey: request.idempotencyKey,
        });
      }
      const outlived = invokePost('/payments', body, {
        ...request,
        remainingMs: REMAINING_MS,
        application: outliving,
      });
      await firstCharge.reached;
      const takingOverCharge = later.processor.holdNextCharge();
      const tookOver = invokePost('/payments', body, { ...request, application: later });
      await takingOverCharge.reached;

      firstCharge.release();
      const late = await outlived;
      const meanwhile = await invokePost('/payments', body, { ...request, application: later });
      takingOverCharge.release();
      const answered = await tookOver;
      const replay = await invokePost('/payments', body, { ...request, application: later });

      // Completed, it still answers its own first execution; it saves nothing over the lock.
      expect(late.status).toBe(status);
      expect(late.headers['idempotent-replayed']).toBeUndefined();
      expect(meanwhile.status).toBe(409);
      expect(meanwhile.body.code).toBe('idempotency_key_in_use');
      expect(answered.status).toBe(201);
      expect(answered.headers['idempotent-replayed']).toBeUndefined();
      expectReplayOf(replay, answered);
    },
  );

  it('and completes after the one that took over failed and freed the key: its answer is the first, and the key replays it', async () => {
    const t0 = Date.now();
    const outliving = anInstanceAt(t0);
    const laterFaults = new FaultInjector();
    const later = anInstanceAt(t0 + 40_000, laterFaults);
    const tenant = aTenant();
    const order = await aPayableOrder(tenant, outliving);
    const request = { tenant, idempotencyKey: aKey() };
    const body = aCreatePaymentRequest(order);
    const firstCharge = outliving.processor.holdNextCharge();
    const outlived = invokePost('/payments', body, {
      ...request,
      remainingMs: REMAINING_MS,
      application: outliving,
    });
    await firstCharge.reached;
    laterFaults.inject({
      step: 'after-charge',
      action: { kind: 'fail' },
      idempotencyKey: request.idempotencyKey,
    });
    const tookOver = await invokePost('/payments', body, { ...request, application: later });

    firstCharge.release();
    const late = await outlived;
    const replay = await invokePost('/payments', body, { ...request, application: later });

    expect(tookOver.status).toBe(500);
    expect(late.status).toBe(201);
    expect(late.headers['idempotent-replayed']).toBeUndefined();
    expectReplayOf(replay, late);
  });
});
