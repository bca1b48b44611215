/**
 * The namespace and names of the functions' metrics, defined once: the handlers publish them
 * and the stack's alarms and dashboard read them (`lib/monitoring.ts`), so the two cannot drift
 * apart. Plain data only: infrastructure code imports this module too.
 */

/** The functions' namespace unless `POWERTOOLS_METRICS_NAMESPACE` names another. */
export const METRICS_NAMESPACE = 'PaymentsApi';

export const MetricName = {
  OrderCreated: 'OrderCreated',
  PaymentSucceeded: 'PaymentSucceeded',
  PaymentDeclined: 'PaymentDeclined',
  /** A completed response answered again for its Idempotency-Key. */
  IdempotentReplay: 'IdempotentReplay',
  /** 409 idempotency_key_in_use: a retry while the first request still runs. */
  IdempotencyKeyInUse: 'IdempotencyKeyInUse',
  /** 422 idempotency_key_reused: a key sent again with another payload. */
  IdempotencyKeyReused: 'IdempotencyKeyReused',
  /**
   * A payment attempt too old to charge again that the processor could not account for: its
   * order waits for an operator (docs/operations.md). Alarmed on.
   */
  OrderFlaggedForReconciliation: 'OrderFlaggedForReconciliation',
  /**
   * Orders waiting for an operator's reconciliation, counted by every sweep: a gauge that stays
   * up until each one is settled. Alarmed on.
   */
  OrdersAwaitingReconciliation: 'OrdersAwaitingReconciliation',
  /** An abandoned payment attempt the sweeper settled (by a charge under its key, or by lookup). */
  AbandonedAttemptSettled: 'AbandonedAttemptSettled',
  /** 503 service_unavailable: DynamoDB or the idempotency store could not answer. */
  StoreUnavailable: 'StoreUnavailable',
} as const;

export type MetricName = (typeof MetricName)[keyof typeof MetricName];
