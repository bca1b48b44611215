/**
 * The benchmark's API server, a child process of `bench/run.ts`: the local server
 * (`local/server.ts`) over the bundled bench entry (`./entry.ts`) it is given, in the variant
 * `BENCH_VARIANT` names, without its per-request log line, on the engine at
 * `DYNAMODB_ENDPOINT`. It answers the parent over IPC with the DynamoDB calls and requests it
 * has served since the last reset, so that the load generator runs in another process and the
 * two share the machine's cores instead of one event loop.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { createLocalServer, type LambdaHandler } from '../local/server';
import type { BenchVariant, benchApplication } from './entry';

export type ServerMessage =
  | { readonly type: 'ready'; readonly url: string }
  | { readonly type: 'stats'; readonly stats: ServerStats };

export type ParentMessage = { readonly type: 'stats' } | { readonly type: 'reset' };

export interface ServerStats {
  /** Invocations answered since the last reset. */
  readonly invocations: number;
  readonly inFlight: number;
  /** DynamoDB calls since the last reset, by operation. */
  readonly calls: Readonly<Record<string, number>>;
  /**
   * CPU time this process used since the last reset (user + system, µs): its work per request,
   * whatever share of the shared cores it got.
   */
  readonly cpuMicroseconds: number;
}

async function main(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const entry = require(process.env.BENCH_ENTRY_BUNDLE ?? '') as {
    benchApplication: typeof benchApplication;
  };
  const { handlers, calls } = entry.benchApplication(
    (process.env.BENCH_VARIANT ?? 'guarded') as BenchVariant,
  );

  let invocations = 0;
  let inFlight = 0;
  let cpuSinceReset = process.cpuUsage();
  const counted =
    (handler: LambdaHandler): LambdaHandler =>
    async (event, context): Promise<APIGatewayProxyResult> => {
      inFlight++;
      try {
        return await handler(event, context);
      } finally {
        inFlight--;
        invocations++;
      }
    };
  const countedHandlers = new Map([...handlers].map(([id, handler]) => [id, counted(handler)]));

  const server = createLocalServer({
    handlerFor: (route) => {
      const handler = countedHandlers.get(route.functionId);
      if (!handler) throw new Error(`no bundle for ${route.functionId}`);
      return handler;
    },
    log: () => {},
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');

  const send = (message: ServerMessage) => process.send?.(message);
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'reset') {
      for (const operation of Object.keys(calls)) delete calls[operation];
      invocations = 0;
      cpuSinceReset = process.cpuUsage();
    }
    const cpu = process.cpuUsage(cpuSinceReset);
    send({
      type: 'stats',
      stats: { invocations, inFlight, calls: { ...calls }, cpuMicroseconds: cpu.user + cpu.system },
    });
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
