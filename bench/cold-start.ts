/**
 * Cold start: fresh Node.js processes, each loading one function's bundle and answering one
 * request against the engine, as a new Lambda container does. The child runs without any
 * loader (no tsx), so the time is the bundle's own; a bundle that leaves the SDK to the runtime
 * resolves it from node_modules, and that resolution is part of its time.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { APIGatewayProxyEvent } from 'aws-lambda';

export interface ColdStartSample {
  /** From the start of the process's script to the bundle loaded. */
  readonly loadMs: number;
  /** From the bundle loaded to its first answer. */
  readonly firstRequestMs: number;
  /** Load + first request: what the target is about. */
  readonly totalMs: number;
  /** The process from spawn to exit, Node.js's own start-up included. */
  readonly processMs: number;
  readonly statusCode: number;
}

// Plain JavaScript for `node -e`: one require, one invocation, the times on stdout.
const CHILD_SCRIPT = `
const { performance } = require('node:perf_hooks');
const started = performance.now();
const { handler } = require(process.env.BENCH_BUNDLE);
const loaded = performance.now();
const context = {
  functionName: 'bench', functionVersion: '$LATEST', awsRequestId: 'cold-start',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:bench',
  memoryLimitInMB: '256', logGroupName: 'bench', logStreamName: 'bench',
  callbackWaitsForEmptyEventLoop: true, getRemainingTimeInMillis: () => 10000,
  done() {}, fail() {}, succeed() {},
};
handler(JSON.parse(process.env.BENCH_EVENT), context).then((response) => {
  const answered = performance.now();
  process.stdout.write(JSON.stringify({
    loadMs: loaded - started, firstRequestMs: answered - loaded, totalMs: answered - started,
    statusCode: response.statusCode,
  }));
  process.exit(0);
});
`;

/** Runs one fresh process for `bundle` answering `event`. */
export async function coldStart(
  bundle: string,
  event: APIGatewayProxyEvent,
  env: NodeJS.ProcessEnv,
): Promise<ColdStartSample> {
  const spawned = performance.now();
  const child = spawn(process.execPath, ['-e', CHILD_SCRIPT], {
    env: { ...env, BENCH_BUNDLE: bundle, BENCH_EVENT: JSON.stringify(event) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const [code] = (await once(child, 'exit')) as [number | null];
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
