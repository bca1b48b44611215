/**
 * `npm start`: the API on http://127.0.0.1:$PORT, running the bundled handlers the stack deploys
 * on the embedded DynamoDB engine (or on `DYNAMODB_ENDPOINT`).
 *
 * With `FAULT_INJECTION=1` (the exactly-once checker), it runs the fault-injecting entry
 * (`local/faults/entry.ts`) instead: the same handlers, with fault points around their ports.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { apiRoutes } from '../lib/api-routes';
import { bundleEntry, bundleFunctions } from './bundle';
import { adminClient, createTables, engineTitles, startDynamoDbEngine } from './dynamodb-engine';
import { localAuthFromEnvironment } from './local-auth';
import { createLocalServer, type Authenticate, type LambdaHandler } from './server';
import { localSweepIntervalMs, startSweeping } from './sweeping';
import type { SweeperHandler } from '../lambda/app/sweeper';
import { sweeperFunction } from '../lib/sweeper';

/** Local defaults; anything already in the environment wins and reaches the handlers as is. */
function useLocalDefaults(): void {
  process.env.ORDERS_TABLE_NAME ??= 'payments-local-orders';
  process.env.IDEMPOTENCY_TABLE_NAME ??= 'payments-local-idempotency';
  process.env.POWERTOOLS_SERVICE_NAME ??= 'payments-api-local';
  // The server logs one line per request; the handlers' own logs only when something is wrong.
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

/** What start-up acquired, released in reverse order however the server ends. */
class Resources {
  private readonly releases: (() => Promise<void> | void)[] = [];

  add(release: () => Promise<void> | void): void {
    this.releases.push(release);
  }

  async releaseAll(): Promise<void> {
    for (const release of this.releases.splice(0).reverse()) {
      try {
        await release();
      } catch (error) {
        console.error(`while shutting down: ${(error as Error).message}`);
      }
    }
  }
}

/** Starts the server; resolves once it listens. Everything it acquires goes into `resources`. */
async function startServer(resources: Resources, signal: AbortSignal): Promise<void> {
  const started = Date.now();
  const port = Number(process.env.PORT ?? 3000);
  // Read before anything starts: a bad setting stops `npm start` with nothing left running.
  const auth = localAuthFromEnvironment(process.env);
  const sweepIntervalMs = localSweepIntervalMs(process.env);
  // Loaded only when asked for: it brings the stack's gateway responses (aws-cdk-lib) along.
  const authenticate: Authenticate | undefined =
    auth.type === 'sigv4'
      ? (await import('./sigv4-authentication')).sigV4Authentication(auth)
      : undefined;

  const engine = await startDynamoDbEngine({ dbPath: process.env.DB_PATH, signal });
  resources.add(() => engine.stop());
  signal.throwIfAborted();

  const admin = adminClient(engine.endpoint);
  try {
    await createTables(admin, {
      orders: process.env.ORDERS_TABLE_NAME ?? '',
      idempotency: process.env.IDEMPOTENCY_TABLE_NAME ?? '',
    });
  } finally {
    admin.destroy();
  }
  signal.throwIfAborted();
  process.env.DYNAMODB_ENDPOINT = engine.endpoint;

  // A fresh directory per server, so that two servers never load each other's half-written bundles.
  const buildDir = mkdtempSync(path.join(tmpdir(), 'payments-api-build-'));
  resources.add(() => rmSync(buildDir, { recursive: true, force: true }));
  // Loaded now, not on first use: a handler that cannot start fails `npm start` itself.
  const handlers = await loadHandlers(buildDir);
  signal.throwIfAborted();

  // The stack's scheduled sweeper, on a short period: abandoned payment attempts are settled
  // within seconds, by the same bundled code, sharing the sandbox processor's ledger.
  if (sweepIntervalMs !== undefined) {
    resources.add(startSweeping(await loadSweeper(buildDir), sweepIntervalMs));
  }
  signal.throwIfAborted();

  const server = createLocalServer({
    handlerFor: (route) => handlers.get(route.functionId) as LambdaHandler,
    authenticate,
  });
  resources.add(() => {
    if (server.listening) server.close();
    server.closeIdleConnections();
  });
  server.listen(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(
              `Port ${port} on 127.0.0.1 is in use: stop what listens there, or choose another ` +
                'port (PORT=3001 npm start; PORT=0 takes any free one).',
            )
          : error,
      ),
    );
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  console.log(`Payments API listening on ${url} (ready in ${Date.now() - started} ms)`);
  const storage = process.env.DB_PATH ? `data in ${process.env.DB_PATH}` : 'in memory';
  console.log(
    `DynamoDB: ${engine.endpoint} (${engineTitles[engine.name]}` +
      `${engine.name === 'endpoint' ? '' : `, ${storage}`})`,
  );
  console.log(
    sweepIntervalMs === undefined
      ? 'Sweeper: off (LOCAL_SWEEP_INTERVAL_SECONDS=<seconds> turns it on)'
      : `Sweeper: every ${sweepIntervalMs / 1000} s (LOCAL_SWEEP_INTERVAL_SECONDS)`,
  );
  if (auth.type === 'sigv4') {
    console.log(
      `Requests must be signed (SigV4, region ${auth.region}, service execute-api) with one of the credentials in ${process.env.LOCAL_CREDENTIALS_FILE}`,
    );
  } else {
    console.log(
      `Try:\n  curl -s -X POST ${url}/orders -H 'Content-Type: application/json' -H 'Idempotency-Key: order-1' \\\n` +
        `    -d '{"customerId":"cus_123","currency":"usd","items":[{"sku":"SKU-1","quantity":2,"unitAmount":1250}]}'`,
    );
  }
}

