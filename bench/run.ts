/**
 * `npm run bench`: what the idempotency layer costs, side by side in one run.
 *
 * Bundle sizes (esbuild metafile), cold starts (fresh Node.js processes), then load scenarios
 * with autocannon against the bundled handlers on the embedded engine, with the DynamoDB calls
 * each request made. Writes `bench/results/latest.{json,md,svg}`; exits non-zero when a call
 * count exceeds what the protocol requires. Times are reported, never asserted: the machine is
 * shared and noisy.
 *
 *   npm run bench -- --duration 10 --connections 10 --warmup 2 --cold-starts 10
 *   npm run bench -- --only orders-replay-cached --profile-server bench/.profiles
 *
 * `--only` runs the named load scenarios (comma-separated) and leaves out the cold starts and
 * the in-process replays; `--profile-server <dir>` writes a CPU profile of the default server.
 */
import { execSync, fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { apiRoutes, type ApiRoute } from '../lib/api-routes';
import { adminClient, createTables, startDynamoDbEngine } from '../local/dynamodb-engine';
import { toProxyEvent } from '../local/proxy-event';
import {
  buildBenchEntry,
  buildRunnableBundles,
  measureBundleSizes,
  type FunctionBundleSize,
  type SdkPlacement,
} from './bundles';
import { coldStart, median, type ColdStartSample } from './cold-start';
import { inProcessCachedReplays, type InProcessReplays } from './in-process';
import { percentile, runLoad, type BenchRequest, type LoadResult } from './load';
import { renderChart, renderMarkdown } from './report';
import type { ParentMessage, ServerMessage, ServerStats } from './server';

const benchDir = __dirname;
const buildDir = path.join(benchDir, '.build');

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    'cold-starts': { type: 'string', default: '10' },
    // Default: bench/results/latest, or bench/.build/partial for a run with --only.
    out: { type: 'string' },
    // Only for measuring code that predates the counting middleware (the baseline).
    'allow-uncounted': { type: 'boolean', default: false },
    skip: { type: 'string', default: '' },
    only: { type: 'string', default: '' },
    'profile-server': { type: 'string' },
  },
});

/** The load scenarios, in the order they run. */
const scenarioIds = [
  'orders-first',
  'orders-unguarded',
  'orders-replay',
  'orders-replay-cached',
  'payments-first',
  'payments-replay',
  'get-order',
] as const;

const only = (args.only ?? '').split(',').filter(Boolean);
for (const id of only) {
  if (!(scenarioIds as readonly string[]).includes(id)) {
    throw new Error(`--only: no scenario ${id} (one of ${scenarioIds.join(', ')})`);
  }
}

const options = {
  durationSeconds: positive('duration'),
  connections: positive('connections'),
  warmupSeconds: Number(args.warmup),
  coldStarts: positive('cold-starts'),
  allowUncounted: args['allow-uncounted'],
  skip: new Set([
    ...(args.skip ?? '').split(',').filter(Boolean),
    ...(only.length > 0 ? scenarioIds.filter((id) => !only.includes(id)) : []),
  ]),
  /** A partial run: the named scenarios only, no cold starts or in-process replays. */
  only,
  profileServerDir: args['profile-server'] ?? null,
};
/** Where the results go; a partial run never overwrites the committed ones. */
const outputPath =
  args.out ??
  path.join(benchDir, ...(only.length > 0 ? ['.build', 'partial'] : ['results', 'latest']));

