/**
 * `npm start` as a developer runs it: `local/start.ts` in a process of its own, serving the
 * bundled handlers on its own in-memory engine, on a free port. For tests and for
 * `npm run smoke:local`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';

const repositoryRoot = path.resolve(__dirname, '..');

export interface LocalServerProcess {
  readonly url: string;
  /** Everything it wrote so far, stdout and stderr. */
  readonly output: () => string;
  readonly process: ChildProcess;
  /** SIGTERM, as npm passes on a Ctrl-C; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts the local server with `env` on top of this process's environment. */
export async function startLocalServerProcess(
  env: Record<string, string> = {},
): Promise<LocalServerProcess> {
  const inherited = { ...process.env };
  // A caller's engine and tables (a test run's) are not the server's business: it starts its own.
  for (const name of [
    'DYNAMODB_ENDPOINT',
    'ORDERS_TABLE_NAME',
    'IDEMPOTENCY_TABLE_NAME',
    'POWERTOOLS_LOG_LEVEL',
  ]) {
    delete inherited[name];
  }
  const child = spawn(
    process.execPath,
    ['--enable-source-maps', '--import', 'tsx', 'local/start.ts'],
    {
      cwd: repositoryRoot,
      env: { ...inherited, PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const onData = () => {
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited (${String(code)}): ${output}`)));
  });
  return {
    url,
    output: () => output,
    process: child,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}
