/**
 * The local server as a child process the checker can kill like a machine failure: started in
 * its own process group (so SIGKILL takes everything it started down with it) on the checker's
 * DynamoDB engine, which outlives it as DynamoDB outlives a Lambda instance, and restarted
 * whenever it dies. A killed server cannot clean up after itself: each one gets its own TMPDIR,
 * removed here once it has exited.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import path from 'node:path';
import type { RandomFaults } from '../../local/faults/fault-injector';

const repositoryRoot = path.resolve(__dirname, '../..');

export interface ServerProcessOptions {
  readonly port: number;
  /** The DynamoDB endpoint the server uses (the engine, or a fault proxy in front of it). */
  readonly endpoint: string;
  /** Where each server's own temporary directory is made (and removed once it exits). */
  readonly tempRoot: string;
  readonly tables: { readonly orders: string; readonly idempotency: string };
  /** Random faults of every server started; the seed is varied per start. */
  readonly faults: RandomFaults;
  /** More environment of the server: its clock, its replay window, its processor, its sweeper. */
  readonly env?: Readonly<Record<string, string>>;
}

/** An order a server flagged for reconciliation: the attempt, and when by the server's clock. */
export interface ReportedFlag {
  readonly orderId: string;
  readonly paymentId: string;
  /** Epoch ms by the clock of the server that flagged. */
  readonly at: number;
}

/** One fault a server reported striking. */
export interface ReportedFault {
  readonly step: string;
  readonly fault: string;
  /** The request it struck; empty when none was in scope. */
  readonly idempotencyKey: string;
  /** How long a `delay` held the request. */
  readonly ms?: number;
}

export interface ServerStats {
  /** Servers started, the first one included. */
  starts: number;
  /** SIGKILLs the checker sent to disturb the run. */
  kills: number;
  /** Restarts (a SIGKILL too) so that no attempt runs while the operator reconciles. */
  restarts: number;
  /** Servers that killed themselves at a `crash` fault. */
  crashes: number;
  /** Faults the servers reported injecting. */
  faults: number;
  /** Sweeper runs the servers reported. */
  sweeps: number;
  /** Abandoned attempts the sweepers recorded (charged or looked up), or flagged. */
  swept: number;
}

/** Stats of no server yet: every count 0. */
export const noServerStats = (): ServerStats => ({
  starts: 0,
  kills: 0,
  restarts: 0,
  crashes: 0,
  faults: 0,
  sweeps: 0,
  swept: 0,
});

export class ServerProcess {
  readonly url: string;
  readonly stats: ServerStats = noServerStats();
  /** Every order the servers reported flagging, across restarts. */
  readonly flags: ReportedFlag[] = [];
  /** Every fault the servers reported, across restarts. */
  readonly faults: ReportedFault[] = [];
  private child: ChildProcess | undefined;
  private ready: Promise<void> = Promise.resolve();
  private stopping = false;
  private killedByChecker = false;
  private failedStarts = 0;

  constructor(private readonly options: ServerProcessOptions) {
    this.url = `http://127.0.0.1:${options.port}`;
  }

  /** Resolves once a server is up; clients wait on it while the server restarts. */
  whenReady(): Promise<void> {
    return this.ready;
  }

  async start(): Promise<void> {
    this.ready = this.spawnServer();
    await this.ready;
  }

  /**
   * SIGKILLs the server's whole process group; it restarts by itself.
   *
   * @param reason `restart` when the checker needs every server fresh, counted apart from the
   *   kills that disturb the run
   * @returns once the killed server has exited and its successor is starting
   */
  async kill(reason: 'disturb' | 'restart' = 'disturb'): Promise<void> {
    const child = this.child;
    const pid = child?.pid;
    if (!child || pid === undefined || child.exitCode !== null) return;
    if (reason === 'restart') this.stats.restarts += 1;
    else this.stats.kills += 1;
    this.killedByChecker = true;
    const exited = once(child, 'exit');
    process.kill(-pid, 'SIGKILL');
    await exited;
  }

  /** Stops the server for good (SIGTERM: it stops its engine cleanly) and waits for it. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.ready.catch(() => {});
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(-(child.pid ?? 0), 'SIGTERM');
    await exited;
  }

  private recordFlag(line: string): void {
    const { orderId, paymentId, at } = JSON.parse(line) as Record<string, string>;
    this.flags.push({ orderId: String(orderId), paymentId: String(paymentId), at: Number(at) });
  }

  private recordSweep(line: string): void {
    const { recorded, flagged } = JSON.parse(line) as Record<string, string>;
    this.stats.sweeps += 1;
    this.stats.swept += Number(recorded) + Number(flagged);
  }

  private recordFault(line: string): void {
    this.stats.faults += 1;
    const { step, fault, idempotencyKey, ms } = JSON.parse(line) as Record<string, string>;
    this.faults.push({
      step: String(step),
      fault: String(fault),
      idempotencyKey: String(idempotencyKey),
      ...(ms !== undefined && { ms: Number(ms) }),
    });
  }

  private spawnServer(): Promise<void> {
    if (this.failedStarts >= 5)
      return Promise.reject(new Error('the server failed to start 5 times'));
    const { port, endpoint, tables, faults } = this.options;
    const start = this.stats.starts++;
    const tempDir = mkdtempSync(path.join(this.options.tempRoot, 'server-'));
    const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
      cwd: repositoryRoot,
      detached: true, // its own process group: a group kill reaches the engine too
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        PORT: String(port),
        TMPDIR: tempDir,
        ...this.options.env,
        DYNAMODB_ENDPOINT: endpoint,
        ORDERS_TABLE_NAME: tables.orders,
        IDEMPOTENCY_TABLE_NAME: tables.idempotency,
        FAULT_INJECTION: '1',
        FAULT_INJECTION_RANDOM: JSON.stringify({ ...faults, seed: faults.seed + start }),
        // Only what goes wrong is worth printing.
        POWERTOOLS_LOG_LEVEL: 'CRITICAL',
      },
    });
    this.child = child;
    let output = '';
    child.stderr?.on(
      'data',
      (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)),
    );
    const lines = createInterface({ input: child.stdout });
    const listening = new Promise<void>((resolve, reject) => {
      lines.on('line', (line) => {
        if (line.includes('"fault injected"')) this.recordFault(line);
        else if (line.includes('"message":"sweep"')) this.recordSweep(line);
        else if (line.includes('"message":"flagged"')) this.recordFlag(line);
        else if (line.startsWith('Payments API listening')) resolve();
        else if (!line.startsWith('{')) output = (output + line + '\n').slice(-4000);
      });
      child.once('exit', (code, signal) =>
        reject(new Error(`server exited (${code ?? signal}) before listening: ${output}`)),
      );
    });
    child.once('exit', () => {
      rmSync(tempDir, { recursive: true, force: true });
      if (this.stopping) return;
      // Killed by the checker, or by itself at a crash fault: start it again on the same file.
      if (!this.killedByChecker) this.stats.crashes += 1;
      this.killedByChecker = false;
      this.ready = this.spawnServer();
    });
    listening.then(
      () => (this.failedStarts = 0),
      () => (this.failedStarts += 1),
    );
    return listening;
  }
}
