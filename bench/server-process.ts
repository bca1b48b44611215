/**
 * The bench's API servers, each a child process running `bench/server.ts`, so that the load
 * generator and the handlers do not share an event loop. The parent asks each one over IPC for
 * what it has served.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import type { ServerKind } from './results';
import type { ParentMessage, ServerMessage, ServerStats } from './server';

const serverEnv: Record<ServerKind, NodeJS.ProcessEnv> = {
  default: {},
  // Another container: one that has not seen the keys, so every replay reads DynamoDB.
  'no-local-cache': { IDEMPOTENCY_LOCAL_CACHE_SIZE: '0' },
  // The bench entry composed without the idempotency layer.
  unguarded: { BENCH_VARIANT: 'unguarded' },
};

export class BenchServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly kind: ServerKind,
    readonly url: string,
  ) {}

  /**
   * Starts a server of `kind` on the bundles and engine that `env` names.
   *
   * @param profileDir where to write a CPU profile of this server, if anywhere
   */
  static async start(
    kind: ServerKind,
    env: NodeJS.ProcessEnv,
    profileDir: string | null = null,
  ): Promise<BenchServer> {
    const profile =
      profileDir === null ? [] : ['--cpu-prof', '--cpu-prof-dir', path.resolve(profileDir)];
    const child = fork(path.join(__dirname, 'server.ts'), [], {
      execArgv: ['--import', 'tsx', ...profile],
      env: { ...env, ...serverEnv[kind] },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const [message] = (await Promise.race([
      once(child, 'message'),
      once(child, 'exit').then(() => {
        throw new Error(`the ${kind} bench server exited before it was ready`);
      }),
    ])) as [ServerMessage];
    if (message.type !== 'ready') throw new Error(`unexpected ${message.type} from the server`);
    return new BenchServer(child, kind, message.url);
  }

  private async ask(message: ParentMessage): Promise<ServerStats> {
    this.child.send(message);
    const [reply] = (await once(this.child, 'message')) as [ServerMessage];
    if (reply.type !== 'stats') throw new Error(`unexpected ${reply.type} from the server`);
    return reply.stats;
  }

  /** Waits until the server has answered everything it received, then reads (or resets) its counts. */
  async settledStats(reset: boolean): Promise<ServerStats> {
    for (;;) {
      const stats = await this.ask({ type: 'stats' });
      if (stats.inFlight === 0) return reset ? this.ask({ type: 'reset' }) : stats;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async stop(): Promise<void> {
    const exited = once(this.child, 'exit');
    this.child.disconnect();
    await exited;
  }
}

/** DynamoDB calls per invocation in `stats`, all operations together. */
export function callsPerInvocation(stats: ServerStats): number {
  const calls = Object.values(stats.calls).reduce((sum, count) => sum + count, 0);
  return stats.invocations === 0 ? 0 : calls / stats.invocations;
}
