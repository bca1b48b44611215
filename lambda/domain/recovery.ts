import type { Clock, HeldLease, Lease, OrdersStore, PaymentAttempt } from './ports';
import { leaseExpiry, paymentFromCharge, type Payment } from './payment';
import {
  PROCESSOR_KEY_RETENTION_MS,
  type ChargeResult,
  type DeclineCode,
  type PaymentProcessor,
} from './payment-processor';

/** How old an attempt may be and still be charged again under its payment id: one hour. */
export const DEFAULT_RECOVERY_SAFE_AGE_MS = 60 * 60 * 1000;

/**
 * The longest safe age allowed: half the processor's key retention, a margin for clocks that
 * disagree and for a processor that prunes keys early.
 */
export const MAX_RECOVERY_SAFE_AGE_MS = PROCESSOR_KEY_RETENTION_MS / 2;

export interface SettlementDependencies {
  readonly store: Pick<OrdersStore, 'renewLease' | 'recordPayment' | 'flagForReconciliation'>;
  readonly processor: PaymentProcessor;
  readonly clock: Clock;
  /**
   * An attempt older than this (ms since its first claim) is never charged again: the
   * processor may have forgotten its idempotency key, and a forgotten key is a new charge. It is
   * settled by looking its payment id up instead. Well inside the processor's key retention.
   */
  readonly recoverySafeAgeMs: number;
}

/** How an attempt was settled. */
export type Settlement =
  /** Its outcome is recorded (and the order PAID if it succeeded); its lease is released. */
  | {
      readonly kind: 'recorded';
      readonly payment: Payment;
      /** Charged under its payment id (young enough), or looked up (too old to charge). */
      readonly by: 'charge' | 'lookup';
    }
  /**
   * Too old to charge, and the processor cannot say what became of it: the order is flagged
   * for reconciliation and keeps the lease, so that nothing charges it until an operator has.
   */
  | { readonly kind: 'flagged' };

/**
 * Settles a payment attempt whose lease on the order the caller holds: a new attempt, the
 * retry of one whose process died, or another attempt's that the caller found abandoned.
 *
 * While the attempt is younger than the safe age, it is charged under its payment id: the
 * processor still holds that idempotency key, so a charge that went through is answered, not
 * repeated. An older attempt is never charged: its payment id is looked up and what the
 * processor reports is recorded; when it cannot tell, the order is flagged for reconciliation.
 *
 * @throws PaymentLeaseLost when the attempt no longer holds the order's lease
 */
export async function settleAttempt(
  dependencies: SettlementDependencies,
  tenant: string,
  attempt: PaymentAttempt,
): Promise<Settlement> {
  const { store, processor, clock, recoverySafeAgeMs } = dependencies;
  const { paymentId, fingerprint, draft } = attempt;
  let charge: ChargeResult;
  let by: 'charge' | 'lookup';
  if (isYoungEnoughToCharge(attempt, clock(), recoverySafeAgeMs)) {
    charge = await processor.charge({
      idempotencyKey: paymentId,
      amount: draft.amount,
      currency: draft.currency,
      paymentMethod: draft.paymentMethod,
    });
    by = 'charge';
  } else {
    const found = await processor.lookUpCharge(paymentId);
    if (found.outcome === 'unknown') {
      await store.flagForReconciliation(tenant, attempt, clock().getTime());
      return { kind: 'flagged' };
    }
    charge = found.outcome === 'captured' ? { outcome: 'succeeded' } : found;
    by = 'lookup';
  }
  const payment = await store.recordPayment(
    tenant,
    paymentFromCharge(paymentId, draft, charge, clock()),
    fingerprint,
  );
  return { kind: 'recorded', payment, by };
}

/**
 * True while the processor surely still remembers the attempt's idempotency key: it started
 * (first claimed the order) less than the safe age before `now`.
 */
export function isYoungEnoughToCharge(
  attempt: Pick<PaymentAttempt, 'startedAt'>,
  now: Date,
  recoverySafeAgeMs: number,
): boolean {
  return now.getTime() - attempt.startedAt < recoverySafeAgeMs;
}

export type Recovery =
  | Settlement
  /** Someone else renewed the lease first: they are settling the attempt. */
  | { readonly kind: 'in_progress' }
  /** The attempt had been recorded after all; its stale lease is gone. */
  | { readonly kind: 'recorded_before' };

/**
 * Settles an attempt that died holding `lease` (as found, expired or the caller's own), perhaps
 * after the processor charged: the lease is renewed for it, so that one caller at a time
 * settles it, then it is settled by its age ({@link settleAttempt}). The one way abandoned
 * attempts are finished: by a payment that finds the lease, and by the sweeper.
 *
 * @throws PaymentLeaseLost when the lease is taken from the attempt while it is settled
 */
export async function recoverAttempt(
  dependencies: SettlementDependencies,
  tenant: string,
  lease: Lease,
): Promise<Recovery> {
  const renewal = await dependencies.store.renewLease(
    tenant,
    lease,
    leaseExpiry(dependencies.clock()),
  );
  switch (renewal.kind) {
    case 'lost':
      return { kind: 'in_progress' };
    case 'recorded':
      return { kind: 'recorded_before' };
    case 'renewed':
      return settleAttempt(dependencies, tenant, lease);
  }
}

/**
 * What an operator found in the processor's own records (its dashboard, its support) for a
 * flagged attempt's payment id.
 */
export type ReconciliationFinding =
  | { readonly outcome: 'captured' }
  | { readonly outcome: 'declined'; readonly declineCode: DeclineCode }
  /** No charge was made under the payment id: the order is payable again. */
  | { readonly outcome: 'not_charged' };

export interface ReconciliationDependencies {
  readonly store: Pick<OrdersStore, 'recordPayment' | 'releaseFlaggedLease'>;
  readonly clock: Clock;
}

/**
 * Settles an attempt flagged for reconciliation with what an operator found: a charge captured
 * or declined is recorded as its payment (a captured one pays the order), as recovery would have
 * if the processor's lookup had known; a payment id never charged releases the order, and the
 * attempt's own retry may then pay it. Nothing is charged.
 *
 * @returns the recorded payment, or `released`
 * @throws PaymentLeaseLost when the lease is no longer the attempt's (settled already)
 */
export async function reconcileFlaggedAttempt(
  { store, clock }: ReconciliationDependencies,
  { tenant, lease }: HeldLease,
  finding: ReconciliationFinding,
): Promise<Payment | 'released'> {
  if (finding.outcome === 'not_charged') {
    await store.releaseFlaggedLease(tenant, lease);
    return 'released';
  }
  const charge: ChargeResult = finding.outcome === 'captured' ? { outcome: 'succeeded' } : finding;
  return store.recordPayment(
    tenant,
    paymentFromCharge(lease.paymentId, lease.draft, charge, clock()),
    lease.fingerprint,
  );
}
