/**
 * Fault injection for tests and the exactly-once checker: named steps of a POST where a request
 * can be made to fail, to pause, or to die as if its process had been killed.
 *
 * The steps are struck by decorators around the functions' ports (`./decorators.ts`), composed
 * only by the fault-injecting entry (`./entry.ts`, which the local server loads when asked) and
 * by the tests: nothing under `lambda/` knows that faults exist.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { seededRandom } from '../seeded-random';
import type { SweepSummary } from '../../lambda/app/sweeper';

export const FAULT_STEPS = [
  /** Before the idempotency layer takes the key's lock. */
  'before-lock',
  /** The key locked, before the operation runs. */
  'after-lock',
  /** The processor charged, before the payment is written. */
  'after-charge',
  /** The order or payment written, before the response is rendered. */
  'after-business-write',
  /** The response rendered, before the idempotency layer stores it. */
  'before-save-result',
  /** The write of the result to the idempotency store itself. */
  'save-result',
] as const;
export type FaultStep = (typeof FAULT_STEPS)[number];

export type FaultAction =
  | { readonly kind: 'fail' }
  | { readonly kind: 'delay'; readonly ms: number }
  /** The invocation stops at the step for good: nothing after it runs, no answer is given. */
  | { readonly kind: 'crash' };

export interface FaultRule {
  readonly step: FaultStep;
  readonly action: FaultAction;
  /** Only requests with this Idempotency-Key; every request when absent. */
  readonly idempotencyKey?: string;
  /** How many times the rule fires before it is spent. @default 1 */
  readonly times?: number;
}

/**
 * Random faults, for the checker: at each step a request reaches, a fault fires with
 * probability `rate`, its kind drawn by `weights`. Deterministic for a given seed and sequence
 * of steps.
 */
export interface RandomFaults {
  readonly seed: number;
  readonly rate: number;
  readonly weights: Readonly<Partial<Record<RandomFaultKind, number>>>;
  /** Delay of a `delay` fault. @default 200 */
  readonly delayMs?: number;
  /**
   * Delay of a `pause` fault: a request that stops this long, longer than the order's lease
   * and its own lock, then carries on as if nothing happened. @default 40_000
   */
  readonly pauseMs?: number;
  /**
   * What `crash` does: `hang` stops the invocation (the in-process default); `kill` sends
   * SIGKILL to this process's group, the engine included, as a machine failure would.
   * @default 'hang'
   */
  readonly crash?: 'hang' | 'kill';
}

/** What a random fault can be: an action, or a `pause` (a `delay` of `pauseMs`). */
export type RandomFaultKind = FaultAction['kind'] | 'pause';

/**
 * The header of a request that is to die at the step it names (lower case, as the local server
 * hands headers over): how the checker makes one attempt die where it wants, on any server.
 */
export const CRASH_HEADER = 'x-checker-crash';

/** Thrown by a `fail` fault: an unexpected error at that step. */
export class InjectedFault extends Error {
  override readonly name = 'InjectedFault';
  constructor(readonly step: FaultStep) {
    super(`Injected fault at ${step}`);
  }
}

interface ArmedRule extends FaultRule {
  remaining: number;
  readonly strike: () => void;
}

/** The faults armed for one API: targeted rules, random faults, and the request in scope. */
export class FaultInjector {
  private readonly rules: ArmedRule[] = [];
  private readonly requestScope = new AsyncLocalStorage<string>();
  private random: { readonly config: RandomFaults; readonly next: () => number } | undefined;

  /**
   * Arms a fault for the requests it targets.
   *
   * @returns `struck`, which resolves when the fault first fires: a crashed request never
   *   answers, so this is how a test knows it got there
   */
  inject(rule: FaultRule): { readonly struck: Promise<void> } {
    let strike!: () => void;
    const struck = new Promise<void>((resolve) => (strike = resolve));
    this.rules.push({ ...rule, remaining: rule.times ?? 1, strike });
    return { struck };
  }

  /** Disarms every targeted fault and random faults. */
  clear(): void {
    this.rules.length = 0;
    this.random = undefined;
  }

