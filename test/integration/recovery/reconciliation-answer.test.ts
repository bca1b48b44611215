/**
 * What a client of POST /payments sees of an order flagged for reconciliation, through the
 * deployed handler code: 409 order_under_reconciliation, not stored and without Retry-After, and
 * what on-call sees: the OrderFlaggedForReconciliation metric (the stack alarms on it), published
 * once, by the request that flagged the order.
 */
import type { Context } from 'aws-lambda';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { parseIdempotentConfig } from '../../../lambda/app/config';
import { createIdempotentDependencies } from '../../../lambda/app/dependencies';
import { createOrderHandler, createPaymentHandler } from '../../../lambda/app/handlers';
import type { PaymentProcessor } from '../../../lambda/domain/payment-processor';
import { MetricName } from '../../../lambda/metric-names';
import { apiRoutes, type ApiRoute } from '../../../lib/api-routes';
import { lambdaContext } from '../../../local/proxy-event';
import { aKey, aTenant } from '../../support/builders';
import { aPostEvent } from '../support/invoke';
import { aSandboxOnAManualClock, dyingBeforeTheCharge, HOUR } from './support';

const config = parseIdempotentConfig(process.env);
const production = createIdempotentDependencies(config);
const routeOf = (functionId: string): ApiRoute => {
  const route = apiRoutes.find((candidate) => candidate.functionId === functionId);
  if (!route) throw new Error(`no route ${functionId}`);
  return route;
};

// The test environment turns metrics off; these need the EMF output.
let metricsDisabled: string | undefined;
beforeAll(() => {
  metricsDisabled = process.env.POWERTOOLS_METRICS_DISABLED;
  delete process.env.POWERTOOLS_METRICS_DISABLED;
});
afterAll(() => {
  if (metricsDisabled !== undefined) process.env.POWERTOOLS_METRICS_DISABLED = metricsDisabled;
});

let printed: string[];
beforeEach(() => {
  printed = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    printed.push(String(chunk));
    return true;
  });
});
const emfMetricNames = () =>
  printed
    .join('')
    .split('\n')
    .filter((line) => line.includes('"_aws"'))
    .flatMap((line) => {
      const document = JSON.parse(line) as {
        _aws: { CloudWatchMetrics: { Metrics: { Name: string }[] }[] };
      };
      return document._aws.CloudWatchMetrics.flatMap(({ Metrics }) => Metrics.map((m) => m.Name));
    });

/** The POST handlers on the real tables, with this processor and clock. */
function anApi(processor: PaymentProcessor, clock: () => Date) {
  const dependencies = {
    ...production,
    processor,
    clock,
    metrics: new Metrics({ serviceName: 'payments-api-test', namespace: 'PaymentsApiTest' }),
  };
  const post = async (
    functionId: 'CreateOrderFunction' | 'CreatePaymentFunction',
    tenant: string,
    idempotencyKey: string,
    body: unknown,
  ) => {
    const route = routeOf(functionId);
    const handler =
      functionId === 'CreateOrderFunction'
        ? createOrderHandler(dependencies)
        : createPaymentHandler(dependencies);
    const event = aPostEvent(route, route.path, { tenant, idempotencyKey }, body);
    const context: Context = lambdaContext(route);
    const result = await handler(event, context);
    return {
      status: result.statusCode,
      headers: result.headers ?? {},
      body: JSON.parse(result.body) as Record<string, unknown>,
    };
  };
  return { post };
}

it('answers 409 order_under_reconciliation, not stored, and publishes the metric once', async () => {
  const { processor, clock, advance } = aSandboxOnAManualClock();
  const tenant = aTenant();
  const order = await anApi(processor, clock).post('CreateOrderFunction', tenant, aKey('o'), {
    customerId: 'cus_1',
    currency: 'USD',
    items: [{ sku: 'A', quantity: 1, unitAmount: 2500 }],
  });
  const payment = {
    orderId: order.body.id,
    amount: 2500,
    currency: 'USD',
    paymentMethod: { type: 'card', token: 'tok_visa' },
  };
  // The attempt's process dies on its way to the processor: nothing says whether it charged.
  const died = await anApi(dyingBeforeTheCharge(processor), clock).post(
    'CreatePaymentFunction',
    tenant,
    aKey('x'),
    payment,
  );
  expect(died.status).toBe(500);
  advance(25 * HOUR);
  printed = [];

  const api = anApi(processor, clock);
  const y = aKey('y');
  const first = await api.post('CreatePaymentFunction', tenant, y, payment);
  const flaggedMetrics = emfMetricNames();
  const again = await api.post('CreatePaymentFunction', tenant, y, payment);
  const later = await api.post('CreatePaymentFunction', tenant, aKey('z'), payment);

  expect(first).toMatchObject({
    status: 409,
    body: { code: 'order_under_reconciliation' },
  });
  expect(first.headers).not.toHaveProperty('Retry-After');
  expect(flaggedMetrics).toContain(MetricName.OrderFlaggedForReconciliation);
  // Not stored: the same key runs again, and is refused again; nobody flags it twice.
  expect(again).toMatchObject({ status: 409, body: { code: 'order_under_reconciliation' } });
  expect(again.headers).not.toHaveProperty('Idempotent-Replayed');
  expect(later).toMatchObject({ status: 409, body: { code: 'order_under_reconciliation' } });
  expect(
    emfMetricNames().filter((name) => name === MetricName.OrderFlaggedForReconciliation),
  ).toHaveLength(1);
});
