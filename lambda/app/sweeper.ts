/**
 * The sweeper's handler: the scheduled function (an EventBridge rule in the stack, a timer in
 * the local server) that settles abandoned payment attempts, built from the dependencies it is
 * given like the route handlers.
 */
import type { Context } from 'aws-lambda';
import { sweepAbandonedAttempts } from '../domain/sweep';
import { MetricName } from '../metric-names';
import type { RecoveryDependencies } from './dependencies';

/** What one run did, in numbers: the function's result, and its summary log line. */
export interface SweepSummary {
  readonly recorded: number;
  readonly flagged: number;
  readonly skipped: number;
  readonly failed: number;
  readonly awaitingReconciliation: number;
}

/** A sweep that could not settle every abandoned attempt; the next run tries them again. */
export class SweepIncomplete extends Error {
  override readonly name = 'SweepIncomplete';
}

export type SweeperHandler = (event: unknown, context?: Context) => Promise<SweepSummary>;

/**
 * Sweeps once, then publishes what on-call watches: AbandonedAttemptSettled,
 * OrderFlaggedForReconciliation (an order just flagged) and OrdersAwaitingReconciliation (all of
 * them, alarmed on until an operator has settled each one; docs/operations.md).
 *
 * @throws SweepIncomplete when an attempt could not be settled: the invocation fails, so that the
 *   function's error alarm says so
 */
export function sweeperHandler(dependencies: RecoveryDependencies): SweeperHandler {
  const { logger, metrics } = dependencies;
  return async (_event, context) => {
    if (context) logger.addContext(context);
    const report = await sweepAbandonedAttempts(dependencies);
    for (const { payment, by } of report.recorded) {
      logger.info('abandoned payment attempt settled', {
        orderId: payment.orderId,
        paymentId: payment.id,
        status: payment.status,
        by,
      });
    }
    for (const { lease } of report.flagged) {
      logger.warn('order flagged for reconciliation', {
        orderId: lease.draft.orderId,
        paymentId: lease.paymentId,
      });
    }
    for (const { held, error } of report.failed) {
      logger.error('abandoned payment attempt not settled', {
        orderId: held.lease.draft.orderId,
        paymentId: held.lease.paymentId,
        error: error as Error,
      });
    }
    const summary: SweepSummary = {
      recorded: report.recorded.length,
      flagged: report.flagged.length,
      skipped: report.skipped,
      failed: report.failed.length,
      awaitingReconciliation: report.awaitingReconciliation,
    };
    metrics.addMetric(MetricName.AbandonedAttemptSettled, 'Count', summary.recorded);
    metrics.addMetric(MetricName.OrderFlaggedForReconciliation, 'Count', summary.flagged);
    metrics.addMetric(
      MetricName.OrdersAwaitingReconciliation,
      'Count',
      summary.awaitingReconciliation,
    );
    metrics.publishStoredMetrics();
    logger.info('sweep completed', { ...summary });
    if (summary.failed > 0) {
      throw new SweepIncomplete(`${summary.failed} abandoned payment attempts were not settled`);
    }
    return summary;
  };
}
