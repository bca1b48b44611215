import type { CfnResource } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { apiRoutes } from '../../lib/api-routes';
import { sweeperFunction } from '../../lib/sweeper';
import { gatewayProblems } from '../../lib/gateway-responses';
import { MetricName } from '../../lambda/metric-names';
import { synthesize, type Resource } from './support/synthesize';

const { stack, template } = synthesize();
const resources = template.toJSON().Resources as Record<string, Resource>;
const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as CfnResource);
const ofType = (all: Record<string, Resource>, type: string) =>
  Object.entries(all).filter(([, resource]) => resource.Type === type);

const alarms = ofType(resources, 'AWS::CloudWatch::Alarm');
const alarmById = (prefix: string) => {
  const found = alarms.find(([id]) => id.startsWith(prefix));
  if (!found) throw new Error(`no alarm ${prefix}`);
  return found[1].Properties;
};

describe('alarms', () => {
  it('has one alarm per failure mode: API 5xx rate, errors and throttles of each function (the sweeper too), table throttles, key reuse, reconciliation', () => {
    expect(alarms).toHaveLength(1 + 2 * (apiRoutes.length + 1) + 2 + 1 + 1);
  });

  it.each(['Errors', 'Throttles'])('alarms on the sweeper function %s', (metricName) => {
    expect(alarmById(`MonitoringSweepAbandonedAttemptsFunction${metricName}Alarm`)).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: metricName,
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(stack.sweeper) } }],
      Threshold: 1,
    });
  });

  it('alarms while an order waits for reconciliation: flagged now, or still waiting at the last sweep', () => {
    const alarm = alarmById('MonitoringReconciliationNeededAlarm');
    const metrics = alarm.Metrics as {
      Id: string;
      Expression?: string;
      MetricStat?: {
        Metric: { MetricName: string; Namespace: string; Dimensions: unknown[] };
        Stat: string;
      };
    }[];

    expect(metrics.find((m) => m.Expression)?.Expression).toBe(
      'FILL(flagged, 0) + FILL(awaiting, 0)',
    );
    expect(
      metrics
        .filter((m) => m.MetricStat)
        .map((m) => [m.Id, m.MetricStat?.Metric.MetricName, m.MetricStat?.Stat]),
    ).toEqual([
      ['flagged', MetricName.OrderFlaggedForReconciliation, 'Sum'],
      ['awaiting', MetricName.OrdersAwaitingReconciliation, 'Maximum'],
    ]);
    for (const metric of metrics.filter((m) => m.MetricStat)) {
      expect(metric.MetricStat?.Metric).toMatchObject({
        Namespace: 'PaymentsApi/dev',
        Dimensions: [{ Name: 'service', Value: 'payments-api' }],
      });
    }
    expect(alarm).toMatchObject({
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
    expect(alarm.AlarmDescription).toContain('docs/operations.md');
  });

  it('alarms on the API 5xx rate, computed with metric math from 5xx and request counts', () => {
    const alarm = alarmById('MonitoringApi5xxRateAlarm');
    const metrics = alarm.Metrics as {
      Id: string;
      Expression?: string;
      MetricStat?: { Metric: { MetricName: string; Namespace: string } };
    }[];
    const expression = metrics.find((m) => m.Expression !== undefined);
    expect(expression?.Expression).toBe('IF(requests >= 20, 100 * errors / requests, 0)');
    expect(
      metrics.filter((m) => m.MetricStat).map((m) => [m.Id, m.MetricStat?.Metric.MetricName]),
    ).toEqual(
      expect.arrayContaining([
        ['requests', 'Count'],
        ['errors', '5XXError'],
      ]),
    );
    expect(alarm).toMatchObject({
      Threshold: 1,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
    });
  });

  it.each(
    apiRoutes.flatMap((r) => [
      [r.functionId, 'Errors'] as const,
      [r.functionId, 'Throttles'] as const,
    ]),
  )('alarms on the %s function %s', (functionId, metricName) => {
    const fn = stack.functions.get(functionId)!;
    expect(alarmById(`Monitoring${functionId}${metricName}Alarm`)).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: metricName,
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(fn) } }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it.each(['OrdersTable', 'IdempotencyTable'] as const)(
    'alarms on throttled reads and writes of the %s',
    (tableId) => {
      const table = tableId === 'OrdersTable' ? stack.ordersTable : stack.idempotencyTable;
      const alarm = alarmById(`Monitoring${tableId}ThrottlesAlarm`);
      const metrics = alarm.Metrics as {
        Expression?: string;
        MetricStat?: { Metric: { MetricName: string; Dimensions: unknown[] } };
      }[];
      expect(metrics.find((m) => m.Expression)?.Expression).toMatch(
        /^FILL\(.+, 0\) \+ FILL\(.+, 0\)$/,
      );
      expect(metrics.filter((m) => m.MetricStat).map((m) => m.MetricStat?.Metric)).toEqual([
        {
          Namespace: 'AWS/DynamoDB',
          MetricName: 'ReadThrottleEvents',
          Dimensions: [{ Name: 'TableName', Value: { Ref: logicalId(table) } }],
        },
        {
          Namespace: 'AWS/DynamoDB',
          MetricName: 'WriteThrottleEvents',
          Dimensions: [{ Name: 'TableName', Value: { Ref: logicalId(table) } }],
        },
      ]);
    },
  );

  it('alarms on a spike of Idempotency-Keys reused with another payload', () => {
    expect(alarmById('MonitoringIdempotencyKeyReusedAlarm')).toMatchObject({
      Namespace: 'PaymentsApi/dev',
      MetricName: 'IdempotencyKeyReused',
      Dimensions: [{ Name: 'service', Value: 'payments-api' }],
      Statistic: 'Sum',
      Threshold: 10,
    });
  });

  it('notifies nobody unless a topic is configured', () => {
    for (const [, alarm] of alarms) {
      expect(alarm.Properties.AlarmActions).toBeUndefined();
      expect(alarm.Properties.OKActions).toBeUndefined();
    }
  });

  it('notifies the configured SNS topic of every alarm and of its recovery', () => {
    const topicArn = 'arn:aws:sns:eu-west-1:123456789012:payments-on-call';
    const withTopic = synthesize({ alarmTopicArn: topicArn });
    const alarmsWithTopic = ofType(
      withTopic.template.toJSON().Resources as Record<string, Resource>,
      'AWS::CloudWatch::Alarm',
    );

    expect(alarmsWithTopic).toHaveLength(alarms.length);
    for (const [, alarm] of alarmsWithTopic) {
      expect(alarm.Properties).toMatchObject({ AlarmActions: [topicArn], OKActions: [topicArn] });
    }
  });
});