  /** Turns random faults on (or off with `undefined`). */
  useRandomFaults(config: RandomFaults | undefined): void {
    this.random = config && { config, next: seededRandom(config.seed) };
  }

  /** Runs `operation` as the request with `idempotencyKey`: the key targeted faults match. */
  inScope<T>(idempotencyKey: string, operation: () => Promise<T>): Promise<T> {
    return this.requestScope.run(idempotencyKey, operation);
  }

  /**
   * A point where a fault may strike.
   *
   * @throws InjectedFault for a `fail` fault
   */
  async strike(step: FaultStep): Promise<void> {
    const targeted = this.targetedAction(step);
    const action = targeted ?? this.randomAction();
    if (!action) return;
    this.report({
      level: 'WARN',
      message: 'fault injected',
      step,
      fault: action.kind,
      ...(action.kind === 'delay' && { ms: String(action.ms) }),
      idempotencyKey: this.requestScope.getStore() ?? '',
    });
    switch (action.kind) {
      case 'fail':
        throw new InjectedFault(step);
      case 'delay':
        await new Promise((resolve) => setTimeout(resolve, action.ms));
        return;
      case 'crash':
        // A targeted crash stops its own request only.
        if (!targeted && this.random?.config.crash === 'kill') killThisProcessGroup();
        // Never settles: like a process that died here, the invocation neither answers nor
        // runs anything after this step. Nothing references the promise once abandoned.
        return new Promise<never>(() => {});
    }
  }

  /**
   * Reports an order flagged for reconciliation, with the flag's time by this instance's clock,
   * on stdout like faults (with random faults on): the checker judges whether the processor
   * had charged the attempt by then.
   */
  reportFlag(orderId: string, paymentId: string, flaggedAt: number): void {
    this.report({ level: 'INFO', message: 'flagged', orderId, paymentId, at: String(flaggedAt) });
  }

  /**
   * Reports what a sweep did, on stdout like faults (with random faults on): how the
   * exactly-once checker counts the attempts its servers' sweepers settled.
   */
  reportSweep(summary: SweepSummary): void {
    this.report({
      level: 'INFO',
      message: 'sweep',
      ...Object.fromEntries(Object.entries(summary).map(([name, count]) => [name, String(count)])),
    });
  }

  private targetedAction(step: FaultStep): FaultAction | undefined {
    const key = this.requestScope.getStore();
    const rule = this.rules.find(
      (candidate) =>
        candidate.step === step &&
        candidate.remaining > 0 &&
        (candidate.idempotencyKey === undefined || candidate.idempotencyKey === key),
    );
    if (!rule) return undefined;
    rule.remaining -= 1;
    rule.strike();
    return rule.action;
  }

  private randomAction(): FaultAction | undefined {
    const random = this.random;
    if (!random || random.next() >= random.config.rate) return undefined;
    const weighted = Object.entries(random.config.weights).filter(
      ([, weight]) => (weight ?? 0) > 0,
    );
    const total = weighted.reduce((sum, [, weight]) => sum + (weight ?? 0), 0);
    let draw = random.next() * total;
    for (const [kind, weight] of weighted) {
      draw -= weight ?? 0;
      if (draw < 0) return actionOfKind(kind as RandomFaultKind, random.config);
    }
    return undefined;
  }

  /**
   * One JSON line on stdout, with random faults on: the lines are for the checker, which runs
   * with random faults. On Linux, writes to a pipe or file are synchronous, so the line is out
   * before a `kill` fault strikes.
   */
  private report(line: Record<string, string>): void {
    if (!this.random) return;
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
}

function actionOfKind(kind: RandomFaultKind, config: RandomFaults): FaultAction {
  switch (kind) {
    case 'delay':
      return { kind, ms: config.delayMs ?? 200 };
    case 'pause':
      return { kind: 'delay', ms: config.pauseMs ?? 40_000 };
    case 'fail':
    case 'crash':
      return { kind };
  }
}

function killThisProcessGroup(): never {
  try {
    // The checker starts the server as a process group leader: the engine dies with it.
    process.kill(-process.pid, 'SIGKILL');
  } catch {
    // Not a group leader: at least this process dies.
  }
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable: SIGKILL was sent');
}
