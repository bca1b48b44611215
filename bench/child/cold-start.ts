/**
 * One cold start, run by `../cold-start.ts` in a fresh Node.js process without any loader (no
 * tsx), so that the time is the bundle's own: load the bundle `BENCH_BUNDLE`, answer the event
 * `BENCH_EVENT` once, print the times on stdout.
 */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { LambdaHandler } from '../../lambda/http/handler';
import type * as ProxyEvent from '../../local/proxy-event';
import { routeOf } from './route';

const started = performance.now();
const { handler } = createRequire(__filename)(process.env.BENCH_BUNDLE ?? '') as {
  handler: LambdaHandler;
};
const loaded = performance.now();
// Required only now: what the fake context needs is no part of the bundle's load time.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { lambdaContext } = require('../../local/proxy-event') as typeof ProxyEvent;
const event = JSON.parse(process.env.BENCH_EVENT ?? '{}') as APIGatewayProxyEvent;

void handler(event, lambdaContext(routeOf(event))).then((response) => {
  const answered = performance.now();
  process.stdout.write(
    JSON.stringify({
      loadMs: loaded - started,
      firstRequestMs: answered - loaded,
      totalMs: answered - started,
      statusCode: response.statusCode,
    }),
  );
  process.exit(0);
});
