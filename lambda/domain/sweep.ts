import type { HeldLease, OrdersStore } from './ports';
import type { Payment } from './payment';
import { recoverAttempt, type SettlementDependencies } from './recovery';

export interface SweepDependencies extends SettlementDependencies {
  readonly store: SettlementDependencies['store'] &
    Pick<OrdersStore, 'expiredLeases' | 'flaggedLeases'>;
  /**
   * How far apart the instances' clocks may be (ms): a lease is swept only this long after the
   * expiry its writer's clock gave it, so that no live attempt loses its lease.
   */
  readonly clockSkewMarginMs: number;
}

/** What one sweep did. */
export interface SweepReport {
  /** Abandoned attempts settled and recorded: by a charge under their key, or by lookup. */
  readonly recorded: readonly { readonly payment: Payment; readonly by: 'charge' | 'lookup' }[];
  /** Attempts too old to charge that the processor could not account for: flagged now. */
  readonly flagged: readonly HeldLease[];
  /** Leases someone else was settling, or had recorded, by the time the sweep got to them. */
  readonly skipped: number;
  /** Attempts whose settling failed (a store or processor error): the next sweep tries again. */
  readonly failed: readonly { readonly held: HeldLease; readonly error: unknown }[];
  /** Orders waiting for an operator's reconciliation once the sweep is done. */
  readonly awaitingReconciliation: number;
}

/**
 * Finishes the payment attempts whose process died holding an order's lease: every lease that
 * expired (by more than the clock skew margin) is settled through the same recovery a payment
 * of the order would run ({@link recoverAttempt}): charged under its own processor key while
 * the processor surely remembers it, looked up after that, flagged for reconciliation when the
 * processor cannot tell. Run on a schedule, it settles abandoned attempts within minutes instead
 * of when the next request for the order happens to arrive.
 *
 * Safe to run alongside payments and other sweeps: each lease is renewed before it is settled,
 * and only one renewal of a lease as found succeeds. One attempt's failure does not stop the
 * others; it is reported, and the next sweep finds the lease again.
 */
export async function sweepAbandonedAttempts(
  dependencies: SweepDependencies,
): Promise<SweepReport> {
  const { store, clock, clockSkewMarginMs } = dependencies;
  const before = clock().getTime() - clockSkewMarginMs;
  const recorded: { payment: Payment; by: 'charge' | 'lookup' }[] = [];
  const flagged: HeldLease[] = [];
  const failed: { held: HeldLease; error: unknown }[] = [];
  let skipped = 0;
  for await (const held of store.expiredLeases(before)) {
    try {
      const recovery = await recoverAttempt(dependencies, held.tenant, held.lease);
      switch (recovery.kind) {
        case 'recorded':
          recorded.push({ payment: recovery.payment, by: recovery.by });
          break;
        case 'flagged':
          flagged.push(held);
          break;
        case 'in_progress':
        case 'recorded_before':
          skipped += 1;
          break;
      }
    } catch (error) {
      failed.push({ held, error });
    }
  }
  let awaitingReconciliation = 0;
  for await (const _ of store.flaggedLeases()) awaitingReconciliation += 1;
  return { recorded, flagged, skipped, failed, awaitingReconciliation };
}