/** The bundled handlers, by function id: the deployed entries, or the fault-injecting one. */
async function loadHandlers(buildDir: string): Promise<ReadonlyMap<string, LambdaHandler>> {
  if (process.env.FAULT_INJECTION === '1') {
    const bundle = await bundleEntry('local/faults/entry.ts', buildDir);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require(bundle) as { handlers: ReadonlyMap<string, LambdaHandler> }).handlers;
  }
  const bundles = await bundleFunctions(buildDir);
  return new Map(
    apiRoutes.map((route) => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const bundle = require(bundles.get(route.functionId) ?? '') as { handler: LambdaHandler };
      return [route.functionId, bundle.handler];
    }),
  );
}

/** The bundled sweeper: the deployed entry, or the fault-injecting entry's (bundled already). */
async function loadSweeper(buildDir: string): Promise<SweeperHandler> {
  if (process.env.FAULT_INJECTION === '1') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require(faultInjectingBundle(buildDir)) as { sweeper: SweeperHandler }).sweeper;
  }
  const bundle = await bundleEntry(sweeperFunction.entry, buildDir);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(bundle) as { handler: SweeperHandler }).handler;
}

/** Where `bundleEntry` puts the fault-injecting entry in `buildDir`. */
const faultInjectingBundle = (buildDir: string) => path.join(buildDir, 'entry.js');

/**
 * Runs until SIGINT or SIGTERM (Ctrl-C, or npm passing either on), then stops the server and
 * the engine and removes the bundles; a start-up that fails or is interrupted does the same.
 *
 * @returns the exit code
 */
async function main(): Promise<number> {
  useLocalDefaults();
  const resources = new Resources();
  const interrupted = new AbortController();
  // Installed before anything starts, so that a signal never finds the default handler and
  // leaves the engine running.
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      if (interrupted.signal.aborted) return;
      console.log(`${signal}: shutting down`);
      interrupted.abort(new Error(`${signal} during start-up`));
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  try {
    await startServer(resources, interrupted.signal);
    await stopped;
    return 0;
  } catch (error) {
    if (interrupted.signal.aborted) return 0;
    console.error((error as Error).message);
    return 1;
  } finally {
    await resources.releaseAll();
  }
}

void main().then((code) => process.exit(code));
