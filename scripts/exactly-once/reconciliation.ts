/**
 * The operator's part in a checker run (docs/operations.md, "Orders flagged for
 * reconciliation"): once the workload is done, every flagged order is settled with
 * `npm run reconcile`'s own commands, from what the processor's records say of the flagged
 * attempt's payment id. The run's processor is the one sandbox every server shared, and its
 * ledger is the whole truth: a payment id it never charged was not charged.
 */
import type { PaymentProcessor } from '../../lambda/domain/payment-processor';
import type { Clock, OrdersStore } from '../../lambda/domain/ports';
import { reconcile } from '../reconcile/reconcile';

export interface ReconciliationDependencies {
  readonly store: Pick<OrdersStore, 'flaggedLeases' | 'recordPayment' | 'releaseFlaggedLease'>;
  /** The processor whose records the operator reads. */
  readonly processor: Pick<PaymentProcessor, 'lookUpCharge'>;
  readonly clock: Clock;
  /**
   * Called once before anything is settled, when there is anything to settle: returns once no
   * payment attempt is running any more (the checker restarts every server). In production, an
   * attempt is flagged only once it is older than the safe age (an hour), long after any
   * invocation that ran it timed out; the checker's clock jumps make attempts that old while
   * their requests may still be alive.
   */
  readonly stopAttempts: () => Promise<void>;
}

export interface Reconciliation {
  /** The orders that were flagged, by id. */
  readonly orderIds: ReadonlySet<string>;
  /** How many were settled with each finding: captured, declined, not-charged. */
  readonly findings: Readonly<Record<string, number>>;
}

/** Settles every order flagged for reconciliation, as an operator would. */
export async function reconcileFlaggedOrders({
  store,
  processor,
  clock,
  stopAttempts,
}: ReconciliationDependencies): Promise<Reconciliation> {
  const listed: string[] = [];
  const run = (args: string[], print: (line: string) => void = () => {}) =>
    reconcile(args, { store, clock, print });
  await run(['list'], (line) => listed.push(line));
  const flagged = listed.map((line) => JSON.parse(line) as { orderId: string; paymentId: string });
  const findings: Record<string, number> = {};
  if (flagged.length > 0) await stopAttempts();
  for (const { orderId, paymentId } of flagged) {
    const found = await processor.lookUpCharge(paymentId);
    const outcome = found.outcome === 'unknown' ? 'not-charged' : found.outcome;
    const declineCode = found.outcome === 'declined' ? ['--decline-code', found.declineCode] : [];
    await run(['settle', '--order', orderId, '--outcome', outcome, ...declineCode]);
    findings[outcome] = (findings[outcome] ?? 0) + 1;
  }
  return { orderIds: new Set(flagged.map(({ orderId }) => orderId)), findings };
}
