/**
 * `npm run bench`: what the idempotency layer costs, side by side in one run.
 *
 * Bundle sizes (esbuild metafile), then load scenarios with autocannon against the bundled
 * handlers on the embedded engine, with the DynamoDB calls each request made, then cold starts
 * (fresh Node.js processes) and cached replays without HTTP. Writes the results as build
 * output (`bench/results/latest.{json,md,svg}` unless `--out` says otherwise) and exits
 * non-zero when a call count exceeds what the protocol requires. Options: `--help`.
 */
import { execSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { apiRoutes } from '../lib/api-routes';
import { adminClient, createTables, startDynamoDbEngine } from '../local/dynamodb-engine';
import {
  buildBenchEntry,
  buildRunnableBundles,
  buildRunnableFloor,
  measureBundleSizes,
  measureFloorSize,
  type FunctionBundleSize,
  type SdkPlacement,
} from './bundles';
import { coldStartEvent, measureColdStarts, type ColdStarts } from './cold-start';
import { inProcessCachedReplays, type InProcessReplays } from './in-process';
import { parseBenchOptions, USAGE, type BenchOptions } from './options';
import { writeResults } from './report';
import { runLoadScenarios } from './scenarios';
import { BenchServer } from './server-process';
import { evaluate, failedTargets } from './targets';

const buildDir = path.join(__dirname, '.build');

async function main(options: BenchOptions): Promise<void> {
  const started = Date.now();
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // BENCH_COMMIT names the code when it is measured outside a git checkout (the baseline).
  const commit = process.env.BENCH_COMMIT ?? gitDescription();
  console.log(`Benchmark of ${commit} on ${os.cpus().length} cores, Node.js ${process.version}`);
  warnUnlessDeployedNode();
  console.log(
    `  ${options.durationSeconds} s per scenario after ${options.warmupSeconds} s of warm-up, ` +
      `${options.connections} connections, ${options.coldStarts} cold starts per function\n`,
  );

  const { bundles, runnable, floor } = await buildBundles();
  const benchEntry = await buildBenchEntry(path.join(buildDir, 'server'));

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
    const serverEnv = { ...functionEnv, BENCH_ENTRY_BUNDLE: benchEntry };
    // Three kinds of container, all started now: an idle one costs next to nothing, and the
    // scenarios a ratio compares then run back to back, under the same background load.
    console.log(
      '\nScenarios on three servers: default (idempotency layer, local cache), ' +
        'no-local-cache (another container), unguarded (composed without the idempotency layer)',
    );
    const [defaultServer, noLocalCache, unguarded] = await Promise.all([
      BenchServer.start('default', serverEnv, options.profileServerDir),
      BenchServer.start('no-local-cache', serverEnv),
      BenchServer.start('unguarded', serverEnv),
    ]);
    const servers = { default: defaultServer, noLocalCache, unguarded };
    const load = await runLoadScenarios(servers, options).finally(() =>
      Promise.all(Object.values(servers).map((server) => server.stop())),
    );

    let coldStarts: ColdStarts | null = null;
    let inProcess: InProcessReplays | null = null;
    if (options.only.length === 0) {
      console.log(
        '\nCold starts (fresh Node.js process: load the bundle, answer one request), ' +
          'alternating with the floor',
      );
      coldStarts = await measureColdStarts(
        apiRoutes,
        runnable,
        floor.runnable,
        { paid: load.payments[0], unpaid: load.reservedOrders },
        functionEnv,
        options.coldStarts,
      );
      inProcess = await measureInProcessReplays(runnable, functionEnv);
    }

    const { skip, outputPath: _outputPath, ...recorded } = options;
    const results = evaluate({
      commit,
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, node: process.version, loadAverage: os.loadavg() },
      options: { ...recorded, skip: [...skip] },
      bundles,
      coldStarts: coldStarts?.functions ?? [],
      floor: { bundle: floor.size, coldStart: coldStarts?.floor ?? null },
      scenarios: load.scenarios,
      businessCallsPerRequest: load.businessCallsPerRequest,
      inProcessCachedReplays: inProcess,
      ratios: {},
      targets: [],
    });
    const markdown = writeResults(results, options.outputPath);
    console.log(`\n${markdown}`);
    console.log(
      `Written: ${path.relative(process.cwd(), options.outputPath)}.{json,md,svg} in ` +
        `${Math.round((Date.now() - started) / 1000)} s`,
    );
    const failed = failedTargets(results);
    if (failed.length > 0) {
      console.error(`FAILED: ${failed.map((target) => target.name).join('; ')}`);
      process.exitCode = 1;
    }
  } finally {
    await engine.stop();
  }
}