describe('dashboard', () => {
  const dashboards = ofType(resources, 'AWS::CloudWatch::Dashboard');
  const body = JSON.stringify(dashboards[0]?.[1].Properties.DashboardBody);

  it('exists once', () => {
    expect(dashboards).toHaveLength(1);
  });

  it.each(Object.values(MetricName))('graphs the %s metric', (metricName) => {
    expect(body).toContain(`\\"${metricName}\\"`);
  });

  it.each(['5XXError', 'Latency', 'Errors', 'Throttles', 'Duration', 'WriteThrottleEvents'])(
    'graphs the AWS metric %s',
    (metricName) => {
      expect(body).toContain(`\\"${metricName}\\"`);
    },
  );

  it('shows the state of every alarm', () => {
    for (const [id] of alarms) expect(body).toContain(`"${id}"`);
  });
});

describe('gateway responses', () => {
  const gatewayResponses = ofType(resources, 'AWS::ApiGateway::GatewayResponse').map(
    ([, r]) => r.Properties,
  );

  it.each(gatewayProblems.map((p) => [p.type.responseType, p] as const))(
    'answers %s with problem+json carrying a snake_case code',
    (responseType, { problem }) => {
      const response = gatewayResponses.find((r) => r.ResponseType === responseType);
      expect(response?.StatusCode).toBe(String(problem.status));
      expect(response?.ResponseParameters).toMatchObject({
        'gatewayresponse.header.Content-Type': "'application/problem+json'",
      });
      expect(
        (response?.ResponseParameters as Record<string, string>)[
          'gatewayresponse.header.Retry-After'
        ],
      ).toBe(
        problem.retryAfterSeconds === undefined ? undefined : `'${problem.retryAfterSeconds}'`,
      );
      const template = (response?.ResponseTemplates as Record<string, string>)['application/json'];
      // What API Gateway substitutes: the message arrives already JSON-quoted.
      const rendered = JSON.parse(
        String(template)
          .replace('$context.error.messageString', JSON.stringify('Forbidden "quoted"'))
          .replace('$context.requestId', 'req-1'),
      ) as Record<string, unknown>;
      expect(rendered).toMatchObject({
        type: `urn:payments-api:problem:${problem.code}`,
        title: problem.title,
        detail: 'Forbidden "quoted"',
        code: problem.code,
        requestId: 'req-1',
      });
      expect(problem.code).toMatch(/^[a-z]+(_[a-z]+)*$/);
      expect(rendered.status).toBe(problem.status);
    },
  );

  it('tells a throttled client when to retry', () => {
    const throttled = gatewayResponses.find((r) => r.ResponseType === 'THROTTLED');
    expect(throttled?.ResponseParameters).toMatchObject({
      'gatewayresponse.header.Retry-After': "'1'",
    });
  });
});

