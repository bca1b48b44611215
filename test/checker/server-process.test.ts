/**
 * The checker's servers die by SIGKILL, which leaves them no chance to clean up: whatever they
 * put in their temporary directory (the bundles) must go with them all the same.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  adminClient,
  createTables,
  freeLoopbackPort,
  startDynamoDbEngine,
} from '../../local/dynamodb-engine';
import { ServerProcess } from '../../scripts/exactly-once/server-process';

const workDir = mkdtempSync(path.join(tmpdir(), 'server-process-test-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** Every bundle directory under the servers' temporary directories. */
const bundleDirectories = (): string[] =>
  readdirSync(workDir, { recursive: true, encoding: 'utf8' }).filter((entry) =>
    path.basename(entry).startsWith('payments-api-build-'),
  );

it('leaves no bundle directory behind, neither of the server it killed nor of the one it stopped', async () => {
  const engine = await startDynamoDbEngine({ dbPath: path.join(workDir, 'payments.db') });
  const tables = { orders: 'server-process-orders', idempotency: 'server-process-idempotency' };
  const admin = adminClient(engine.endpoint);
  await createTables(admin, tables).finally(() => admin.destroy());
  const server = new ServerProcess({
    port: await freeLoopbackPort(),
    endpoint: engine.endpoint,
    tempRoot: workDir,
    tables,
    faults: { seed: 1, rate: 0, weights: {}, delayMs: 0, crash: 'kill' },
  });
  await server.start();
  const [killedServersBundles] = bundleDirectories();

  await server.kill();
  await server.whenReady();
  const afterRestart = bundleDirectories();
  await server.stop();
  await engine.stop();

  expect(server.stats).toMatchObject({ starts: 2, kills: 1 });
  expect(killedServersBundles).toBeDefined();
  expect(afterRestart).toHaveLength(1);
  expect(afterRestart).not.toContain(killedServersBundles);
  expect(bundleDirectories()).toEqual([]);
}, 240_000);
