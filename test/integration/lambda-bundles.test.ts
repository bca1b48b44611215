/**
 * The deployed bundles, run the way Lambda runs them. Each function is built with the stack's
 * esbuild settings for Node.js 24 (`lib/bundling.ts`, substitutions included) into its own
 * `index.js`, and each invocation is a fresh Node.js 24 process (a cold container) whose
 * environment holds only what Lambda puts there: the execution role's temporary credentials
 * (access key, secret and session token), the region, the function's own variables. Its HOME has
 * no AWS configuration, and nothing else offers credentials.
 *
 * A whole journey through the five functions against the real engine then shows that what the
 * bundles leave out of the AWS SDK (the default credential chain beyond the environment) is not
 * needed; a recording proxy in front of the engine shows that every call was signed with the
 * environment's credentials, session token included.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { build } from 'esbuild';
import { apiRoutes, type ApiRoute } from '../../lib/api-routes';
import { functionBuildOptions, functionBundling } from '../../lib/bundling';
import { toProxyEvent } from '../../local/proxy-event';
import { aCreateOrderRequest, aCreatePaymentRequest, aKey, aTenant } from '../support/builders';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';

const repositoryRoot = path.resolve(__dirname, '../..');

/** Temporary credentials as Lambda hands them over: an `ASIA` key with its session token. */
const roleCredentials = {
  AWS_ACCESS_KEY_ID: 'ASIAEXAMPLEROLEKEY01',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  AWS_SESSION_TOKEN: `IQoJb3JpZ2luX2VjE${'x'.repeat(40)}`,
};

let workDir: string;
let node: string;
let runtime: string;
let proxy: FaultProxy;
const taskRoots = new Map<string, string>();

/** The Node.js the functions deploy on: `.nvmrc`'s, installed from the npm registry if need be. */
function deployedNode(): string {
  const bin = execFileSync(path.join(repositoryRoot, 'scripts/node-bin.sh'), {
    cwd: repositoryRoot,
    encoding: 'utf8',
  }).trim();
  return path.join(bin, 'node');
}

beforeAll(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), 'lambda-bundles-'));
  node = deployedNode();
  await build({
    ...functionBuildOptions(),
    entryPoints: Object.fromEntries(
      apiRoutes.map((route) => [
        `${route.functionId}/index`,
        path.join(repositoryRoot, route.entry),
      ]),
    ),
    outdir: path.join(workDir, 'functions'),
  });
  for (const route of apiRoutes) {
    taskRoots.set(route.functionId, path.join(workDir, 'functions', route.functionId));
  }
  await build({
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: functionBundling.target,
    entryPoints: [path.join(repositoryRoot, 'test/support/lambda-runtime.ts')],
    outfile: path.join(workDir, 'runtime', 'lambda-runtime.js'),
    logLevel: 'warning',
  });
  runtime = path.join(workDir, 'runtime', 'lambda-runtime.js');
  mkdirSync(path.join(workDir, 'home'));
  proxy = await startFaultProxy(process.env.DYNAMODB_ENDPOINT ?? '');
}, 240_000);

