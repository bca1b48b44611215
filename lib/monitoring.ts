import { Duration } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { MetricName } from '../lambda/metric-names';

export interface PaymentsMonitoringProps {
  readonly api: apigateway.RestApi;
  readonly functions: ReadonlyMap<string, lambda.IFunction>;
  readonly tables: ReadonlyMap<string, dynamodb.ITable>;
  /** `service` dimension of the functions' metrics (`POWERTOOLS_SERVICE_NAME`). */
  readonly serviceName: string;
  /** Namespace of the functions' metrics (`POWERTOOLS_METRICS_NAMESPACE`): the stage's own. */
  readonly metricsNamespace: string;
  /**
   * Where alarms notify, on ALARM and on OK.
   *
   * @default no notification: the alarms and the dashboard still show the state
   */
  readonly alarmTopic?: sns.ITopic;
}

const FIVE_MINUTES = Duration.minutes(5);

/**
 * The on-call view of the API: an alarm per way it can fail (API 5xx rate, function errors
 * and throttles, DynamoDB throttles, a spike of reused idempotency keys, an order waiting for
 * reconciliation) and a dashboard.
 * What to do when each alarm fires is in docs/operations.md.
 */
export class PaymentsMonitoring extends Construct {
  public readonly alarms: readonly cloudwatch.Alarm[];
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: PaymentsMonitoringProps) {
    super(scope, id);
    const alarms: cloudwatch.Alarm[] = [];
    const { api } = props;

    const requests = api.metricCount({ period: FIVE_MINUTES, statistic: 'Sum' });
    const serverErrors = api.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' });
    const serverErrorRate = new cloudwatch.MathExpression({
      // Below 20 requests in five minutes one failure is not a rate: stay quiet.
      expression: 'IF(requests >= 20, 100 * errors / requests, 0)',
      usingMetrics: { requests, errors: serverErrors },
      period: FIVE_MINUTES,
      label: 'API 5xx rate (%)',
    });
    alarms.push(
      serverErrorRate.createAlarm(this, 'Api5xxRateAlarm', {
        alarmDescription:
          'More than 1% of API requests answered 5xx in 2 of the last 3 five-minute periods.',
        threshold: 1,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );

    for (const [functionId, fn] of props.functions) {
      // Business outcomes (402, 404, 409...) are answers, not errors: an invocation error is a
      // crash or a timeout, and a single one is worth a look.
      alarms.push(
        fn
          .metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' })
          .createAlarm(this, `${functionId}ErrorsAlarm`, {
            alarmDescription: `${functionId} failed an invocation (crash or timeout).`,
            threshold: 1,
            evaluationPeriods: 1,
            comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          }),
        fn
          .metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' })
          .createAlarm(this, `${functionId}ThrottlesAlarm`, {
            alarmDescription: `${functionId} was throttled by Lambda (concurrency limit reached).`,
            threshold: 1,
            evaluationPeriods: 1,
            comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          }),
      );
    }

    const tableThrottles = new Map<string, cloudwatch.IMetric>();
    for (const [index, [tableId, table]] of [...props.tables].entries()) {
      // Ids unique across tables: the dashboard graphs every table's expression together.
      const [reads, writes] = [`reads${index}`, `writes${index}`];
      const throttles = new cloudwatch.MathExpression({
        expression: `FILL(${reads}, 0) + FILL(${writes}, 0)`,
        usingMetrics: {
          [reads]: table.metric('ReadThrottleEvents', { period: FIVE_MINUTES, statistic: 'Sum' }),
          [writes]: table.metric('WriteThrottleEvents', { period: FIVE_MINUTES, statistic: 'Sum' }),
        },
        period: FIVE_MINUTES,
        label: `${tableId} throttled requests`,
      });
      tableThrottles.set(tableId, throttles);
      alarms.push(
        throttles.createAlarm(this, `${tableId}ThrottlesAlarm`, {
          alarmDescription: `DynamoDB throttled requests to ${tableId}; clients get 503 service_unavailable.`,
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
    }

    const businessMetric = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: props.metricsNamespace,
        metricName,
        dimensionsMap: { service: props.serviceName },
        period: FIVE_MINUTES,
        statistic: 'Sum',
      });
    alarms.push(
      businessMetric(MetricName.IdempotencyKeyReused).createAlarm(
        this,
        'IdempotencyKeyReusedAlarm',
        {
          alarmDescription:
            'A spike of Idempotency-Keys reused with another payload (422): a client is ' +
            'generating keys wrongly, and its retries are being refused.',
          threshold: 10,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        },
      ),
    );

    // A payment attempt too old to charge again that the processor could not account for: its
    // order waits for an operator, who must settle it (docs/operations.md). Flagged now, or
    // still waiting (the gauge every sweep publishes): the alarm stays on until none is left.
    const flagged = businessMetric(MetricName.OrderFlaggedForReconciliation);
    const awaiting = new cloudwatch.Metric({
      namespace: props.metricsNamespace,
      metricName: MetricName.OrdersAwaitingReconciliation,
      dimensionsMap: { service: props.serviceName },
      period: FIVE_MINUTES,
      statistic: 'Maximum',
    });
    const reconciliationNeeded = new cloudwatch.MathExpression({
      expression: 'FILL(flagged, 0) + FILL(awaiting, 0)',
      usingMetrics: { flagged, awaiting },
      period: FIVE_MINUTES,
      label: 'Orders flagged for reconciliation',
    });
    alarms.push(
      reconciliationNeeded.createAlarm(this, 'ReconciliationNeededAlarm', {
        alarmDescription:
          'An order waits for reconciliation: a payment attempt too old to charge again, which ' +
          'the processor could not account for. Every payment of the order is refused (409 ' +
          'order_under_reconciliation) until an operator settles it: docs/operations.md.',
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );

    if (props.alarmTopic) {
      const notify = new actions.SnsAction(props.alarmTopic);
      for (const alarm of alarms) {
        alarm.addAlarmAction(notify);
        alarm.addOkAction(notify);
      }
    }
    this.alarms = alarms;

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(3),
    });
    const functions = [...props.functions];
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms, width: 24 }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'API requests and errors',
        left: [
          requests,
          api.metricClientError({ period: FIVE_MINUTES, statistic: 'Sum' }),
          serverErrors,
        ],
        right: [serverErrorRate],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'API latency (ms)',
        left: [
          api.metricLatency({ period: FIVE_MINUTES, statistic: 'p50' }),
          api.metricLatency({ period: FIVE_MINUTES, statistic: 'p99' }),
          api.metricIntegrationLatency({ period: FIVE_MINUTES, statistic: 'p99' }),
        ],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Orders and payments',
        left: [
          MetricName.OrderCreated,
          MetricName.PaymentSucceeded,
          MetricName.PaymentDeclined,
        ].map(businessMetric),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Idempotency and store',
        left: [
          MetricName.IdempotentReplay,
          MetricName.IdempotencyKeyInUse,
          MetricName.IdempotencyKeyReused,
          MetricName.StoreUnavailable,
        ].map(businessMetric),
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Recovery of abandoned payment attempts',
        left: [businessMetric(MetricName.AbandonedAttemptSettled), flagged],
        right: [awaiting],
        width: 24,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Function errors and throttles',
        left: functions.map(([id, fn]) =>
          fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum', label: `${id} errors` }),
        ),
        right: functions.map(([id, fn]) =>
          fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum', label: `${id} throttles` }),
        ),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Function duration p99 (ms)',
        left: functions.map(([id, fn]) =>
          fn.metricDuration({ period: FIVE_MINUTES, statistic: 'p99', label: id }),
        ),
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'DynamoDB throttled requests',
        left: [...tableThrottles.values()],
        width: 24,
      }),
    );
  }
}
