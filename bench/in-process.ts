/**
 * A cached replay without HTTP: one fresh Node.js process loads create-order's bundle, answers
 * the request once (which stores and caches it), then replays it in a loop. It separates what
 * the handler costs from what the local server's HTTP and event translation and the load
 * generator cost, which share the same cores in the load scenarios.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { APIGatewayProxyEvent } from 'aws-lambda';

export interface InProcessReplays {
  readonly replays: number;
  readonly microsecondsPerReplay: number;
  readonly replaysPerSecond: number;
}

const CHILD_SCRIPT = `
const { performance } = require('node:perf_hooks');
const { handler } = require(process.env.BENCH_BUNDLE);
const event = JSON.parse(process.env.BENCH_EVENT);
const replays = Number(process.env.BENCH_REPLAYS);
const context = {
  functionName: 'bench', functionVersion: '$LATEST', awsRequestId: 'in-process',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:bench',
  memoryLimitInMB: '256', logGroupName: 'bench', logStreamName: 'bench',
  callbackWaitsForEmptyEventLoop: true, getRemainingTimeInMillis: () => 10000,
  done() {}, fail() {}, succeed() {},
};
(async () => {
  const first = await handler(event, context);
  if (first.statusCode !== 201) throw new Error('first execution answered ' + first.statusCode);
  // Warm-up, then the measured loop; every answer must be the replay.
  for (let i = 0; i < 1000; i++) await handler(event, context);
  const started = performance.now();
  for (let i = 0; i < replays; i++) {
    const response = await handler(event, context);
    if (response.headers['Idempotent-Replayed'] !== 'true') throw new Error('not a replay');
  }
  process.stdout.write(JSON.stringify({ elapsedMs: performance.now() - started }));
  process.exit(0);
})().catch((error) => { console.error(error); process.exit(1); });
`;

/** Replays `event` (a fresh POST /orders) `replays` times inside one process. */
export async function inProcessCachedReplays(
  bundle: string,
  event: APIGatewayProxyEvent,
  env: NodeJS.ProcessEnv,
  replays: number,
): Promise<InProcessReplays> {
  const child = spawn(process.execPath, ['-e', CHILD_SCRIPT], {
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
