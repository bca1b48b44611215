/**
 * Hole 1 of issue 12: an attempt that died after the processor captured its charge leaves its
 * lease on the order; whoever finds the lease expired, however long afterwards, must not charge
 * again, because the processor may have forgotten the key by then (a forgotten key is a new
 * charge). Past the safe age an attempt is settled by looking its payment id up; when the
 * processor cannot tell, the order is flagged for reconciliation and nothing charges it.
 *
 * The domain operation runs with injected dependencies: the real store on the engine, the real
 * sandbox processor on a clock the test moves, and a process that dies around the charge.
 */
import { createPayment, type CreatePaymentCommand } from '../../../lambda/domain/create-payment';
import { DEFAULT_CLOCK_SKEW_MARGIN_MS } from '../../../lambda/domain/payment';
import type { PaymentProcessor } from '../../../lambda/domain/payment-processor';
import { aPaymentCommand, aPendingOrder, anOrdersStore, leaseOf } from '../support/domain';
import {
  aSandboxOnAManualClock,
  countingCalls,
  dyingAfterTheCharge,
  dyingBeforeTheCharge,
  HOUR,
  MINUTE,
  paymentIdOf,
  ProcessDied,
} from './support';

const store = anOrdersStore();
const SAFE_AGE_MS = HOUR;

/** An order, and its payment X whose process died at the charge (after it, or before it). */
async function anAttemptThatDied(when: 'after the charge' | 'before the charge', token?: string) {
  const { processor, clock, advance, charges } = aSandboxOnAManualClock();
  const { tenant, order } = await aPendingOrder(store);
  const x = aPaymentCommand(tenant, order, token);
  const dying = when === 'after the charge' ? dyingAfterTheCharge : dyingBeforeTheCharge;
  const pay = (command: CreatePaymentCommand, by: PaymentProcessor) =>
    createPayment(
      {
        store,
        processor: by,
        clock,
        clockSkewMarginMs: DEFAULT_CLOCK_SKEW_MARGIN_MS,
        recoverySafeAgeMs: SAFE_AGE_MS,
      },
      command,
    );
  await expect(pay(x, dying(processor))).rejects.toThrow(ProcessDied);
  const calls = countingCalls(processor);
  return { tenant, order, x, processor, charges, calls, advance, pay };
}

describe('a payment attempt that died after the charge, found 25 hours later', () => {
  it('is settled for its own retry by looking it up, without charging it again', async () => {
    const { x, charges, calls, advance, pay } = await anAttemptThatDied('after the charge');

    advance(25 * HOUR);
    const retry = await pay(x, calls);

    expect(charges.withKey(paymentIdOf(x))).toBe(1);
    expect(calls.counts).toEqual({ charge: 0, lookUpCharge: 1 });
    expect(retry).toEqual({
      resource: expect.objectContaining({ id: paymentIdOf(x), status: 'SUCCEEDED' }),
      existed: false,
    });
  });

  it('is settled for a payment with another key, which is told the order is paid', async () => {
    const { tenant, order, x, charges, calls, advance, pay } =
      await anAttemptThatDied('after the charge');

    advance(25 * HOUR);
    const other = pay(aPaymentCommand(tenant, order), calls);

    await expect(other).rejects.toMatchObject({ name: 'OrderAlreadyPaid' });
    expect(charges.count()).toBe(1);
    expect(calls.counts).toEqual({ charge: 0, lookUpCharge: 1 });
    expect(await store.getOrder(tenant, order.id)).toMatchObject({
      status: 'PAID',
      paymentId: paymentIdOf(x),
    });
    expect((await store.getPayment(tenant, paymentIdOf(x)))?.resource.status).toBe('SUCCEEDED');
    expect(await leaseOf(tenant, order.id)).toBeUndefined();
  });

  it('records a declined charge as DECLINED, and the other key pays the order', async () => {
    const { tenant, order, x, charges, calls, advance, pay } = await anAttemptThatDied(
      'after the charge',
      'tok_insufficientFunds',
    );
    const y = aPaymentCommand(tenant, order);

    advance(25 * HOUR);
    const other = await pay(y, calls);

    expect(other.resource).toMatchObject({ id: paymentIdOf(y), status: 'SUCCEEDED' });
    const payments = await store.listPayments(tenant, order.id);
    expect(payments).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          id: paymentIdOf(x),
          status: 'DECLINED',
          declineCode: 'insufficient_funds',
        }),
        expect.objectContaining({ id: paymentIdOf(y), status: 'SUCCEEDED' }),
      ]),
    );
    expect(payments).toHaveLength(2);
    expect(charges.withKey(paymentIdOf(x))).toBe(1);
    expect(calls.counts).toEqual({ charge: 1, lookUpCharge: 1 });
  });
});

