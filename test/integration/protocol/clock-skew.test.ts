/**
 * Lease expiry is judged by the clock of whichever instance looks (issue 12, hole 4). An
 * instance whose clock runs ahead must not take over a live lease while its skew stays within
 * the configured margin; beyond it, the lease is expired for everyone.
 */
import { createPayment } from '../../../lambda/domain/create-payment';
import { PAYMENT_LEASE_SECONDS } from '../../../lambda/domain/payment';
import { DEFAULT_RECOVERY_SAFE_AGE_MS } from '../../../lambda/domain/recovery';
import type {
  ChargeRequest,
  ChargeResult,
  PaymentProcessor,
} from '../../../lambda/domain/payment-processor';
import {
  aPaymentCommand,
  aPendingOrder,
  anOrdersStore,
  aProcessor,
  clockAt,
  Crash,
} from '../support/domain';

const store = anOrdersStore();
const MARGIN_MS = 5_000;
const SAFE_AGE_MS = DEFAULT_RECOVERY_SAFE_AGE_MS;
const LEASE_MS = PAYMENT_LEASE_SECONDS * 1000;

/** The sandbox, except that the first charge waits at the processor until `release()`. */
function aProcessorHoldingTheFirstCharge() {
  const sandbox = aProcessor();
  const charges: ChargeRequest[] = [];
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let arrive!: () => void;
  const reached = new Promise<void>((resolve) => (arrive = resolve));
  const processor: PaymentProcessor = {
    acceptsPaymentMethod: (method) => sandbox.acceptsPaymentMethod(method),
    lookUpCharge: (paymentId) => sandbox.lookUpCharge(paymentId),
    async charge(request): Promise<ChargeResult> {
      charges.push(request);
      if (charges.length === 1) {
        arrive();
        await released;
      }
      return sandbox.charge(request);
    },
  };
  return { processor, charges, reached, release };
}

describe('an instance whose clock runs ahead', () => {
  it.each([
    ['by the lease', LEASE_MS],
    ['by the lease and almost the margin', LEASE_MS + MARGIN_MS - 1],
  ])(
    '%s does not take over a live lease: payment_in_progress, one charge in flight',
    async (_, skewMs) => {
      const { processor, charges, reached, release } = aProcessorHoldingTheFirstCharge();
      const { tenant, order } = await aPendingOrder(store);
      const t0 = Date.now();
      const holder = createPayment(
        {
          store,
          processor,
          clock: clockAt(t0),
          clockSkewMarginMs: MARGIN_MS,
          recoverySafeAgeMs: SAFE_AGE_MS,
        },
        aPaymentCommand(tenant, order),
      );
      await reached;

      const ahead = createPayment(
        {
          store,
          processor,
          clock: clockAt(t0 + skewMs),
          clockSkewMarginMs: MARGIN_MS,
          recoverySafeAgeMs: SAFE_AGE_MS,
        },
        aPaymentCommand(tenant, order),
      ).then(
        () => 'created',
        (error: Error) => error.name,
      );
      const aheadOutcome = await ahead;
      release();
      const held = await holder;

      expect(aheadOutcome).toBe('PaymentInProgress');
      expect(charges).toHaveLength(1);
      expect(held.resource.status).toBe('SUCCEEDED');
    },
  );

  it('beyond the margin finds the lease expired, and finishes the attempt with its own processor key', async () => {
    const processor = aProcessor();
    const { tenant, order } = await aPendingOrder(store);
    const t0 = Date.now();
    const abandoned = aPaymentCommand(tenant, order);
    const dyingAtTheCharge: PaymentProcessor = {
      acceptsPaymentMethod: () => true,
      charge: () => Promise.reject(new Crash('crashed at the charge')),
      lookUpCharge: (paymentId) => processor.lookUpCharge(paymentId),
    };
    await expect(
      createPayment(
        {
          store,
          processor: dyingAtTheCharge,
          clock: clockAt(t0),
          clockSkewMarginMs: MARGIN_MS,
          recoverySafeAgeMs: SAFE_AGE_MS,
        },
        abandoned,
      ),
    ).rejects.toBeInstanceOf(Crash);

    const outcome = await createPayment(
      {
        store,
        processor,
        clock: clockAt(t0 + LEASE_MS + MARGIN_MS + 1),
        clockSkewMarginMs: MARGIN_MS,
        recoverySafeAgeMs: SAFE_AGE_MS,
      },
      aPaymentCommand(tenant, order),
    ).then(
      () => 'created',
      (error: Error) => error.name,
    );

    expect(outcome).toBe('OrderAlreadyPaid');
    expect(processor.chargesMade).toBe(1);
    expect(await store.getOrder(tenant, order.id)).toMatchObject({ status: 'PAID' });
  });
});
