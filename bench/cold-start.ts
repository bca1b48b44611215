/**
 * Cold start: fresh Node.js processes, each loading one function's bundle and answering one
 * request against the engine, as a new Lambda container does. The child (`./child/cold-start.ts`,
 * bundled) runs without any loader (no tsx), so the time is the bundle's own; a bundle that
 * leaves the SDK to the runtime resolves it from node_modules, and that resolution is part of
 * its time.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { ApiRoute } from '../lib/api-routes';
import { bundleEntry } from '../local/bundle';
import { toProxyEvent } from '../local/proxy-event';
import { FLOOR, type SdkPlacement } from './bundles';
import type { BenchRequest } from './load';
import {
  aGet,
  anOrderRequest,
  aPaymentRequest,
  type BenchPayment,
  type CreatedOrder,
} from './requests';
import type { ColdStartResult, ColdStartSample } from './results';

const childDir = path.join(__dirname, '.build', 'child');
let child: Promise<string> | undefined;

/** Runs one fresh process for `bundle` answering `event`. */
export async function coldStart(
  bundle: string,
  event: APIGatewayProxyEvent,
  env: NodeJS.ProcessEnv,
): Promise<ColdStartSample> {
  const script = await (child ??= bundleEntry('bench/child/cold-start.ts', childDir));
  const spawned = performance.now();
  const childProcess = spawn(process.execPath, [script], {
    env: { ...env, BENCH_BUNDLE: bundle, BENCH_EVENT: JSON.stringify(event) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  childProcess.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const [code] = (await once(childProcess, 'exit')) as [number | null];
  const processMs = performance.now() - spawned;
  if (code !== 0) throw new Error(`cold start of ${bundle} exited with ${code}: ${output}`);
  return { ...(JSON.parse(output) as Omit<ColdStartSample, 'processMs'>), processMs };
}

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

const SDK_PLACEMENTS: readonly SdkPlacement[] = ['bundled', 'runtime'];

/** Cold starts of every function and of the floor. */
export interface ColdStarts {
  readonly functions: ColdStartResult[];
  /** The floor over all its samples. */
  readonly floor: ColdStartResult;
}

/**
 * `samples` cold starts of each route's function, per SDK placement, and as many of the floor
 * alongside each: the floor and the placements alternate sample by sample, so that a change in
 * background load hits all of them, and each function is compared with the floor's samples
 * taken among its own.
 *
 * @param bundles the runnable bundle of each function, by SDK placement
 * @param floorBundle the runnable floor (`./floor-function.ts`)
 * @param data a succeeded payment for the reads, and unpaid orders: each cold start of
 *   create-payment pays one of its own
 */
export async function measureColdStarts(
  routes: readonly ApiRoute[],
  bundles: ReadonlyMap<SdkPlacement, ReadonlyMap<string, string>>,
  floorBundle: string,
  data: { readonly paid: BenchPayment | undefined; readonly unpaid: CreatedOrder[] },
  env: NodeJS.ProcessEnv,
  samples: number,
): Promise<ColdStarts> {
  const functions: ColdStartResult[] = [];
  const allFloor: ColdStartSample[] = [];
  // The floor reads one item whatever the event; a GET's event gives it a route's context.
  const getOrder = routes.find((route) => route.method === 'GET');
  if (!getOrder) throw new Error('no GET route to give the floor an event');
  const floorEvent = coldStartEvent(getOrder, { paid: data.paid });
  for (const route of routes) {
    const taken = new Map<SdkPlacement, ColdStartSample[]>(SDK_PLACEMENTS.map((sdk) => [sdk, []]));
    const floor: ColdStartSample[] = [];
    for (let i = 0; i < samples; i++) {
      floor.push(await coldStart(floorBundle, floorEvent, env));
      for (const sdk of SDK_PLACEMENTS) {
        const unpaid =
          route.functionId === 'CreatePaymentFunction' ? data.unpaid.shift() : undefined;
        const bundle = bundles.get(sdk)?.get(route.functionId) ?? '';
        const event = coldStartEvent(route, { paid: data.paid, unpaid });
        taken.get(sdk)?.push(await coldStart(bundle, event, env));
      }
    }
    allFloor.push(...floor);
    const floorMedianTotalMs = median(floor.map((s) => s.totalMs));
    for (const sdk of SDK_PLACEMENTS) {
      const result = summarise(route.functionId, sdk, taken.get(sdk) ?? [], floorMedianTotalMs);
      functions.push(result);
      console.log(
        `  ${route.functionId} (SDK ${sdk}): median ${result.medianTotalMs.toFixed(1)} ms ` +
          `(load ${result.medianLoadMs.toFixed(1)} + first request ` +
          `${result.medianFirstRequestMs.toFixed(1)}; whole process ${result.medianProcessMs.toFixed(0)} ms), ` +
          `${(result.medianTotalMs / floorMedianTotalMs).toFixed(2)}x the floor's ` +
          `${floorMedianTotalMs.toFixed(1)} ms alongside, statuses ` +
          `${[...new Set(result.samples.map((s) => s.statusCode))].join(',')}`,
      );
    }
  }
  const floor = summarise(FLOOR, 'bundled', allFloor, median(allFloor.map((s) => s.totalMs)));
  console.log(
    `  ${FLOOR}: median ${floor.medianTotalMs.toFixed(1)} ms (load ${floor.medianLoadMs.toFixed(1)} ` +
      `+ first request ${floor.medianFirstRequestMs.toFixed(1)}) over ${allFloor.length} samples`,
  );
  return { functions, floor };
}

function summarise(
  functionId: string,
  sdk: SdkPlacement,
  of: readonly ColdStartSample[],
  floorMedianTotalMs: number,
): ColdStartResult {
  return {
    functionId,
    sdk,
    medianTotalMs: median(of.map((s) => s.totalMs)),
    floorMedianTotalMs,
    medianLoadMs: median(of.map((s) => s.loadMs)),
    medianFirstRequestMs: median(of.map((s) => s.firstRequestMs)),
    medianProcessMs: median(of.map((s) => s.processMs)),
    samples: of,
  };
}

/** The event API Gateway would hand `route`'s function for a typical request. */
export function coldStartEvent(
  route: ApiRoute,
  /** The payment the reads name, the order create-payment pays; create-order needs neither. */
  { paid, unpaid }: { readonly paid?: BenchPayment; readonly unpaid?: CreatedOrder },
): APIGatewayProxyEvent {
  const needed = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`no ${what} left for ${route.functionId}`);
    return value;
  };
  const request = ((): BenchRequest & { pathParameters: Record<string, string> } => {
    switch (route.functionId) {
      case 'CreateOrderFunction':
        return { ...anOrderRequest(), pathParameters: {} };
      case 'CreatePaymentFunction':
        return { ...aPaymentRequest(needed(unpaid, 'unpaid order')), pathParameters: {} };
    }
    const { id, orderId } = needed(paid, 'payment');
    switch (route.functionId) {
      case 'GetOrderFunction':
        return aGet(`/orders/${orderId}`, { orderId });
      case 'GetPaymentFunction':
        return aGet(`/payments/${id}`, { paymentId: id });
      case 'ListOrderPaymentsFunction':
        return aGet(`/orders/${orderId}/payments`, { orderId });
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