function positive(name: 'duration' | 'connections' | 'cold-starts'): number {
  const value = Number(args[name]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

/** The three kinds of container the scenarios run on. */
type ServerKind = 'default' | 'no-local-cache' | 'unguarded';

const serverEnv: Record<ServerKind, NodeJS.ProcessEnv> = {
  default: {},
  // Another container: one that has not seen the keys, so every replay reads DynamoDB.
  'no-local-cache': { IDEMPOTENCY_LOCAL_CACHE_SIZE: '0' },
  // The bench entry composed without the idempotency layer.
  unguarded: { BENCH_VARIANT: 'unguarded' },
};

export interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  readonly server: ServerKind;
  readonly requests: number;
  readonly durationSeconds: number;
  readonly requestsPerSecond: number;
  readonly latencyMs: { p50: number; p90: number; p99: number; max: number };
  readonly errors: number;
  readonly non2xx: number;
  readonly statusCounts: Readonly<Record<string, number>>;
  readonly replayed: number;
  /** DynamoDB calls per request, by operation, counted by the SDK middleware. */
  readonly callsPerRequest: Readonly<Record<string, number>> | null;
  readonly totalCallsPerRequest: number | null;
  /** The API server's CPU time per request (µs), from its own accounting: less noisy than req/s. */
  readonly serverCpuMicrosecondsPerRequest: number | null;
}

export interface ColdStartResult {
  readonly functionId: string;
  readonly sdk: SdkPlacement;
  readonly medianTotalMs: number;
  readonly medianLoadMs: number;
  readonly medianFirstRequestMs: number;
  readonly medianProcessMs: number;
  readonly samples: readonly ColdStartSample[];
}

export interface Target {
  readonly name: string;
  readonly value: number | null;
  readonly limit: string;
  readonly pass: boolean | null;
  /** Asserted targets fail the run; the others are reported only (noisy machine). */
  readonly asserted: boolean;
}

export interface BenchResults {
  readonly commit: string;
  readonly date: string;
  readonly machine: {
    readonly cpus: number;
    readonly node: string;
    readonly loadAverage: number[];
  };
  readonly options: typeof options extends infer O ? Omit<O, 'skip'> & { skip: string[] } : never;
  readonly bundles: readonly FunctionBundleSize[];
  readonly coldStarts: readonly ColdStartResult[];
  readonly scenarios: readonly ScenarioResult[];
  readonly businessCallsPerRequest: Readonly<Record<string, number | null>>;
  /** Cached replays of create-order called in a loop, without HTTP: the handler's own cost. */
  readonly inProcessCachedReplays: InProcessReplays | null;
  readonly ratios: Readonly<Record<string, number | null>>;
  readonly targets: readonly Target[];
}

const tenant = `bench-${randomUUID().slice(0, 8)}`;
const jsonHeaders = (key: string) => ({
  'content-type': 'application/json',
  'idempotency-key': key,
  'x-tenant-id': tenant,
});

interface OrderRequest extends BenchRequest {
  readonly key: string;
}
interface CreatedOrder {
  readonly id: string;
  readonly amount: number;
  readonly currency: string;
}

const anOrderRequest = (key = `order-${randomUUID()}`): OrderRequest => ({
  key,
  method: 'POST',
  path: '/orders',
  headers: jsonHeaders(key),
  body: JSON.stringify({
    customerId: 'cus_bench',
    currency: 'usd',
    items: [{ sku: 'SKU-1', quantity: 2, unitAmount: 1250 }],
  }),
});

const aPaymentRequest = (order: CreatedOrder, key = `payment-${randomUUID()}`): OrderRequest => ({
  key,
  method: 'POST',
  path: '/payments',
  headers: jsonHeaders(key),
  body: JSON.stringify({
    orderId: order.id,
    amount: order.amount,
    currency: order.currency,
    paymentMethod: { type: 'card', token: 'tok_visa' },
  }),
});

interface PaymentBody {
  readonly id: string;
  readonly orderId: string;
}
interface PaidOrder extends PaymentBody {
  readonly request: OrderRequest;
}

/** Round robin over a fixed set of requests. */
function cycle<T>(items: readonly T[]): () => T | undefined {
  let index = 0;
  return () => items[index++ % items.length];
}

class BenchServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start(kind: ServerKind, env: NodeJS.ProcessEnv): Promise<BenchServer> {
    const profile =
      kind === 'default' && options.profileServerDir !== null
        ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(options.profileServerDir)]
        : [];
    const child = fork(path.join(benchDir, 'server.ts'), [], {
      execArgv: ['--import', 'tsx', ...profile],
      env: { ...env, ...serverEnv[kind] },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const [message] = (await Promise.race([
      once(child, 'message'),
      once(child, 'exit').then(() => {
        throw new Error(`the ${kind} bench server exited before it was ready`);
      }),
    ])) as [ServerMessage];
    if (message.type !== 'ready') throw new Error(`unexpected ${message.type} from the server`);
    return new BenchServer(child, message.url);
  }

  private async ask(message: ParentMessage): Promise<ServerStats> {
    this.child.send(message);
    const [reply] = (await once(this.child, 'message')) as [ServerMessage];
    if (reply.type !== 'stats') throw new Error(`unexpected ${reply.type} from the server`);
    return reply.stats;
  }

  /** Waits until the server has answered everything it received, then reads (or resets) its counts. */
  async settledStats(reset: boolean): Promise<ServerStats> {
    for (;;) {
      const stats = await this.ask({ type: 'stats' });
      if (stats.inFlight === 0) return reset ? this.ask({ type: 'reset' }) : stats;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async stop(): Promise<void> {
    const exited = once(this.child, 'exit');
    this.child.disconnect();
    await exited;
  }
}

interface Scenario<T extends BenchRequest> {
  readonly id: string;
  readonly title: string;
  readonly server: BenchServer;
  readonly serverKind: ServerKind;
  readonly next: () => T | undefined;
  readonly warmupNext?: () => T | undefined;
  readonly maxRequests?: number;
  readonly onResponse?: (request: T, status: number, body: string, replayed: boolean) => void;
}

/** Runs the scenario unless `--skip` names it. */
async function runScenarioInto<T extends BenchRequest>(
  results: ScenarioResult[],
  scenario: Scenario<T>,
): Promise<void> {
  if (options.skip.has(scenario.id)) {
    console.log(`  ${scenario.id}: skipped`);
    return;
  }
  results.push(await runScenario(scenario));
}

async function runScenario<T extends BenchRequest>(scenario: Scenario<T>): Promise<ScenarioResult> {
  const { server } = scenario;
  process.stdout.write(`  ${scenario.id}: ${scenario.title}... `);
  if (options.warmupSeconds > 0) {
    await runLoad({
      url: server.url,
      durationSeconds: options.warmupSeconds,
      connections: options.connections,
      next: scenario.warmupNext ?? scenario.next,
      ...(scenario.onResponse && { onResponse: scenario.onResponse }),
    });
  }
  await server.settledStats(true);
  const load: LoadResult = await runLoad({
    url: server.url,
    durationSeconds: options.durationSeconds,
    connections: options.connections,
    next: scenario.next,
    ...(scenario.maxRequests !== undefined && { maxRequests: scenario.maxRequests }),
    ...(scenario.onResponse && { onResponse: scenario.onResponse }),
  });
  const stats = await server.settledStats(false);
  const totalCalls = Object.values(stats.calls).reduce((sum, count) => sum + count, 0);
  const counted = totalCalls > 0 || !options.allowUncounted;
  const perRequest = (count: number) => (stats.invocations === 0 ? 0 : count / stats.invocations);
  const result: ScenarioResult = {
    id: scenario.id,
    title: scenario.title,
    server: scenario.serverKind,
    requests: load.requests,
    durationSeconds: load.durationSeconds,
    requestsPerSecond: load.requestsPerSecond,
    latencyMs: {
      p50: percentile(load.latenciesMs, 50),
      p90: percentile(load.latenciesMs, 90),
      p99: percentile(load.latenciesMs, 99),
      max: percentile(load.latenciesMs, 100),
    },
    errors: load.errors,
    non2xx: load.non2xx,
    statusCounts: load.statusCounts,
    replayed: load.replayed,
    callsPerRequest: counted
      ? Object.fromEntries(
          Object.entries(stats.calls).map(([operation, count]) => [operation, perRequest(count)]),
        )
      : null,
    totalCallsPerRequest: counted ? perRequest(totalCalls) : null,
    serverCpuMicrosecondsPerRequest:
      stats.invocations === 0 ? null : stats.cpuMicroseconds / stats.invocations,
  };
  console.log(
    `${Math.round(result.requestsPerSecond)} req/s, p50 ${result.latencyMs.p50.toFixed(2)} ms, ` +
      `${result.totalCallsPerRequest?.toFixed(2) ?? 'n/a'} DynamoDB calls/request, ` +
      `server CPU ${result.serverCpuMicrosecondsPerRequest?.toFixed(0) ?? 'n/a'} µs/request` +
      (result.non2xx + result.errors > 0
        ? `, ${result.non2xx} non-2xx, ${result.errors} errors`
        : ''),
  );
  return result;
}

/** Sends one request outside any load run: to set up data, or to probe call counts. */
async function send(
  url: string,
  request: BenchRequest,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url + request.path, {
    method: request.method,
    headers: request.headers,
    ...(request.body !== undefined && { body: request.body }),
  });
  return { status: response.status, body: await response.json() };
}

async function main(): Promise<void> {
  const started = Date.now();
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // BENCH_COMMIT names the code when it is measured outside a git checkout (the baseline).
  const commit = process.env.BENCH_COMMIT ?? gitDescription();
  console.log(`Benchmark of ${commit} on ${os.cpus().length} cores, Node.js ${process.version}`);
  console.log(
    `  ${options.durationSeconds} s per scenario after ${options.warmupSeconds} s of warm-up, ` +
      `${options.connections} connections, ${options.coldStarts} cold starts per function\n`,
  );

  rmSync(buildDir, { recursive: true, force: true });
  console.log('Bundle sizes (minified, deployed target)');
  const bundles: FunctionBundleSize[] = [];
  const runnable = new Map<SdkPlacement, Map<string, string>>();
  for (const sdk of ['bundled', 'runtime'] as const) {
    bundles.push(...(await measureBundleSizes(sdk, path.join(buildDir, `size-${sdk}`))));
    runnable.set(sdk, await buildRunnableBundles(sdk, path.join(buildDir, `run-${sdk}`)));
  }
  const benchEntry = await buildBenchEntry(path.join(buildDir, 'server'));
  for (const size of bundles) {
    console.log(
      `  ${size.functionId} (SDK ${size.sdk}): ${kb(size.bytes)}, gzip ${kb(size.gzipBytes)}; ` +
        size.biggestInputs
          .slice(0, 4)
          .map((input) => `${input.name} ${kb(input.bytes)}`)
          .join(', '),
    );
  }

  const engine = await startDynamoDbEngine();
  const run = randomUUID().slice(0, 8);
  const tables = { orders: `bench-${run}-orders`, idempotency: `bench-${run}-idempotency` };
  const admin = adminClient(engine.endpoint);
  await createTables(admin, tables);
  admin.destroy();
  const functionEnv: NodeJS.ProcessEnv = {
    ...process.env,
    DYNAMODB_ENDPOINT: engine.endpoint,
    ORDERS_TABLE_NAME: tables.orders,
    IDEMPOTENCY_TABLE_NAME: tables.idempotency,
    POWERTOOLS_SERVICE_NAME: 'payments-api-bench',
    POWERTOOLS_LOG_LEVEL: 'WARN',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_DEV: 'false',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };

  try {
    const serverEnvBase = { ...functionEnv, BENCH_ENTRY_BUNDLE: benchEntry };
    const scenarios: ScenarioResult[] = [];
    const business: Record<string, number | null> = {
      'POST /orders': null,
      'POST /payments': null,
    };

    // Orders created by scenario 1: the keys scenario 3 replays and the orders scenario 4 pays.
    const createdOrders: (CreatedOrder & { request: OrderRequest })[] = [];
    const collectOrder = (request: OrderRequest, status: number, body: string) => {
      if (status !== 201) return;
      const order = JSON.parse(body) as CreatedOrder;
      createdOrders.push({ id: order.id, amount: order.amount, currency: order.currency, request });
    };
    const payments: PaidOrder[] = [];

    // Three kinds of container, all started now: an idle one costs next to nothing, and the
    // scenarios a ratio compares then run back to back, under the same background load.
    console.log(
      '\nScenarios on three servers: default (idempotency layer, local cache), ' +
        'no-local-cache (another container), unguarded (composed without the idempotency layer)',
    );
    const [defaultServer, otherServer, unguardedServer] = await Promise.all(
      (['default', 'no-local-cache', 'unguarded'] as const).map((kind) =>
        BenchServer.start(kind, serverEnvBase),
      ),
    );
    if (!defaultServer || !otherServer || !unguardedServer) throw new Error('a server is missing');
    const onDefault = { server: defaultServer, serverKind: 'default' as const };
    const onOther = { server: otherServer, serverKind: 'no-local-cache' as const };
    const onUnguarded = { server: unguardedServer, serverKind: 'unguarded' as const };

    await runScenarioInto(scenarios, {
      ...onDefault,
      id: 'orders-first',
      title: 'POST /orders, a fresh key per request',
      next: () => anOrderRequest(),
      onResponse: collectOrder,
    });
    // Short or slow runs: top the pool up (unmeasured) so that every later scenario has orders.
    const ordersNeeded = 20 + options.coldStarts * 2 + 400;
    while (createdOrders.length < ordersNeeded) {
      await runLoad({
        url: defaultServer.url,
        durationSeconds: 1,
        connections: options.connections,
        next: () => anOrderRequest(),
        onResponse: collectOrder,
      });
    }
    // Kept aside: orders for the probes and the cold starts of create-payment.
    const reserved = createdOrders.splice(0, 20 + options.coldStarts * 2);
    const replayKeys = createdOrders.slice(0, 2000).map((order) => order.request);
    const cachedReplayKeys = createdOrders.slice(0, 100).map((order) => order.request);
    const payable = createdOrders.slice(2000 < createdOrders.length / 2 ? 2000 : 0);

    await runScenarioInto(scenarios, {
      ...onUnguarded,
      id: 'orders-unguarded',
      title: 'POST /orders without the idempotency layer',
      next: () => anOrderRequest(),
    });
    await runScenarioInto(scenarios, {
      ...onOther,
      id: 'orders-replay',
      title: 'POST /orders replays of completed keys',
      next: cycle(replayKeys),
    });
    await runScenarioInto(scenarios, {
      ...onDefault,
      id: 'orders-replay-cached',
      title: 'POST /orders replays from the warm local cache',
      next: cycle(cachedReplayKeys),
    });
    let payableIndex = 0;
    const nextPayment = () => {
      const order = payable[payableIndex++];
      return order ? aPaymentRequest(order) : undefined;
    };
    await runScenarioInto(scenarios, {
      ...onDefault,
      id: 'payments-first',
      title: 'POST /payments, each on its own order',
      next: nextPayment,
      warmupNext: () => (payableIndex < payable.length / 4 ? nextPayment() : undefined),
      maxRequests: Math.floor((payable.length * 3) / 4),
      onResponse: (request, status, body) => {
        if (status === 201) payments.push({ request, ...(JSON.parse(body) as PaymentBody) });
      },
    });
    await runScenarioInto(scenarios, {
      ...onOther,
      id: 'payments-replay',
      title: 'POST /payments replays of completed keys',
      next: cycle(payments.slice(0, 2000).map((payment) => payment.request)),
    });
    const nextOrderId = cycle(createdOrders.map((order) => order.id));
    await runScenarioInto(scenarios, {
      ...onDefault,
      id: 'get-order',
      title: 'GET /orders/{id}',
      next: () => ({
        method: 'GET',
        path: `/orders/${nextOrderId() ?? ''}`,
        headers: { 'x-tenant-id': tenant },
      }),
    });

    if (!options.skip.has('orders-unguarded')) {
      // The business calls of a payment, without the layer: what a first execution adds 2 to.
      await unguardedServer.settledStats(true);
      for (const order of reserved.splice(0, 20)) {
        const { status } = await send(unguardedServer.url, aPaymentRequest(order));
        if (status !== 201) throw new Error(`a probe payment answered ${status}, not 201`);
      }
      const probed = await unguardedServer.settledStats(false);
      business['POST /payments'] =
        Object.values(probed.calls).reduce((sum, count) => sum + count, 0) / probed.invocations;
      business['POST /orders'] =
        scenarios.find((scenario) => scenario.id === 'orders-unguarded')?.totalCallsPerRequest ??
        null;
    }
    await Promise.all([defaultServer, otherServer, unguardedServer].map((server) => server.stop()));

    const coldStarts: ColdStartResult[] = [];
    const coldStartRoutes = options.only.length === 0 ? apiRoutes : [];
    if (coldStartRoutes.length > 0) {
      console.log('\nCold starts (fresh Node.js process: load the bundle, answer one request)');
    }
    const paid = payments[0];
    const sdkPlacements = ['bundled', 'runtime'] as const;
    for (const route of coldStartRoutes) {
      const samples = new Map<SdkPlacement, ColdStartSample[]>(
        sdkPlacements.map((sdk) => [sdk, []]),
      );
      // The variants alternate, sample by sample, so that a change in background load hits both.
      for (let i = 0; i < options.coldStarts; i++) {
        for (const sdk of sdkPlacements) {
          // Each cold start of create-payment pays an order of its own.
          const unpaid =
            route.functionId === 'CreatePaymentFunction' ? reserved.shift() : createdOrders[0];
          if (!paid || !unpaid) throw new Error('no payment or unpaid order left for cold starts');
          const bundle = runnable.get(sdk)?.get(route.functionId) ?? '';
          const event = coldStartEvent(route, { paid, unpaid });
          samples.get(sdk)?.push(await coldStart(bundle, event, functionEnv));
        }
      }
      for (const sdk of sdkPlacements) {
        const taken = samples.get(sdk) ?? [];
        const result: ColdStartResult = {
          functionId: route.functionId,
          sdk,
          medianTotalMs: median(taken.map((s) => s.totalMs)),
          medianLoadMs: median(taken.map((s) => s.loadMs)),
          medianFirstRequestMs: median(taken.map((s) => s.firstRequestMs)),
          medianProcessMs: median(taken.map((s) => s.processMs)),
          samples: taken,
        };
        coldStarts.push(result);
        console.log(
          `  ${route.functionId} (SDK ${sdk}): median ${result.medianTotalMs.toFixed(1)} ms ` +
            `(load ${result.medianLoadMs.toFixed(1)} + first request ` +
            `${result.medianFirstRequestMs.toFixed(1)}; whole process ${result.medianProcessMs.toFixed(0)} ms), ` +
            `statuses ${[...new Set(taken.map((s) => s.statusCode))].join(',')}`,
        );
      }
    }

    console.log('\nCached replays in one process, without HTTP (create-order, SDK bundled)');
    const createOrderRoute = apiRoutes.find((route) => route.functionId === 'CreateOrderFunction');
    const inProcess = createOrderRoute
      ? await inProcessCachedReplays(
          runnable.get('bundled')?.get('CreateOrderFunction') ?? '',
          coldStartEvent(createOrderRoute, null),
          functionEnv,
          20_000,
        )
      : null;
    if (inProcess) {
      console.log(
        `  ${inProcess.microsecondsPerReplay.toFixed(1)} µs per replay, ` +
          `${Math.round(inProcess.replaysPerSecond)} replays/s on one core`,
      );
    }

    const results = evaluate({
      commit,
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, node: process.version, loadAverage: os.loadavg() },
      options: { ...options, skip: [...options.skip] },
      bundles,
      coldStarts,
      scenarios,
      businessCallsPerRequest: business,
      inProcessCachedReplays: inProcess,
      ratios: {},
      targets: [],
    });
    const out = outputPath;
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(`${out}.json`, `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(`${out}.md`, renderMarkdown(results, path.basename(out)));
    writeFileSync(`${out}.svg`, renderChart(results));
    console.log(`\n${renderMarkdown(results, path.basename(out))}`);
    console.log(`Written: ${out}.{json,md,svg} in ${Math.round((Date.now() - started) / 1000)} s`);
    const failed = results.targets.filter((target) => target.asserted && target.pass === false);
    if (failed.length > 0) {
      console.error(`FAILED: ${failed.map((target) => target.name).join('; ')}`);
      process.exitCode = 1;
    }
  } finally {
    await engine.stop();
  }
}

/** The event API Gateway would hand `route`'s function for a typical request. */
function coldStartEvent(
  route: ApiRoute,
  /** The orders the GET and pay requests name; create-order needs none. */
  data: { readonly paid: PaidOrder; readonly unpaid: CreatedOrder } | null,
) {
  const request = ((): BenchRequest & { pathParameters: Record<string, string> } => {
    if (route.functionId === 'CreateOrderFunction')
      return { ...anOrderRequest(), pathParameters: {} };
    if (!data) throw new Error(`${route.functionId} needs an order`);
    switch (route.functionId) {
      case 'CreatePaymentFunction':
        return { ...aPaymentRequest(data.unpaid), pathParameters: {} };
      case 'GetOrderFunction':
        return get(`/orders/${data.paid.orderId}`, { orderId: data.paid.orderId });
      case 'GetPaymentFunction':
        return get(`/payments/${data.paid.id}`, { paymentId: data.paid.id });
      case 'ListOrderPaymentsFunction':
        return get(`/orders/${data.paid.orderId}/payments`, { orderId: data.paid.orderId });
      default:
        throw new Error(`no cold-start request for ${route.functionId}`);
    }
  })();
  return toProxyEvent({
    route,
    path: request.path,
    pathParameters: request.pathParameters,
    headers: Object.fromEntries(
      Object.entries(request.headers).map(([name, value]) => [name, [value]]),
    ),
    ...(request.body !== undefined && { body: Buffer.from(request.body) }),
  });
}

function get(
  path: string,
  pathParameters: Record<string, string>,
): BenchRequest & { pathParameters: Record<string, string> } {
  return { method: 'GET', path, headers: { 'x-tenant-id': tenant }, pathParameters };
}

const p50Of = (results: readonly ScenarioResult[], id: string) =>
  results.find((scenario) => scenario.id === id)?.latencyMs.p50 ?? null;
const ratio = (a: number | null, b: number | null) =>
  a === null || b === null || b === 0 ? null : a / b;

/** The ratios of the issue and every target, asserted or reported. */
function evaluate(results: BenchResults): BenchResults {
  const { scenarios } = results;
  const scenario = (id: string) => scenarios.find((candidate) => candidate.id === id);
  const calls = (id: string) => scenario(id)?.totalCallsPerRequest ?? null;
  const ratios = {
    overhead: ratio(p50Of(scenarios, 'orders-first'), p50Of(scenarios, 'orders-unguarded')),
    overheadFloor: ratio(calls('orders-first'), calls('orders-unguarded')),
    replaySpeed: ratio(p50Of(scenarios, 'orders-replay'), p50Of(scenarios, 'orders-first')),
    paymentsReplay: ratio(p50Of(scenarios, 'payments-replay'), p50Of(scenarios, 'payments-first')),
    cachedReplaySpeed: ratio(
      p50Of(scenarios, 'orders-replay-cached'),
      p50Of(scenarios, 'orders-first'),
    ),
  };
  const atMost = (name: string, value: number | null, limit: number | null, asserted: boolean) => ({
    name,
    value,
    limit: limit === null ? 'n/a' : `<= ${round(limit)}`,
    pass: value === null || limit === null ? null : value <= limit + 1e-9,
    asserted,
  });
  const counted = !options.allowUncounted;
  // The protocol's budget (issue 12): the idempotency layer's 2 calls (lock, result) around the
  // business writes, which are 1 for an order (insert) and 2 for a payment (claim, record).
  const targets: Target[] = [
    atMost('orders first execution: DynamoDB calls', calls('orders-first'), 3, counted),
    atMost('payments first execution: DynamoDB calls', calls('payments-first'), 4, counted),
    atMost('orders replay: DynamoDB calls', calls('orders-replay'), 1, counted),
    atMost('payments replay: DynamoDB calls', calls('payments-replay'), 1, counted),
    atMost(
      'orders replay from the local cache: DynamoDB calls',
      calls('orders-replay-cached'),
      0,
      counted,
    ),
    atMost(
      'overhead p50(1)/p50(2)',
      ratios.overhead,
      ratios.overheadFloor === null ? null : 1.1 * ratios.overheadFloor,
      false,
    ),
    atMost('replay speed p50(3)/p50(1)', ratios.replaySpeed, 0.5, false),
    {
      name: 'cached replays: requests/s',
      value: scenario('orders-replay-cached')?.requestsPerSecond ?? null,
      limit: '>= 5000',
      pass:
        scenario('orders-replay-cached') === undefined
          ? null
          : (scenario('orders-replay-cached')?.requestsPerSecond ?? 0) >= 5000,
      asserted: false,
    },
    ...results.bundles
      .filter((bundle) => bundle.sdk === 'bundled')
      .map((bundle) => atMost(`${bundle.functionId} bundle: KB`, bundle.bytes / 1000, 350, false)),
    ...results.coldStarts
      .filter((cold) => cold.sdk === 'bundled')
      .map((cold) =>
        atMost(`${cold.functionId} cold start (median): ms`, cold.medianTotalMs, 120, false),
      ),
  ];
  return { ...results, ratios, targets };
}

const round = (value: number) => Math.round(value * 100) / 100;
const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} KB`;

function gitDescription(): string {
  try {
    const commit = execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
    const dirty = execSync('git status --porcelain', { encoding: 'utf8' }).trim() !== '';
    return dirty ? `${commit}+uncommitted` : commit;
  } catch {
    return 'unknown';
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
