import { orderKey, paymentKey } from '../../../lambda/store/keys';
import { localPrincipal } from '../../../local/proxy-event';
import type { SandboxCharge } from '../../../lambda/adapters/sandbox-payment-processor';
import type { Item, StoredState } from '../../../scripts/exactly-once/stored-state';
import {
  verifyAnswer,
  verifyAnswersAgree,
  verifyCharges,
  verifyFirstAnswers,
  verifyFlags,
  verifyReconciliationAnswers,
  verifyStoredState,
} from '../../../scripts/exactly-once/verify';
import type { Answer, Exchange, LogicalRequest } from '../../../scripts/exactly-once/workload';

const tenant = 'acme';
const order = { id: 'ord_1', customerId: 'cus_1', currency: 'USD', amount: 100 };
const createdAt = '2026-01-01T00:00:00.000Z';

const anOrderRequest = (): LogicalRequest => ({
  tenant,
  path: '/orders',
  idempotencyKey: 'order-key',
  body: {},
  resourceId: order.id,
});
const aPaymentRequest = (paymentId: string): LogicalRequest => ({
  tenant,
  path: '/payments',
  idempotencyKey: `key-${paymentId}`,
  body: { orderId: order.id },
  resourceId: paymentId,
});
const anAnswer = (status: number, body: unknown, replayed = false): Answer => ({
  status,
  body: JSON.stringify(body),
  contentType: status < 300 ? 'application/json' : 'application/problem+json',
  location: undefined,
  replayed,
});
const DAY_MS = 24 * 60 * 60 * 1000;
/** A charge the processor made under `idempotencyKey`, as its ledger holds it. */
const aCharge = (
  outcome: 'succeeded' | 'declined',
  at = Date.parse(createdAt),
  idempotencyKey = 'pay_1',
): SandboxCharge => ({
  idempotencyKey,
  outcome:
    outcome === 'succeeded' ? { outcome } : { outcome, declineCode: 'card_declined' as const },
  at,
});
const aPayment = (id: string, status = 'SUCCEEDED') => ({
  id,
  orderId: order.id,
  amount: 100,
  currency: 'USD',
  status,
  createdAt,
});

/** A run in which one order was paid by `pay_1`: what the clients saw and what is stored. */
function aCleanRun() {
  const orderItem: Item = {
    ...orderKey(localPrincipal(tenant), order.id),
    ...order,
    status: 'PAID',
    createdAt,
    paymentId: 'pay_1',
  };
  const exchanges: Exchange[] = [
    { request: anOrderRequest(), answers: [anAnswer(201, { ...order, createdAt })] },
    { request: aPaymentRequest('pay_1'), answers: [anAnswer(201, aPayment('pay_1'))] },
  ];
  const state: StoredState = {
    orders: new Map([[orderKey(localPrincipal(tenant), order.id).pk, orderItem]]),
    payments: new Map([[paymentKey(localPrincipal(tenant), 'pay_1').pk, aPayment('pay_1')]]),
    unexpectedItems: [],
    incompleteIdempotencyRecords: 0,
  };
  const charges = new Map<string, SandboxCharge[]>([['pay_1', [aCharge('succeeded')]]]);
  return { exchanges, state, charges };
}

function violationsOf({ exchanges, state, charges }: ReturnType<typeof aCleanRun>) {
  const charged = verifyCharges(charges, exchanges);
  return [
    ...charged.violations,
    ...verifyStoredState(state, exchanges, charged.chargedByOrder).violations,
    ...verifyAnswersAgree(exchanges),
    ...verifyFirstAnswers(exchanges),
  ];
}

const orderItemOf = (run: ReturnType<typeof aCleanRun>) =>
  run.state.orders.get(orderKey(localPrincipal(tenant), order.id).pk) as Item;