describe('CORS, when origins are configured', () => {
  const origins = ['https://shop.example.com', 'https://admin.example.com'];
  const withCors = synthesize({ corsAllowOrigins: origins });
  const corsResources = withCors.template.toJSON().Resources as Record<string, Resource>;
  const methods = ofType(corsResources, 'AWS::ApiGateway::Method').map(([, r]) => r.Properties);

  it('adds an unauthenticated preflight (OPTIONS) to every route resource, and nothing else unauthenticated', () => {
    const preflights = methods.filter((m) => m.HttpMethod === 'OPTIONS');
    // The root, /orders, /orders/{orderId}, /orders/{orderId}/payments, /payments,
    // /payments/{paymentId}, /payment.
    expect(preflights).toHaveLength(7);
    for (const preflight of preflights) {
      expect(preflight).toMatchObject({ AuthorizationType: 'NONE', Integration: { Type: 'MOCK' } });
    }
    for (const method of methods.filter((m) => m.HttpMethod !== 'OPTIONS')) {
      expect(method.AuthorizationType).toBe('AWS_IAM');
    }
  });

  it('tells each route function the allowed origins, so its answers carry the CORS headers', () => {
    // The sweeper answers no HTTP request.
    const routeFunctions = ofType(corsResources, 'AWS::Lambda::Function').filter(
      ([id]) => !id.startsWith(sweeperFunction.functionId),
    );
    expect(routeFunctions).toHaveLength(apiRoutes.length);
    for (const [, fn] of routeFunctions) {
      expect(fn.Properties.Environment).toMatchObject({
        Variables: { CORS_ALLOW_ORIGINS: origins.join(',') },
      });
    }
  });

  it("lets a browser read API Gateway's own refusals", () => {
    for (const [, response] of ofType(corsResources, 'AWS::ApiGateway::GatewayResponse')) {
      expect(response.Properties.ResponseParameters).toMatchObject({
        'gatewayresponse.header.Access-Control-Allow-Origin': 'method.request.header.Origin',
      });
    }
  });

  it('leaves no cdk-nag finding unacknowledged', () => {
    expect(new AwsSolutionsChecks().validateScope(withCors.app).violations).toEqual([]);
  });
});
