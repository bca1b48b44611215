/**
 * The sweeper (issue 12, hole 1): abandoned payment attempts are settled within minutes, not
 * when the next request for the order happens to arrive. Each test crashes an attempt at the
 * charge on the real store and engine (an Orders table of its own, since a sweep settles every
 * tenant's expired leases), then runs the sweep as the scheduled function does, on a clock the
 * test moves, with the real sandbox processor on the same clock.
 */
import { createPayment, type CreatePaymentCommand } from '../../../lambda/domain/create-payment';
import {
  DEFAULT_CLOCK_SKEW_MARGIN_MS,
  PAYMENT_LEASE_SECONDS,
} from '../../../lambda/domain/payment';
import type { PaymentProcessor } from '../../../lambda/domain/payment-processor';
import { sweepAbandonedAttempts } from '../../../lambda/domain/sweep';
import { aPaymentCommand, aPendingOrder } from '../support/domain';
import {
  aSandboxOnAManualClock,
  aStoreOnItsOwnTable,
  countingCalls,
  dyingAfterTheCharge,
  dyingBeforeTheCharge,
  HOUR,
  paymentIdOf,
  ProcessDied,
} from './support';

const SAFE_AGE_MS = HOUR;
const MARGIN_MS = DEFAULT_CLOCK_SKEW_MARGIN_MS;
/** Just past the point where a lease taken now has surely expired. */
const LEASE_SURELY_EXPIRED_MS = PAYMENT_LEASE_SECONDS * 1000 + MARGIN_MS + 1;

/** An order on a table of its own, and its payment X whose process died at the charge. */
async function anAttemptThatDied(when: 'after the charge' | 'before the charge', token?: string) {
  const { store, leaseOf } = await aStoreOnItsOwnTable();
  const { processor, clock, advance, charges } = aSandboxOnAManualClock();
  const { tenant, order } = await aPendingOrder(store);
  const x = aPaymentCommand(tenant, order, token);
  const dependencies = (by: PaymentProcessor) => ({
    store,
    processor: by,
    clock,
    clockSkewMarginMs: MARGIN_MS,
    recoverySafeAgeMs: SAFE_AGE_MS,
  });
  const pay = (command: CreatePaymentCommand, by: PaymentProcessor = processor) =>
    createPayment(dependencies(by), command);
  const dying = when === 'after the charge' ? dyingAfterTheCharge : dyingBeforeTheCharge;
  await expect(pay(x, dying(processor))).rejects.toThrow(ProcessDied);
  const calls = countingCalls(processor);
  const sweep = () => sweepAbandonedAttempts(dependencies(calls));
  return { store, leaseOf, tenant, order, x, charges, calls, advance, pay, sweep };
}

