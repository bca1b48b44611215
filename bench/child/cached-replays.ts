/**
 * Cached replays without HTTP, run by `../in-process.ts` in a fresh Node.js process: load the
 * bundle `BENCH_BUNDLE`, answer the event `BENCH_EVENT` once (which stores and caches it), then
 * replay it `BENCH_REPLAYS` times and print the time taken on stdout.
 */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { LambdaHandler } from '../../lambda/http/handler';
import { lambdaContext } from '../../local/proxy-event';
import { routeOf } from './route';

const { handler } = createRequire(__filename)(process.env.BENCH_BUNDLE ?? '') as {
  handler: LambdaHandler;
};
const event = JSON.parse(process.env.BENCH_EVENT ?? '{}') as APIGatewayProxyEvent;
const replays = Number(process.env.BENCH_REPLAYS);
const route = routeOf(event);

async function main(): Promise<void> {
  const first = await handler(event, lambdaContext(route));
  if (first.statusCode !== 201) throw new Error(`first execution answered ${first.statusCode}`);
  // Warm-up, then the measured loop; every answer must be the replay.
  for (let i = 0; i < 1000; i++) await handler(event, lambdaContext(route));
  const started = performance.now();
  for (let i = 0; i < replays; i++) {
    const response = await handler(event, lambdaContext(route));
    if (response.headers?.['Idempotent-Replayed'] !== 'true') throw new Error('not a replay');
  }
  process.stdout.write(JSON.stringify({ elapsedMs: performance.now() - started }));
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
