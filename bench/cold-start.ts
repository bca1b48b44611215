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
import { bundleEntry } from '../local/bundle';

const childDir = path.join(__dirname, '.build', 'child');
let child: Promise<string> | undefined;

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