describe('the sweeper, minutes after an attempt died', () => {
  it('records an attempt that died after the charge, without charging it again', async () => {
    const { store, leaseOf, tenant, order, x, charges, calls, advance, pay, sweep } =
      await anAttemptThatDied('after the charge');

    advance(LEASE_SURELY_EXPIRED_MS);
    const report = await sweep();

    expect(report).toMatchObject({
      flagged: [],
      skipped: 0,
      failed: [],
      awaitingReconciliation: 0,
    });
    expect(report.recorded).toEqual([
      {
        payment: expect.objectContaining({ id: paymentIdOf(x), status: 'SUCCEEDED' }),
        by: 'charge',
      },
    ]);
    expect(charges.withKey(paymentIdOf(x))).toBe(1);
    expect(calls.counts).toEqual({ charge: 1, lookUpCharge: 0 });
    expect(await store.getOrder(tenant, order.id)).toMatchObject({ status: 'PAID' });
    expect(await leaseOf(tenant, order.id)).toBeUndefined();
    // X's own retry finds its payment.
    await expect(pay(x)).resolves.toMatchObject({
      resource: { id: paymentIdOf(x), status: 'SUCCEEDED' },
      existed: true,
    });
  });

  it('finishes an attempt that died before the charge: one charge, under its own key', async () => {
    const { store, tenant, order, x, charges, advance, sweep } =
      await anAttemptThatDied('before the charge');

    advance(LEASE_SURELY_EXPIRED_MS);
    const report = await sweep();

    expect(report.recorded).toEqual([
      {
        payment: expect.objectContaining({ id: paymentIdOf(x), status: 'SUCCEEDED' }),
        by: 'charge',
      },
    ]);
    expect(charges.withKey(paymentIdOf(x))).toBe(1);
    expect(charges.count()).toBe(1);
    expect(await store.getOrder(tenant, order.id)).toMatchObject({ status: 'PAID' });
  });

  it('records a declined attempt as DECLINED and leaves the order payable', async () => {
    const { leaseOf, tenant, order, x, advance, pay, sweep } = await anAttemptThatDied(
      'after the charge',
      'tok_chargeDeclined',
    );

    advance(LEASE_SURELY_EXPIRED_MS);
    const report = await sweep();

    expect(report.recorded).toEqual([
      {
        payment: expect.objectContaining({ id: paymentIdOf(x), status: 'DECLINED' }),
        by: 'charge',
      },
    ]);
    expect(await leaseOf(tenant, order.id)).toBeUndefined();
    await expect(pay(aPaymentCommand(tenant, order))).resolves.toMatchObject({
      resource: { status: 'SUCCEEDED' },
    });
  });

  it('leaves a lease alone until it has expired by more than the clock skew margin', async () => {
    const { leaseOf, tenant, order, x, charges, calls, advance, sweep } =
      await anAttemptThatDied('after the charge');

    advance(LEASE_SURELY_EXPIRED_MS - 2);
    const report = await sweep();

    expect(report).toEqual({
      recorded: [],
      flagged: [],
      skipped: 0,
      failed: [],
      awaitingReconciliation: 0,
    });
    expect(calls.counts).toEqual({ charge: 0, lookUpCharge: 0 });
    expect(charges.withKey(paymentIdOf(x))).toBe(1);
    expect(await leaseOf(tenant, order.id)).toMatchObject({ paymentId: paymentIdOf(x) });
  });

  it('settles each abandoned attempt once, however often it runs', async () => {
    const { calls, advance, sweep } = await anAttemptThatDied('after the charge');

    advance(LEASE_SURELY_EXPIRED_MS);
    const [first, second] = await Promise.all([sweep(), sweep()]);
    const third = await sweep();

    expect(first.recorded.length + second.recorded.length).toBe(1);
    expect(third.recorded).toEqual([]);
    expect(calls.counts.charge).toBe(1);
  });
});

describe('the sweeper, a day after an attempt died (it did not run meanwhile)', () => {
  it('records an attempt that died after the charge by lookup, never by a charge', async () => {
    const { store, tenant, order, x, charges, calls, advance, sweep } =
      await anAttemptThatDied('after the charge');

    advance(25 * HOUR);
    const report = await sweep();

    expect(report.recorded).toEqual([
      {
        payment: expect.objectContaining({ id: paymentIdOf(x), status: 'SUCCEEDED' }),
        by: 'lookup',
      },
    ]);
    expect(calls.counts).toEqual({ charge: 0, lookUpCharge: 1 });
    expect(charges.withKey(paymentIdOf(x))).toBe(1);
    expect(await store.getOrder(tenant, order.id)).toMatchObject({ status: 'PAID' });
  });

  it('flags an attempt the processor cannot account for, and charges nothing', async () => {
    const { store, leaseOf, tenant, order, x, charges, calls, advance, sweep } =
      await anAttemptThatDied('before the charge');

    advance(25 * HOUR);
    const report = await sweep();
    advance(HOUR);
    const next = await sweep();

    expect(report).toMatchObject({ recorded: [], failed: [], awaitingReconciliation: 1 });
    expect(report.flagged).toEqual([
      { tenant, lease: expect.objectContaining({ paymentId: paymentIdOf(x) }) },
    ]);
    // Flagged orders wait for the operator: the next sweep leaves them alone, and counts them.
    expect(next).toMatchObject({ recorded: [], flagged: [], awaitingReconciliation: 1 });
    expect(calls.counts).toEqual({ charge: 0, lookUpCharge: 1 });
    expect(charges.count()).toBe(0);
    expect(await store.getOrder(tenant, order.id)).toMatchObject({ status: 'PENDING' });
    expect(await leaseOf(tenant, order.id)).toMatchObject({
      paymentId: paymentIdOf(x),
      flaggedAt: expect.any(Number),
    });
  });
});
