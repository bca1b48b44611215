/**
 * A cached replay without HTTP: one fresh Node.js process (`./child/cached-replays.ts`, bundled)
 * loads create-order's bundle, answers the request once (which stores and caches it), then
 * replays it in a loop. It separates what the handler costs from what the local server's HTTP
 * and event translation and the load generator cost, which share the same cores in the load
 * scenarios.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { bundleEntry } from '../local/bundle';

export interface InProcessReplays {
  readonly replays: number;
  readonly microsecondsPerReplay: number;
  readonly replaysPerSecond: number;
}

/** Replays `event` (a fresh POST /orders) `replays` times inside one process. */
export async function inProcessCachedReplays(
  bundle: string,
  event: APIGatewayProxyEvent,
  env: NodeJS.ProcessEnv,
  replays: number,
): Promise<InProcessReplays> {
  const script = await bundleEntry(
    'bench/child/cached-replays.ts',
    path.join(__dirname, '.build', 'child'),
  );
  const child = spawn(process.execPath, [script], {
    env: {
      ...env,
      BENCH_BUNDLE: bundle,
      BENCH_EVENT: JSON.stringify(event),
      BENCH_REPLAYS: String(replays),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`in-process replays exited with ${code}`);
  const { elapsedMs } = JSON.parse(output) as { elapsedMs: number };
  return {
    replays,
    microsecondsPerReplay: (elapsedMs * 1000) / replays,
    replaysPerSecond: (replays / elapsedMs) * 1000,
  };
}