describe('the checker', () => {
  it('finds nothing wrong with a run that kept its promises', () => {
    expect(violationsOf(aCleanRun())).toEqual([]);
  });

  it('finds an order with two SUCCEEDED payments', () => {
    const run = aCleanRun();
    run.exchanges.push({
      request: aPaymentRequest('pay_2'),
      answers: [anAnswer(201, aPayment('pay_2'))],
    });
    (run.state.payments as Map<string, Item>).set(
      paymentKey(localPrincipal(tenant), 'pay_2').pk,
      aPayment('pay_2'),
    );

    expect(violationsOf(run)).toContain('ord_1: 2 SUCCEEDED payments');
  });

  it('finds a charge that no stored payment records', () => {
    const run = aCleanRun();
    run.exchanges.push({
      request: aPaymentRequest('pay_2'),
      answers: [anAnswer(409, { code: 'order_already_paid' })],
    });
    run.charges.set('pay_2', [aCharge('succeeded', Date.parse(createdAt), 'pay_2')]);

    expect(violationsOf(run)).toContain('ord_1: charged by pay_1, pay_2, succeeded: pay_1');
  });

  it("finds a resource stored under another tenant's key", () => {
    const run = aCleanRun();
    (run.state.orders as Map<string, Item>).set(orderKey(localPrincipal('globex'), 'ord_1').pk, {
      ...order,
      status: 'PENDING',
    });

    expect(violationsOf(run)).toContain('ord_1: a resource no key derives');
  });

  it('finds a replay that differs from the first answer', () => {
    const run = aCleanRun();
    run.exchanges[0]?.answers.push(anAnswer(201, { ...order, createdAt: 'later' }, true));

    expect(violationsOf(run)).toEqual([
      expect.stringMatching(/^\/orders acme\/order-key: answered 201/),
    ]);
  });

  /** A clean run whose order still holds a lease of `paymentId`. */
  const aRunLeftWithALease = (paymentId: string) => {
    const run = aCleanRun();
    (run.state.orders as Map<string, Item>).set(orderKey(localPrincipal(tenant), order.id).pk, {
      ...orderItemOf(run),
      lease: { paymentId, expiresAt: 0 },
    });
    return run;
  };

  it('finds a lease left on an order whose attempt is recorded', () => {
    expect(violationsOf(aRunLeftWithALease('pay_1'))).toEqual([
      'ord_1: a lease left behind by pay_1, which is recorded',
    ]);
  });

  it('finds a lease left at all once the run settled', () => {
    expect(violationsOf(aRunLeftWithALease('pay_9'))).toEqual([
      "ord_1: a payment attempt's lease was left behind",
    ]);
  });

  it.each(['order_already_paid', 'payment_in_progress'])(
    'finds the key whose payment exists answered %s',
    (code) => {
      const run = aCleanRun();
      run.exchanges[1]?.answers.push(anAnswer(409, { code }, true));

      expect(violationsOf(run)).toContain(
        `/payments acme/key-pay_1: its payment exists, yet it was answered ${code}`,
      );
    },
  );

  it('finds a first answer marked replayed, unless the first execution was cut short', () => {
    const run = aCleanRun();
    const [orderExchange, paymentExchange] = run.exchanges;
    if (!orderExchange || !paymentExchange) throw new Error('a clean run has two exchanges');
    orderExchange.answers[0] = anAnswer(201, { ...order, createdAt }, true);
    orderExchange.initialAnswers = 1;
    paymentExchange.answers[0] = anAnswer(201, aPayment('pay_1'), true);
    paymentExchange.initialAnswers = 1;
    paymentExchange.disturbed = 'crash at after-business-write';

    expect(violationsOf(run)).toEqual([
      '/orders acme/order-key: its first answer was marked replayed',
    ]);
  });

  it('finds a payment id the processor captured twice (it had forgotten the key)', () => {
    const run = aCleanRun();
    run.charges.set('pay_1', [
      aCharge('succeeded'),
      aCharge('succeeded', Date.parse(createdAt) + 1.5 * DAY_MS),
    ]);

    expect(violationsOf(run)).toEqual([
      'pay_1: captured 2 times (2026-01-01T00:00:00.000Z, 2026-01-02T12:00:00.000Z)',
    ]);
  });

  it('finds a declined payment id charged again under its key', () => {
    const run = aCleanRun();
    run.charges.set('pay_2', [
      aCharge('declined', Date.parse(createdAt), 'pay_2'),
      aCharge('declined', Date.parse(createdAt) + 1.5 * DAY_MS, 'pay_2'),
    ]);
    run.exchanges.push({
      request: aPaymentRequest('pay_2'),
      answers: [anAnswer(409, { code: 'order_already_paid' })],
    });

    expect(violationsOf(run)).toEqual([
      'pay_2: charged 2 times under one processor key (2026-01-01T00:00:00.000Z, 2026-01-02T12:00:00.000Z)',
    ]);
  });

  it('finds an order flagged though the processor had charged its attempt, beyond the skew margin', () => {
    const flaggedAt = Date.parse(createdAt) + DAY_MS;
    const flag = (paymentId: string) => ({ orderId: 'ord_1', paymentId, at: flaggedAt });
    const ledger = new Map<string, SandboxCharge[]>([
      ['pay_1', [aCharge('succeeded', flaggedAt - 6_000)]],
      ['pay_2', [aCharge('succeeded', flaggedAt - 4_000, 'pay_2')]],
    ]);

    expect(verifyFlags([flag('pay_1'), flag('pay_2'), flag('pay_3')], ledger, 5_000)).toEqual([
      'ord_1: flagged for reconciliation at 2026-01-02T00:00:00.000Z, though the processor had charged pay_1 at 2026-01-01T23:59:54.000Z',
    ]);
  });

  it('finds order_under_reconciliation answered for an order that was never flagged', () => {
    const run = aCleanRun();
    run.exchanges.push({
      request: aPaymentRequest('pay_2'),
      answers: [anAnswer(409, { code: 'order_already_paid' })],
      underReconciliation: 1,
    });

    expect(verifyReconciliationAnswers(run.exchanges, new Set(['ord_1']))).toEqual([]);
    expect(verifyReconciliationAnswers(run.exchanges, new Set())).toEqual([
      '/payments acme/key-pay_2: answered order_under_reconciliation, yet its order was never flagged',
    ]);
  });

  it.each([
    [409, 'payment_in_progress'],
    [503, 'service_unavailable'],
  ])('finds a final answer %i %s, which the API does not store', (status, code) => {
    const problem = verifyAnswer(
      aPaymentRequest('pay_2'),
      anAnswer(status, { code }),
      undefined,
      undefined,
    );

    expect(problem).toBe(`answered ${status} ${code}, which the API does not store`);
  });
});
