import { createHash } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { apiRoutes } from '../../../lib/api-routes';
import { lambdaContext, toProxyEvent } from '../../../local/proxy-event';
import { parseConfig } from '../../../lambda/app/config';
import { createObservability } from '../../../lambda/app/dependencies';
import { httpHandler, type LambdaHandler, type RouteHandler } from '../../../lambda/http/handler';
import {
  jsonResponse,
  markReplayed,
  problemResponse,
  type HttpResponse,
} from '../../../lambda/http/response';

const createPayment = apiRoutes.find((route) => route.functionId === 'CreatePaymentFunction')!;

function anEvent(headers: Record<string, string> = {}, body?: string): APIGatewayProxyEvent {
  return toProxyEvent({
    route: createPayment,
    path: createPayment.path,
    pathParameters: {},
    headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    body: body === undefined ? undefined : Buffer.from(body),
  });
}

/**
 * Builds the logger and metrics as the composition root does for a function configured with
 * `env`, and a handler factory over them; what they print is captured: one JSON document per
 * line.
 */
function compose(env: Record<string, string> = {}) {
  const config = parseConfig({
    ORDERS_TABLE_NAME: 'unused',
    POWERTOOLS_LOG_LEVEL: 'DEBUG',
    ...env,
  });
  const observability = createObservability(config);
  const dependencies = { ...observability, corsAllowOrigins: config.corsAllowOrigins };
  return {
    handlerOf: (route: RouteHandler): LambdaHandler => httpHandler(dependencies, route),
    metrics: observability.metrics,
  };
}

const handlerFactory = (env: Record<string, string> = {}) => compose(env).handlerOf;

// Powertools reads its own switches when metrics are built: none may hide the EMF output here.
const powertoolsSwitches = ['POWERTOOLS_METRICS_DISABLED', 'POWERTOOLS_DEV'] as const;
const savedSwitches = powertoolsSwitches.map((name) => [name, process.env[name]] as const);
beforeAll(() => powertoolsSwitches.forEach((name) => delete process.env[name]));
afterAll(() => {
  for (const [name, value] of savedSwitches) if (value !== undefined) process.env[name] = value;
});

/** A route that answers `response`. */
const answering =
  (response: HttpResponse): RouteHandler =>
  () =>
    Promise.resolve(response);
/** A route that fails with `error`. */
const failingWith =
  (error: Error): RouteHandler =>
  () =>
    Promise.reject(error);

let printed: string[];
beforeEach(() => {
  printed = [];
  // Powertools writes INFO and below to stdout, warnings and errors to stderr.
  for (const stream of [process.stdout, process.stderr]) {
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      printed.push(String(chunk));
      return true;
    });
  }
});
afterEach(() => jest.restoreAllMocks());

const printedJson = () =>
  printed
    .join('')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
const logLines = () => printedJson().filter((entry) => 'level' in entry);
const emfDocuments = () => printedJson().filter((entry) => '_aws' in entry);

async function invoke(
  route: RouteHandler,
  event: APIGatewayProxyEvent,
  handlerOf = handlerFactory(),
): Promise<APIGatewayProxyResult> {
  const context: Context = lambdaContext(createPayment);
  return handlerOf(route)(event, context);
}

describe('httpHandler logging', () => {
  it('logs the request id, the tenant and a hash of the Idempotency-Key, never the key', async () => {
    const key = 'order-4711-attempt';
    const event = anEvent({ 'X-Tenant-Id': 'acme', 'Idempotency-Key': key });

    await invoke(answering(jsonResponse(201, {})), event);

    const [completed] = logLines();
    expect(completed).toMatchObject({
      level: 'INFO',
      message: 'request completed',
      service: 'payments-api',
      requestId: event.requestContext.requestId,
      function_request_id: expect.any(String),
      tenant: 'arn:aws:iam::000000000000:user/acme',
      idempotencyKeyHash: createHash('sha256').update(key).digest('hex').slice(0, 16),
      status: 201,
    });
    expect(printed.join('')).not.toContain(key);
  });

  it('clears the keys of one request before the next one on the same container', async () => {
    const handler = handlerFactory();
    await invoke(
      answering(jsonResponse(201, {})),
      anEvent({ 'X-Tenant-Id': 'first', 'Idempotency-Key': 'k1' }),
      handler,
    );

    // No Idempotency-Key and no identity at all.
    const anonymous = anEvent();
    anonymous.requestContext.identity.userArn = null;
    await invoke(answering(jsonResponse(200, {})), anonymous, handler);

    const second = logLines()[1];
    expect(second).toMatchObject({ requestId: anonymous.requestContext.requestId });
    expect(second).not.toHaveProperty('tenant');
    expect(second).not.toHaveProperty('idempotencyKeyHash');
  });

  it('leaves a malformed Idempotency-Key out of the logs entirely', async () => {
    const malformed = 'has spaces and a tok_visa';

    await invoke(answering(jsonResponse(200, {})), anEvent({ 'Idempotency-Key': malformed }));

    expect(logLines()[0]).not.toHaveProperty('idempotencyKeyHash');
    expect(printed.join('')).not.toContain(malformed);
  });

  it('never logs the request body, which holds the card token', async () => {
    const body = JSON.stringify({ paymentMethod: { type: 'card', token: 'tok_secret_4242' } });

    await invoke(
      failingWith(new Error('unexpected failure')),
      anEvent({ 'Idempotency-Key': 'k', 'Content-Type': 'application/json' }, body),
    );

    expect(logLines().map((line) => line.message)).toEqual(['request failed', 'request completed']);
    expect(printed.join('')).not.toContain('tok_secret_4242');
  });
});

