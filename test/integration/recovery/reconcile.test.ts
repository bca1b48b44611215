/**
 * The operator's path for an order flagged for reconciliation (`npm run reconcile`,
 * docs/operations.md), on the real store: list the flagged orders, settle one with what the
 * processor's records say, and the order is paid, or payable again. Nothing is charged.
 */
import { createPayment, type CreatePaymentCommand } from '../../../lambda/domain/create-payment';
import { DEFAULT_CLOCK_SKEW_MARGIN_MS } from '../../../lambda/domain/payment';
import type { PaymentProcessor } from '../../../lambda/domain/payment-processor';
import { reconcile, UsageError } from '../../../scripts/reconcile/reconcile';
import { aPaymentCommand, aPendingOrder } from '../support/domain';
import {
  aSandboxOnAManualClock,
  aStoreOnItsOwnTable,
  dyingBeforeTheCharge,
  HOUR,
  paymentIdOf,
  ProcessDied,
} from './support';

/** An order flagged for reconciliation: its attempt X died before the charge, found 25 h later. */
async function aFlaggedOrder() {
  const { store, leaseOf } = await aStoreOnItsOwnTable();
  const { processor, clock, advance, charges } = aSandboxOnAManualClock();
  const { tenant, order } = await aPendingOrder(store);
  const pay = (command: CreatePaymentCommand, by: PaymentProcessor = processor) =>
    createPayment(
      {
        store,
        processor: by,
        clock,
        clockSkewMarginMs: DEFAULT_CLOCK_SKEW_MARGIN_MS,
        recoverySafeAgeMs: HOUR,
      },
      command,
    );
  const x = aPaymentCommand(tenant, order);
  await expect(pay(x, dyingBeforeTheCharge(processor))).rejects.toThrow(ProcessDied);
  advance(25 * HOUR);
  await expect(pay(aPaymentCommand(tenant, order))).rejects.toMatchObject({
    name: 'OrderUnderReconciliation',
  });
  const printed: string[] = [];
  const run = (...args: string[]) =>
    reconcile(args, { store, clock, print: (line) => printed.push(line) });
  return { store, leaseOf, tenant, order, x, charges, pay, run, printed };
}

it('lists the flagged order with what the processor needs to look its payment id up', async () => {
  const { order, x, run, printed } = await aFlaggedOrder();

  await run('list');

  expect(printed.map((line) => JSON.parse(line) as unknown)).toEqual([
    {
      tenant: x.tenant,
      orderId: order.id,
      paymentId: paymentIdOf(x),
      amount: order.amount,
      currency: order.currency,
      startedAt: expect.any(String),
      flaggedAt: expect.any(String),
    },
  ]);
});

it('settles a captured charge: the payment is recorded, the order PAID, the attempt answered', async () => {
  const { store, leaseOf, tenant, order, x, charges, pay, run, printed } = await aFlaggedOrder();

  await run('settle', '--order', order.id, '--outcome', 'captured');
  await run('list');

  expect(JSON.parse(printed[0] ?? '{}')).toMatchObject({ settled: 'recorded' });
  expect(printed).toHaveLength(1); // nothing flagged any more
  expect(await store.getOrder(tenant, order.id)).toMatchObject({
    status: 'PAID',
    paymentId: paymentIdOf(x),
  });
  expect(await leaseOf(tenant, order.id)).toBeUndefined();
  await expect(pay(x)).resolves.toMatchObject({
    resource: { id: paymentIdOf(x), status: 'SUCCEEDED' },
    existed: true,
  });
  expect(charges.count()).toBe(0);
});

it('settles a declined charge: recorded as DECLINED, and the order payable', async () => {
  const { store, tenant, order, x, run } = await aFlaggedOrder();

  await run(
    'settle',
    '--order',
    order.id,
    '--outcome',
    'declined',
    '--decline-code',
    'card_declined',
  );

  expect((await store.getPayment(tenant, paymentIdOf(x)))?.resource).toMatchObject({
    status: 'DECLINED',
    declineCode: 'card_declined',
  });
  expect(await store.getOrder(tenant, order.id)).toMatchObject({ status: 'PENDING' });
});

it('releases an order whose attempt never charged: another key pays it, once', async () => {
  const { store, leaseOf, tenant, order, charges, pay, run } = await aFlaggedOrder();

  await run('settle', '--order', order.id, '--outcome', 'not-charged');
  const paid = await pay(aPaymentCommand(tenant, order));

  expect(await leaseOf(tenant, order.id)).toBeUndefined();
  expect(paid.resource.status).toBe('SUCCEEDED');
  expect(charges.count()).toBe(1);
  expect(await store.getOrder(tenant, order.id)).toMatchObject({ status: 'PAID' });
});

it.each([
  [['settle', '--outcome', 'captured'], 'settle needs --order'],
  [['settle', '--order', 'ord_x', '--outcome', 'refunded'], '--outcome must be'],
  [['settle', '--order', 'ord_x', '--outcome', 'declined'], '--decline-code must be'],
  [['settle', '--order', 'ord_x', '--outcome', 'captured'], 'is not flagged'],
  [['purge'], 'unknown command purge'],
])('refuses %j', async (args, message) => {
  const { run } = await aFlaggedOrder();

  await expect(run(...args)).rejects.toThrow(UsageError);
  await expect(run(...args)).rejects.toThrow(message);
});
