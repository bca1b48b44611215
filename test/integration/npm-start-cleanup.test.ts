/**
 * `npm start` leaves nothing behind, however it ends: stopped through npm with a signal, or
 * failing to start (port in use, engine not answering). The real `npm start` runs with its own
 * TMPDIR, so every temporary directory it makes is one this test can see, and with a marker in
 * its environment, which every process it starts inherits, so a survivor can be found.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freeLoopbackPort } from '../../local/dynamodb-engine';

const repositoryRoot = path.resolve(__dirname, '../..');
const MARKER = 'PAYMENTS_API_CLEANUP_TEST';
/** A start includes the engine's: seconds for a JVM on a busy machine. */
const SERVER_STARTS = 120_000;

interface NpmStart {
  readonly npm: ChildProcess;
  readonly tempDir: string;
  readonly marker: string;
  readonly output: () => string;
  /** Resolves once npm has exited: with its code, or the signal that ended it. */
  readonly exited: Promise<number | NodeJS.Signals>;
}

const started: NpmStart[] = [];

/** `npm start`, as a developer types it, on the engine the test run selects. */
function npmStart(env: Record<string, string> = {}): NpmStart {
  const inherited = { ...process.env };
  // The test run's engine and tables are not the server's business: it starts its own.
  for (const name of ['DYNAMODB_ENDPOINT', 'ORDERS_TABLE_NAME', 'IDEMPOTENCY_TABLE_NAME']) {
    delete inherited[name];
  }
  const tempDir = mkdtempSync(path.join(tmpdir(), 'npm-start-cleanup-'));
  mkdirSync(path.join(tempDir, 'tmp'));
  const marker = randomUUID();
  const npm = spawn('npm', ['start'], {
    cwd: repositoryRoot,
    env: { ...inherited, PORT: '0', TMPDIR: path.join(tempDir, 'tmp'), [MARKER]: marker, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: the test signals npm alone, as a process manager would, and can
    // still sweep the whole group if an assertion fails.
    detached: true,
  });
  let output = '';
  npm.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  npm.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(npm, 'exit').then(
    ([code, signal]) => (code ?? signal) as number | NodeJS.Signals,
  );
  const run = { npm, tempDir, marker, output: () => output, exited };
  started.push(run);
  return run;
}

async function listening(run: NpmStart): Promise<void> {
  const ready = new Promise<void>((resolve) => {
    const check = () => {
      if (/listening on http:\/\/127\.0\.0\.1:\d+/.test(run.output())) resolve();
    };
    run.npm.stdout?.on('data', check);
    check();
  });
  const exited = run.exited.then((code) => {
    throw new Error(`npm start exited (${String(code)}) before listening: ${run.output()}`);
  });
  await Promise.race([ready, exited]);
}

/** Processes still running with this run's marker in their environment (npm, node, the engine). */
function survivors(marker: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
      if (!environ.split('\0').includes(`${MARKER}=${marker}`)) continue;
      found.push(`${pid}: ${readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' ')}`);
    } catch {
      // It exited while being looked at.
    }
  }
  return found;
}

/**
 * What `npm start` left in its TMPDIR, apart from the caches kept there on purpose: tsx's, and
 * Node.js's module compile cache, which npm itself enables on Node.js 22 and later.
 */
function temporaryLeftovers(run: NpmStart): string[] {
  return readdirSync(path.join(run.tempDir, 'tmp')).filter(
    (name) => !name.startsWith('tsx-') && name !== 'node-compile-cache',
  );
}

afterEach(() => {
  for (const run of started.splice(0)) {
    // Whatever an assertion found still running, gone before the next test.
    try {
      process.kill(-(run.npm.pid ?? 0), 'SIGKILL');
    } catch {
      // The group is gone already.
    }
    rmSync(run.tempDir, { recursive: true, force: true });
  }
});

// Survivors are found through /proc.
const onLinux = process.platform === 'linux' ? describe : describe.skip;

onLinux('npm start leaves nothing behind', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)(
    'stops its engine and removes its bundles when npm receives %s',
    async (signal) => {
      const run = npmStart();
      await listening(run);

      process.kill(run.npm.pid ?? 0, signal);
      await run.exited;

      // npm forwards the signal, waits for the server, then ends itself by the same signal.
      expect(survivors(run.marker)).toEqual([]);
      expect(temporaryLeftovers(run)).toEqual([]);
      expect(run.output()).toContain(`${signal}: shutting down`);
    },
    SERVER_STARTS,
  );

  it(
    'fails with a message naming the port in use, and stops the engine it started',
    async () => {
      const taken: Server = createServer();
      taken.listen(await freeLoopbackPort(), '127.0.0.1');
      await once(taken, 'listening');
      const port = (taken.address() as { port: number }).port;
      try {
        const run = npmStart({ PORT: String(port) });

        const code = await run.exited;

        expect(code).not.toBe(0);
        expect(survivors(run.marker)).toEqual([]);
        expect(temporaryLeftovers(run)).toEqual([]);
        expect(run.output()).toContain(`Port ${port} on 127.0.0.1 is in use`);
      } finally {
        taken.close();
      }
    },
    SERVER_STARTS,
  );

  it(
    'fails with a message naming an endpoint that does not answer, leaving no bundles',
    async () => {
      const silentEndpoint = `http://127.0.0.1:${await freeLoopbackPort()}`;
      const run = npmStart({ DYNAMODB_ENDPOINT: silentEndpoint });

      const code = await run.exited;

      expect(code).not.toBe(0);
      expect(survivors(run.marker)).toEqual([]);
      expect(temporaryLeftovers(run)).toEqual([]);
      expect(run.output()).toContain(`DYNAMODB_ENDPOINT=${silentEndpoint} does not answer`);
    },
    SERVER_STARTS,
  );
});
