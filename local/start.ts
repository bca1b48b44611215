/**
 * `npm start`: the API on http://127.0.0.1:$PORT, running the bundled handlers the stack deploys
 * on the embedded DynamoDB engine (or on `DYNAMODB_ENDPOINT`).
 *
 * With `FAULT_INJECTION=1` (the exactly-once checker), it runs the fault-injecting entry
 * (`local/faults/entry.ts`) instead: the same handlers, with fault points around their ports.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { apiRoutes } from '../lib/api-routes';
import { bundleEntry, bundleFunctions } from './bundle';
import { adminClient, createTables, startDynamoDbEngine } from './dynamodb-engine';
import { createLocalServer, type LambdaHandler } from './server';

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

async function main(): Promise<void> {
  const started = Date.now();
  useLocalDefaults();
  const port = Number(process.env.PORT ?? 3000);

  const engine = await startDynamoDbEngine({ dbPath: process.env.DB_PATH });
  // A fresh directory per server, so that two servers never load each other's half-written bundles.
  const buildDir = mkdtempSync(path.join(tmpdir(), 'payments-api-build-'));
  const handlers = new Map<string, LambdaHandler>();
  const server = createLocalServer({
    handlerFor: (route) => handlers.get(route.functionId) as LambdaHandler,
  });
  // Installed before anything is announced, so that a signal never finds the default handler
  // and leaves the engine running.
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: shutting down`);
    if (server.listening) server.close();
    server.closeIdleConnections();
    rmSync(buildDir, { recursive: true, force: true });
    void engine.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  const admin = adminClient(engine.endpoint);
  await createTables(admin, {
    orders: process.env.ORDERS_TABLE_NAME ?? '',
    idempotency: process.env.IDEMPOTENCY_TABLE_NAME ?? '',
  });
  admin.destroy();
  process.env.DYNAMODB_ENDPOINT = engine.endpoint;

  // Loaded now, not on first use: a handler that cannot start fails `npm start` itself.
  for (const [functionId, handler] of await loadHandlers(buildDir)) {
    handlers.set(functionId, handler);
  }
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  console.log(`Payments API listening on ${url} (ready in ${Date.now() - started} ms)`);
  console.log(
    `DynamoDB: ${engine.endpoint}${process.env.DB_PATH ? ` (data in ${process.env.DB_PATH})` : ' (in memory)'}`,
  );
  console.log(
    `Try:\n  curl -s -X POST ${url}/orders -H 'Content-Type: application/json' -H 'Idempotency-Key: order-1' \\\n` +
      `    -d '{"customerId":"cus_123","currency":"usd","items":[{"sku":"SKU-1","quantity":2,"unitAmount":1250}]}'`,
  );
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

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
