/**
 * The operator's part in a checker run (docs/operations.md, "Orders flagged for
 * reconciliation"): once the workload is done and no attempt runs any more, every abandoned
 * attempt is swept one last time, as the scheduled sweeper would, and every flagged order is
 * settled with `npm run reconcile`'s own commands, from what the processor's records say of the
 * flagged attempt's payment id. The run's processor is the one sandbox every server shared, and
 * its ledger is the whole truth: a payment id it never charged was not charged.
 */
import type { PaymentProcessor } from '../../lambda/domain/payment-processor';
import type { Clock, OrdersStore } from '../../lambda/domain/ports';
import { DEFAULT_RECOVERY_SAFE_AGE_MS } from '../../lambda/domain/recovery';
import { sweepAbandonedAttempts } from '../../lambda/domain/sweep';
import { reconcile } from '../reconcile/reconcile';
import type { ReportedFlag } from './server-process';

export interface ReconciliationDependencies {
  readonly store: OrdersStore;
  /** The processor the servers shared: the sweep settles through it, the operator reads it. */
  readonly processor: PaymentProcessor;
  readonly clock: Clock;
  readonly clockSkewMarginMs: number;
  /**
   * Returns once no payment attempt runs any more and every lease an attempt held has expired
   * (the checker restarts every server and moves every clock past the lease). In production an
   * attempt is flagged only once it is older than the safe age (an hour), long after any
   * invocation that ran it timed out; the checker's clock jumps make attempts that old while
   * their requests may still be alive.
   */
  readonly stopAttempts: () => Promise<void>;
}

export interface Reconciliation {
  /** The flags the operator found, each with its order, payment id and time. */
  readonly flags: readonly ReportedFlag[];
  /** How many were settled with each finding: captured, declined, not-charged. */
  readonly findings: Readonly<Record<string, number>>;
}

/** How many rounds of sweeping and settling before the run is taken not to settle. */
const MAX_ROUNDS = 20;

/** Settles every abandoned attempt, and every order flagged for reconciliation, as an operator would. */
export async function reconcileFlaggedOrders(
  dependencies: ReconciliationDependencies,
): Promise<Reconciliation> {
  const { store, processor, clock, clockSkewMarginMs, stopAttempts } = dependencies;
  const run = (args: string[], print: (line: string) => void = () => {}) =>
    reconcile(args, { store, clock, print });
  await stopAttempts();
  const flags: ReportedFlag[] = [];
  const findings: Record<string, number> = {};
  // The servers' sweepers run meanwhile: round after round, until nothing is left to settle.
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const sweep = await sweepAbandonedAttempts({
      store,
      processor,
      clock,
      clockSkewMarginMs,
      recoverySafeAgeMs: DEFAULT_RECOVERY_SAFE_AGE_MS,
    });
    const listed: string[] = [];
    await run(['list'], (line) => listed.push(line));
    for (const line of listed) {
      const { orderId, paymentId, flaggedAt } = JSON.parse(line) as {
        orderId: string;
        paymentId: string;
        flaggedAt: string;
      };
      flags.push({ orderId, paymentId, at: Date.parse(flaggedAt) });
      const found = await processor.lookUpCharge(paymentId);
      const outcome = found.outcome === 'unknown' ? 'not-charged' : found.outcome;
      const declineCode = found.outcome === 'declined' ? ['--decline-code', found.declineCode] : [];
      await run(['settle', '--order', orderId, '--outcome', outcome, ...declineCode]);
      findings[outcome] = (findings[outcome] ?? 0) + 1;
    }
    const untouched =
      sweep.recorded.length + sweep.flagged.length + sweep.skipped + sweep.failed.length === 0;
    if (untouched && listed.length === 0) return { flags, findings };
  }
  throw new Error(`abandoned attempts were still being settled after ${MAX_ROUNDS} rounds`);
}