describe('the safe age', () => {
  it.each([
    [
      '59 minutes',
      59 * MINUTE,
      'charged again under its payment id',
      { charge: 1, lookUpCharge: 0 },
    ],
    ['60 minutes', 60 * MINUTE, 'looked up', { charge: 0, lookUpCharge: 1 }],
  ])('an attempt found %s after it started is %s', async (_label, age, _how, counts) => {
    const { tenant, order, x, charges, calls, advance, pay } =
      await anAttemptThatDied('after the charge');

    advance(age);
    await expect(pay(aPaymentCommand(tenant, order), calls)).rejects.toMatchObject({
      name: 'OrderAlreadyPaid',
    });

    expect(calls.counts).toEqual(counts);
    expect(charges.withKey(paymentIdOf(x))).toBe(1);
  });

  it('counts from the first claim: a retry that renewed the lease does not make it young', async () => {
    const { tenant, order, x, processor, charges, calls, advance, pay } =
      await anAttemptThatDied('after the charge');
    // The retry dies too, 50 minutes on: under the safe age, so it charges (answered from the
    // key), having renewed the lease without restarting the attempt's age.
    advance(50 * MINUTE);
    await expect(pay(x, dyingAfterTheCharge(processor))).rejects.toThrow(ProcessDied);

    advance(25 * HOUR);
    await expect(pay(aPaymentCommand(tenant, order), calls)).rejects.toMatchObject({
      name: 'OrderAlreadyPaid',
    });

    expect(calls.counts).toEqual({ charge: 0, lookUpCharge: 1 });
    expect(charges.withKey(paymentIdOf(x))).toBe(1);
  });
});

describe('an attempt the processor cannot account for', () => {
  it('flags the order for reconciliation instead of charging anything', async () => {
    const { tenant, order, x, charges, calls, advance, pay } =
      await anAttemptThatDied('before the charge');

    advance(25 * HOUR);
    const other = pay(aPaymentCommand(tenant, order), calls);

    await expect(other).rejects.toMatchObject({
      name: 'OrderUnderReconciliation',
      orderId: order.id,
      paymentId: paymentIdOf(x),
      flaggedNow: true,
    });
    expect(calls.counts).toEqual({ charge: 0, lookUpCharge: 1 });
    expect(charges.count()).toBe(0);
    expect(await store.getOrder(tenant, order.id)).toMatchObject({ status: 'PENDING' });
    expect(await store.getPayment(tenant, paymentIdOf(x))).toBeUndefined();
    expect(await leaseOf(tenant, order.id)).toMatchObject({
      paymentId: paymentIdOf(x),
      flaggedAt: expect.any(Number),
    });
  });

  it('keeps every later payment of the order, its own retry included, from charging', async () => {
    const { tenant, order, x, charges, calls, advance, pay } =
      await anAttemptThatDied('before the charge');
    advance(25 * HOUR);
    await expect(pay(aPaymentCommand(tenant, order), calls)).rejects.toMatchObject({
      name: 'OrderUnderReconciliation',
    });

    advance(HOUR);
    const later = pay(aPaymentCommand(tenant, order), calls);
    await expect(later).rejects.toMatchObject({
      name: 'OrderUnderReconciliation',
      flaggedNow: false,
    });
    const ownRetry = pay(x, calls);
    await expect(ownRetry).rejects.toMatchObject({
      name: 'OrderUnderReconciliation',
      flaggedNow: false,
    });
    // One lookup, when the order was flagged; none since.
    expect(calls.counts).toEqual({ charge: 0, lookUpCharge: 1 });
    expect(charges.count()).toBe(0);
  });
});