afterAll(async () => {
  await proxy?.close();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

interface Invocation {
  readonly response?: APIGatewayProxyResult;
  readonly error?: string;
  readonly output: string;
}

/** What Lambda puts in the environment of `route`'s function, and the test's tables. */
function lambdaEnvironment(route: ApiRoute, credentials: Record<string, string>) {
  return {
    PATH: path.dirname(node),
    HOME: path.join(workDir, 'home'),
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    AWS_REGION: 'eu-west-1',
    AWS_DEFAULT_REGION: 'eu-west-1',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_LAMBDA_FUNCTION_NAME: route.functionId,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(route.memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    LAMBDA_TASK_ROOT: taskRoots.get(route.functionId) ?? '',
    _HANDLER: 'index.handler',
    LAMBDA_TEST_TIMEOUT_MS: String(route.timeoutSeconds * 1000),
    // What the stack sets (lib/api-function.ts, lib/payments-stack.ts).
    NODE_OPTIONS: '--enable-source-maps',
    POWERTOOLS_SERVICE_NAME: 'payments-api',
    POWERTOOLS_METRICS_NAMESPACE: 'PaymentsApi-test',
    POWERTOOLS_LOG_LEVEL: 'WARN',
    ORDERS_TABLE_NAME: process.env.ORDERS_TABLE_NAME ?? '',
    ...(route.idempotent && {
      IDEMPOTENCY_TABLE_NAME: process.env.IDEMPOTENCY_TABLE_NAME ?? '',
      IDEMPOTENCY_TTL_SECONDS: '86400',
    }),
    // Not in AWS: the engine, behind the recording proxy.
    DYNAMODB_ENDPOINT: proxy.url,
    ...credentials,
  };
}

/** One cold invocation of `functionId` with a proxy event. */
async function invoke(
  functionId: string,
  request: {
    path: string;
    pathParameters?: Record<string, string>;
    headers?: Record<string, string>;
    body?: unknown;
  },
  credentials: Record<string, string> = roleCredentials,
): Promise<Invocation> {
  const route = apiRoutes.find((candidate) => candidate.functionId === functionId);
  if (!route) throw new Error(`no route for ${functionId}`);
  const event = toProxyEvent({
    route,
    path: request.path,
    pathParameters: request.pathParameters ?? {},
    headers: Object.fromEntries(
      Object.entries(request.headers ?? {}).map(([name, value]) => [name, [value]]),
    ),
    ...(request.body !== undefined && { body: Buffer.from(JSON.stringify(request.body)) }),
  });
  const child = spawn(node, [runtime], {
    cwd: taskRoots.get(functionId),
    env: { ...lambdaEnvironment(route, credentials), LAMBDA_TEST_EVENT: JSON.stringify(event) },
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  let output = '';
  let result = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  (child.stdio[3] as NodeJS.ReadableStream).on(
    'data',
    (chunk: Buffer) => (result += chunk.toString()),
  );
  const [code] = (await once(child, 'close')) as [number | null];
  if (code !== 0 || result === '') throw new Error(`${functionId} exited with ${code}:\n${output}`);
  return { ...(JSON.parse(result) as Omit<Invocation, 'output'>), output };
}

const json = (invocation: Invocation) =>
  JSON.parse(invocation.response?.body ?? 'null') as Record<string, unknown>;

describe('the function bundles, run as Lambda runs them', () => {
  it('serve a whole journey on Node.js 24 with only the credentials Lambda puts in the environment', async () => {
    const tenant = aTenant();
    const headers = { 'Content-Type': 'application/json', 'X-Tenant-Id': tenant };
    const calls = proxy.exchanges.length;

    const created = await invoke('CreateOrderFunction', {
      path: '/orders',
      headers: { ...headers, 'Idempotency-Key': aKey('order') },
      body: aCreateOrderRequest(),
    });
    expect(created.response?.statusCode).toBe(201);
    const order = json(created) as { id: string; amount: number; currency: string };

    const read = await invoke('GetOrderFunction', {
      path: `/orders/${order.id}`,
      pathParameters: { orderId: order.id },
      headers,
    });
    const paid = await invoke('CreatePaymentFunction', {
      path: '/payments',
      headers: { ...headers, 'Idempotency-Key': aKey('payment') },
      body: aCreatePaymentRequest(order),
    });
    const payment = json(paid) as { id: string };
    const readPayment = await invoke('GetPaymentFunction', {
      path: `/payments/${payment.id}`,
      pathParameters: { paymentId: payment.id },
      headers,
    });
    const listed = await invoke('ListOrderPaymentsFunction', {
      path: `/orders/${order.id}/payments`,
      pathParameters: { orderId: order.id },
      headers,
    });

    expect([read, paid, readPayment, listed].map((i) => i.response?.statusCode)).toEqual([
      200, 201, 200, 200,
    ]);
    expect(json(listed)).toMatchObject({ data: [{ id: payment.id }] });
    const signed = proxy.exchanges.slice(calls);
    expect(signed.length).toBeGreaterThanOrEqual(5);
    for (const { headers: sent } of signed) {
      expect(sent.authorization).toContain(`Credential=${roleCredentials.AWS_ACCESS_KEY_ID}/`);
      expect(sent['x-amz-security-token']).toBe(roleCredentials.AWS_SESSION_TOKEN);
    }
  });

  it('take credentials from the environment alone: a profile in ~/.aws is not looked at', async () => {
    const home = path.join(workDir, 'home', '.aws');
    mkdirSync(home, { recursive: true });
    writeFileSync(
      path.join(home, 'credentials'),
      '[default]\naws_access_key_id = AKIAPROFILEKEY000001\naws_secret_access_key = profile-secret\n',
    );
    const calls = proxy.exchanges.length;
    try {
      const orderId = 'ord_0123456789abcdef0123456789abcdef';
      const read = await invoke(
        'GetOrderFunction',
        { path: `/orders/${orderId}`, pathParameters: { orderId }, headers: {} },
        {},
      );

      // An unexpected failure of the function: 500, and the SDK's reason in its log.
      expect(read.response?.statusCode).toBe(500);
      expect(read.output).toContain('Unable to find environment variable credentials');
      expect(proxy.exchanges.length).toBe(calls);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