/** Sizes as deployed, and bundles this machine runs, with the SDK bundled and left out. */
async function buildBundles() {
  rmSync(buildDir, { recursive: true, force: true });
  console.log('Bundle sizes (minified, deployed target)');
  const bundles: FunctionBundleSize[] = [];
  const runnable = new Map<SdkPlacement, Map<string, string>>();
  for (const sdk of ['bundled', 'runtime'] as const) {
    bundles.push(...(await measureBundleSizes(sdk, path.join(buildDir, `size-${sdk}`))));
    runnable.set(sdk, await buildRunnableBundles(sdk, path.join(buildDir, `run-${sdk}`)));
  }
  const floor = {
    size: await measureFloorSize(path.join(buildDir, 'size-floor')),
    runnable: await buildRunnableFloor(path.join(buildDir, 'run-floor')),
  };
  for (const size of [...bundles, floor.size]) {
    console.log(
      `  ${size.functionId} (SDK ${size.sdk}): ${kb(size.bytes)} ` +
        `(${(size.bytes / floor.size.bytes).toFixed(2)}x the floor), gzip ${kb(size.gzipBytes)}; ` +
        size.biggestInputs
          .slice(0, 4)
          .map((input) => `${input.name} ${kb(input.bytes)}`)
          .join(', '),
    );
  }
  return { bundles, runnable, floor };
}

/** Cached replays of create-order (SDK bundled) in one process, without HTTP. */
async function measureInProcessReplays(
  runnable: ReadonlyMap<SdkPlacement, ReadonlyMap<string, string>>,
  env: NodeJS.ProcessEnv,
): Promise<InProcessReplays | null> {
  console.log('\nCached replays in one process, without HTTP (create-order, SDK bundled)');
  const createOrder = apiRoutes.find((route) => route.functionId === 'CreateOrderFunction');
  if (!createOrder) return null;
  const replays = await inProcessCachedReplays(
    runnable.get('bundled')?.get('CreateOrderFunction') ?? '',
    coldStartEvent(createOrder, {}),
    env,
    20_000,
  );
  console.log(
    `  ${replays.microsecondsPerReplay.toFixed(1)} µs per replay, ` +
      `${Math.round(replays.replaysPerSecond)} replays/s on one core`,
  );
  return replays;
}

const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} KB`;

/** Cold starts are the deployed runtime's only on its Node.js: `.nvmrc`'s, which `npm run bench` uses. */
function warnUnlessDeployedNode(): void {
  const deployed = readFileSync(path.join(__dirname, '..', '.nvmrc'), 'utf8').trim();
  if (process.versions.node.split('.')[0] !== deployed) {
    console.warn(
      `  Not the functions' Node.js ${deployed}: cold starts and ratios are this version's. ` +
        '`npm run bench` runs on it (scripts/node-bin.sh).',
    );
  }
}

function gitDescription(): string {
  try {
    const commit = execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
    const dirty = execSync('git status --porcelain', { encoding: 'utf8' }).trim() !== '';
    return dirty ? `${commit}+uncommitted` : commit;
  } catch {
    return 'unknown';
  }
}

const options = parseBenchOptions(process.argv.slice(2));
if (options === 'help') {
  console.log(USAGE);
} else {
  main(options).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
