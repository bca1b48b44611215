/**
 * Attempts that crash holding an order's lease, and what happens when the lease has expired and
 * the crashed attempt's own retry races a payment with another key (issue 12, hole 2). The
 * retry is stopped at its claim of the order while the other payer runs to the end: the moment
 * the hostile review found.
 */
import { createPayment } from '../../../lambda/domain/create-payment';
import { PAYMENT_LEASE_SECONDS } from '../../../lambda/domain/payment';
import {
  aProcessor,
  aPaymentCommand,
  aPendingOrder,
  anOrdersStore,
  crashingAt,
  Crash,
  dependencies,
  leaseOf,
  pausingAt,
} from '../support/domain';

const store = anOrdersStore();
/** Long after any lease taken at `t0` has expired, whatever margin is allowed for clock skew. */
const LATER_MS = 10 * PAYMENT_LEASE_SECONDS * 1000;

/**
 * The order of a new tenant, claimed by the attempt of `token` at `t0`, which charged the card
 * and died before recording the outcome.
 */
async function anAttemptThatCrashedAfterTheCharge(token: string) {
  const processor = aProcessor();
  const { tenant, order } = await aPendingOrder(store);
  const crashed = aPaymentCommand(tenant, order, token);
  const t0 = Date.now();
  await expect(
    createPayment(dependencies(crashingAt(store, 'recordPayment'), processor, t0), crashed),
  ).rejects.toBeInstanceOf(Crash);
  return { processor, tenant, order, crashed, t0 };
}

describe("a crashed attempt's retry racing another key after the lease expired", () => {
  it('answers the retry with the payment its key made (201), never order_already_paid', async () => {
    const { processor, tenant, order, crashed, t0 } =
      await anAttemptThatCrashedAfterTheCharge('tok_visa');
    const retry = pausingAt(store, 'claimOrder');
    const retrying = createPayment(dependencies(retry.store, processor, t0 + LATER_MS), crashed);
    await retry.reached;

    const other = createPayment(
      dependencies(store, processor, t0 + LATER_MS),
      aPaymentCommand(tenant, order, 'tok_visa'),
    );
    await expect(other).rejects.toMatchObject({ name: 'OrderAlreadyPaid' });
    retry.release();
    const answered = await retrying;

    expect(answered.resource).toMatchObject({ orderId: order.id, status: 'SUCCEEDED' });
    expect(answered.existed).toBe(true);
    expect(processor.chargesMade).toBe(1);
    expect(await leaseOf(tenant, order.id)).toBeUndefined();
  });

  it('leaves no lease behind when the card was declined: the next payment pays the order', async () => {
    const { processor, tenant, order, crashed, t0 } =
      await anAttemptThatCrashedAfterTheCharge('tok_chargeDeclined');
    const retry = pausingAt(store, 'claimOrder');
    const retrying = createPayment(dependencies(retry.store, processor, t0 + LATER_MS), crashed);
    await retry.reached;

    const declined = await createPayment(
      dependencies(store, processor, t0 + LATER_MS),
      aPaymentCommand(tenant, order, 'tok_chargeDeclined'),
    );
    retry.release();
    const answered = await retrying;
    const leaseAfterTheRace = await leaseOf(tenant, order.id);
    const next = await createPayment(
      dependencies(store, processor, t0 + 2 * LATER_MS),
      aPaymentCommand(tenant, order, 'tok_visa'),
    );

    expect(declined.resource.status).toBe('DECLINED');
    expect(answered.resource).toMatchObject({ orderId: order.id, status: 'DECLINED' });
    expect(answered.existed).toBe(true);
    expect(leaseAfterTheRace).toBeUndefined();
    expect(next.resource).toMatchObject({ orderId: order.id, status: 'SUCCEEDED' });
    expect(processor.chargesMade).toBe(3);
  });
});

describe('an attempt paused longer than its lease', () => {
  it.each([
    ['tok_visa', 'SUCCEEDED'],
    ['tok_chargeDeclined', 'DECLINED'],
  ])(
    'with %s: another key finishes it, the paused attempt answers with that very payment, one charge per id',
    async (token, status) => {
      const processor = aProcessor();
      const { tenant, order } = await aPendingOrder(store);
      const slow = aPaymentCommand(tenant, order, token);
      const t0 = Date.now();
      const paused = pausingAt(store, 'recordPayment');
      const pausedAttempt = createPayment(dependencies(paused.store, processor, t0), slow);
      await paused.reached;

      const other = createPayment(
        dependencies(store, processor, t0 + LATER_MS),
        aPaymentCommand(tenant, order, 'tok_visa'),
      ).then(
        (created) => created.resource.status,
        (error: Error) => error.name,
      );
      const otherOutcome = await other;
      paused.release();
      const answered = await pausedAttempt;

      expect(otherOutcome).toBe(status === 'SUCCEEDED' ? 'OrderAlreadyPaid' : 'SUCCEEDED');
      expect(answered.resource).toMatchObject({ orderId: order.id, status });
      expect(processor.chargesMade).toBe(status === 'SUCCEEDED' ? 1 : 2);
      expect(await leaseOf(tenant, order.id)).toBeUndefined();
    },
  );
});