describe('httpHandler metrics (EMF)', () => {
  const problem = (status: number, code: string) =>
    problemResponse({ status, code, title: code, detail: code });

  it.each([
    ['IdempotentReplay', answering(markReplayed(jsonResponse(201, {})))],
    ['IdempotencyKeyInUse', answering(problem(409, 'idempotency_key_in_use'))],
    ['IdempotencyKeyReused', answering(problem(422, 'idempotency_key_reused'))],
    [
      'StoreUnavailable',
      failingWith(Object.assign(new Error('slow down'), { name: 'ThrottlingException' })),
    ],
  ] as const)('publishes %s = 1 in the PaymentsApi namespace', async (metricName, route) => {
    await invoke(route, anEvent({ 'Idempotency-Key': 'k' }));

    const [document] = emfDocuments();
    expect(document).toMatchObject({
      _aws: {
        CloudWatchMetrics: [
          {
            Namespace: 'PaymentsApi',
            Dimensions: [['service']],
            Metrics: [{ Name: metricName, Unit: 'Count' }],
          },
        ],
      },
      service: 'payments-api',
      [metricName]: 1,
    });
    expect(emfDocuments()).toHaveLength(1);
  });

  it("publishes in the namespace POWERTOOLS_METRICS_NAMESPACE names, such as a stage's own", async () => {
    const handlerOf = handlerFactory({ POWERTOOLS_METRICS_NAMESPACE: 'PaymentsApi-staging' });

    await invoke(answering(markReplayed(jsonResponse(201, {}))), anEvent(), handlerOf);

    expect(emfDocuments()).toMatchObject([
      { _aws: { CloudWatchMetrics: [{ Namespace: 'PaymentsApi-staging' }] }, IdempotentReplay: 1 },
    ]);
  });

  it('publishes nothing for an answer that is not worth a metric', async () => {
    await invoke(answering(problem(404, 'order_not_found')), anEvent());

    expect(emfDocuments()).toEqual([]);
  });

  it("publishes the route's own metrics in the same document, once per invocation", async () => {
    const { handlerOf, metrics } = compose();
    const route: RouteHandler = () => {
      metrics.addMetric('OrderCreated', 'Count', 1);
      return Promise.resolve(problem(503, 'service_unavailable'));
    };

    await invoke(route, anEvent(), handlerOf);
    await invoke(answering(jsonResponse(200, {})), anEvent(), handlerOf);

    expect(emfDocuments()).toHaveLength(1);
    expect(emfDocuments()[0]).toMatchObject({ OrderCreated: 1, StoreUnavailable: 1 });
  });
});

describe('httpHandler CORS', () => {
  const origin = 'https://shop.example.com';

  it('adds the CORS headers for an allowed origin', async () => {
    const handler = handlerFactory({ CORS_ALLOW_ORIGINS: `${origin}, https://admin.example.com` });

    const response = await invoke(
      answering(jsonResponse(201, {}, { Location: '/orders/ord_1' })),
      anEvent({ Origin: origin }),
      handler,
    );

    expect(response.headers).toMatchObject({
      'Access-Control-Allow-Origin': origin,
      'Access-Control-Expose-Headers': 'Location, Idempotent-Replayed, Retry-After',
      Vary: 'Origin',
      Location: '/orders/ord_1',
    });
  });

  it('does not allow any other origin', async () => {
    const handler = handlerFactory({ CORS_ALLOW_ORIGINS: origin });

    const response = await invoke(
      answering(jsonResponse(200, {})),
      anEvent({ Origin: 'https://evil.example.com' }),
      handler,
    );

    expect(response.headers).not.toHaveProperty('Access-Control-Allow-Origin');
  });

  it('adds no CORS header at all unless origins are configured', async () => {
    const response = await invoke(answering(jsonResponse(200, {})), anEvent({ Origin: origin }));

    expect(Object.keys(response.headers ?? {})).toEqual(['Content-Type']);
  });
});
