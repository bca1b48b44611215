/**
 * The load scenarios: what each one sends to which server, run one after the other with
 * autocannon, each measured after a warm-up with the DynamoDB calls its requests made.
 */
import type { BenchOptions, ScenarioId } from './options';
import { percentile, runLoad, type BenchRequest, type LoadResult } from './load';
import {
  aGet,
  anOrderRequest,
  aPaymentRequest,
  cycle,
  send,
  type BenchOrder,
  type BenchPayment,
  type CreatedOrder,
  type KeyedRequest,
} from './requests';
import type { ScenarioResult } from './results';
import { callsPerInvocation, type BenchServer } from './server-process';

interface Scenario<T extends BenchRequest> {
  readonly id: ScenarioId;
  readonly title: string;
  readonly server: BenchServer;
  readonly next: () => T | undefined;
  readonly warmupNext?: () => T | undefined;
  readonly maxRequests?: number;
  readonly onResponse?: (request: T, status: number, body: string, replayed: boolean) => void;
}

/** The three servers the scenarios run on. */
export interface BenchServers {
  /** The deployed configuration: idempotency layer with Powertools' local cache. */
  readonly default: BenchServer;
  /** Another container: one that has not seen the keys. */
  readonly noLocalCache: BenchServer;
  /** The same routes without the idempotency layer: its floor. */
  readonly unguarded: BenchServer;
}

export interface LoadScenarioResults {
  readonly scenarios: ScenarioResult[];
  /** DynamoDB calls of the business operation alone (no idempotency layer), per request. */
  readonly businessCallsPerRequest: Record<'POST /orders' | 'POST /payments', number | null>;
  /** Unpaid orders kept out of the scenarios: for create-payment's cold starts. */
  readonly reservedOrders: BenchOrder[];
  /** Every order the scenarios created. */
  readonly createdOrders: readonly BenchOrder[];
  readonly payments: readonly BenchPayment[];
}

/** Orders set aside for the unguarded payment probes. */
const PROBES = 20;

/**
 * Runs every scenario `options` does not skip, in the order that puts the ones a ratio
 * compares back to back.
 */
export async function runLoadScenarios(
  servers: BenchServers,
  options: BenchOptions,
): Promise<LoadScenarioResults> {
  const scenarios: ScenarioResult[] = [];
  const run = async <T extends BenchRequest>(scenario: Scenario<T>) => {
    if (options.skip.has(scenario.id)) console.log(`  ${scenario.id}: skipped`);
    else scenarios.push(await runScenario(scenario, options));
  };
  const businessCallsPerRequest: LoadScenarioResults['businessCallsPerRequest'] = {
    'POST /orders': null,
    'POST /payments': null,
  };

  // Orders created by the first scenario: the keys the replays send and the orders paid.
  const createdOrders: BenchOrder[] = [];
  const collectOrder = (request: KeyedRequest, status: number, body: string) => {
    if (status !== 201) return;
    const order = JSON.parse(body) as CreatedOrder;
    createdOrders.push({ id: order.id, amount: order.amount, currency: order.currency, request });
  };
  const payments: BenchPayment[] = [];

  await run({
    id: 'orders-first',
    title: 'POST /orders, a fresh key per request',
    server: servers.default,
    next: () => anOrderRequest(),
    onResponse: collectOrder,
  });
  // Short or slow runs: top the pool up (unmeasured) so that every later scenario has orders.
  const ordersNeeded = PROBES + options.coldStarts * 2 + 400;
  while (createdOrders.length < ordersNeeded) {
    await runLoad({
      url: servers.default.url,
      durationSeconds: 1,
      connections: options.connections,
      next: () => anOrderRequest(),
      onResponse: collectOrder,
    });
  }
  // Kept aside: orders for the probes and the cold starts of create-payment.
  const reserved = createdOrders.splice(0, PROBES + options.coldStarts * 2);
  const replayKeys = createdOrders.slice(0, 2000).map((order) => order.request);
  const cachedReplayKeys = createdOrders.slice(0, 100).map((order) => order.request);
  const payable = createdOrders.slice(2000 < createdOrders.length / 2 ? 2000 : 0);

  await run({
    id: 'orders-unguarded',
    title: 'POST /orders without the idempotency layer',
    server: servers.unguarded,
    next: () => anOrderRequest(),
  });
  await run({
    id: 'orders-replay',
    title: 'POST /orders replays of completed keys',
    server: servers.noLocalCache,
    next: cycle(replayKeys),
  });
  await run({
    id: 'orders-replay-cached',
    title: 'POST /orders replays from the warm local cache',
    server: servers.default,
    next: cycle(cachedReplayKeys),
  });
  let payableIndex = 0;
  const nextPayment = () => {
    const order = payable[payableIndex++];
    return order ? aPaymentRequest(order) : undefined;
  };
  const collectPayment = (request: KeyedRequest, status: number, body: string) => {
    if (status !== 201) return;
    const { id, orderId } = JSON.parse(body) as { id: string; orderId: string };
    payments.push({ id, orderId, request });
  };
  await run({
    id: 'payments-first',
    title: 'POST /payments, each on its own order',
    server: servers.default,
    next: nextPayment,
    warmupNext: () => (payableIndex < payable.length / 4 ? nextPayment() : undefined),
    maxRequests: Math.floor((payable.length * 3) / 4),
    onResponse: collectPayment,
  });
  if (options.skip.has('payments-first') && !options.skip.has('payments-replay')) {
    // The replays alone: pay orders (unmeasured) so that they have completed keys to send.
    await runLoad({
      url: servers.default.url,
      durationSeconds: 1,
      connections: options.connections,
      next: nextPayment,
      onResponse: collectPayment,
    });
  }
  if (payments.length === 0 && !options.skip.has('payments-replay')) {
    throw new Error('payments-replay: no payment succeeded, so there is no key to replay');
  }
  await run({
    id: 'payments-replay',
    title: 'POST /payments replays of completed keys',
    server: servers.noLocalCache,
    next: cycle(payments.slice(0, 2000).map((payment) => payment.request)),
  });
  const nextOrderId = cycle(createdOrders.map((order) => order.id));
  await run({
    id: 'get-order',
    title: 'GET /orders/{id}',
    server: servers.default,
    next: () => aGet(`/orders/${nextOrderId() ?? ''}`),
  });

  if (!options.skip.has('orders-unguarded')) {
    // The business calls of a payment, without the layer: what a first execution adds 2 to.
    await servers.unguarded.settledStats(true);
    for (const order of reserved.splice(0, PROBES)) {
      const { status } = await send(servers.unguarded.url, aPaymentRequest(order));
      if (status !== 201) throw new Error(`a probe payment answered ${status}, not 201`);
    }
    businessCallsPerRequest['POST /payments'] = callsPerInvocation(
      await servers.unguarded.settledStats(false),
    );
    businessCallsPerRequest['POST /orders'] =
      scenarios.find((scenario) => scenario.id === 'orders-unguarded')?.totalCallsPerRequest ??
      null;
  }
  return { scenarios, businessCallsPerRequest, reservedOrders: reserved, createdOrders, payments };
}

async function runScenario<T extends BenchRequest>(
  scenario: Scenario<T>,
  options: BenchOptions,
): Promise<ScenarioResult> {
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
    server: server.kind,
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
