/**
 * Fault injection for tests and the exactly-once checker: named steps of a POST where a request
 * can be made to fail, to pause, or to die as if its process had been killed.
 *
 * It cannot be switched on in the deployed stack. `__FAULT_INJECTION__` is a compile-time
 * constant: the stack's bundles define it as `false` (`lib/bundling.ts`), and every fault point
 * is guarded where it is called by `typeof __FAULT_INJECTION__ === 'boolean' &&
 * __FAULT_INJECTION__`, which esbuild folds to `false` while parsing. The guarded calls are
 * removed, nothing imports this module any more, and it is left out of the bundle (an infra
 * test checks the bundles). Only the local server's bundles, built with `FAULT_INJECTION=1`,
 * define it as `true`; unbundled code (jest) sees it only when a test setup sets it on
 * `globalThis`, and the `typeof` keeps the guard safe where nothing defines it.
 *
 * The guard must be written at each call site: esbuild inlines constants across modules only
 * after it has decided which code is used, too late to drop this module.
 */
// Types only: a value import would stay in bundles that otherwise drop this module.
import type { AsyncLocalStorage } from 'node:async_hooks';
import { seededRandom } from './seeded-random';

declare global {
  /** Defined by esbuild (`lib/bundling.ts`, `local/bundle.ts`) or by a test setup. */
  var __FAULT_INJECTION__: boolean | undefined;
}

export const FAULT_STEPS = [
  'before-lock',
  'after-lock',
  'after-charge',
  'after-business-write',
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
  readonly weights: Readonly<Partial<Record<FaultAction['kind'], number>>>;
  /** Delay of a `delay` fault. @default 200 */
  readonly delayMs?: number;
  /**
   * What `crash` does: `hang` stops the invocation (the in-process default); `kill` sends
   * SIGKILL to this process's group, the engine included, as a machine failure would.
   * @default 'hang'
   */
  readonly crash?: 'hang' | 'kill';
}

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

const rules: ArmedRule[] = [];
let requestScope: AsyncLocalStorage<string> | undefined;
let random: { readonly config: RandomFaults; readonly next: () => number } | undefined;

/**
 * Arms a fault for the requests it targets.
 *
 * @returns `struck`, which resolves when the fault first fires: a crashed request never
 *   answers, so this is how a test knows it got there
 */
export function injectFault(rule: FaultRule): { readonly struck: Promise<void> } {
  let strike!: () => void;
  const struck = new Promise<void>((resolve) => (strike = resolve));
  rules.push({ ...rule, remaining: rule.times ?? 1, strike });
  return { struck };
}

/** Disarms every targeted fault and random faults. */
export function clearFaults(): void {
  rules.length = 0;
  random = undefined;
}

/** Turns random faults on (or off with `undefined`). */
export function useRandomFaults(config: RandomFaults | undefined): void {
  random = config && { config, next: seededRandom(config.seed) };
}

/** Runs `operation` as the request with `idempotencyKey`: the key targeted faults match. */
export async function withFaultScope<T>(
  idempotencyKey: string,
  operation: () => Promise<T>,
): Promise<T> {
  requestScope ??= new (await import('node:async_hooks')).AsyncLocalStorage<string>();
  return requestScope.run(idempotencyKey, operation);
}

/**
 * A point where a fault may strike. Call it only under the guard of this module's comment, so
 * that builds without fault injection do not contain the call.
 *
 * @throws InjectedFault for a `fail` fault
 */
export async function faultPoint(step: FaultStep): Promise<void> {
  const action = targetedAction(step) ?? randomAction();
  if (!action) return;
  report(step, action);
  switch (action.kind) {
    case 'fail':
      throw new InjectedFault(step);
    case 'delay':
      await new Promise((resolve) => setTimeout(resolve, action.ms));
      return;
    case 'crash':
      if (random?.config.crash === 'kill') killThisProcessGroup();
      // Never settles: like a process that died here, the invocation neither answers nor
      // runs anything after this step. Nothing references the promise once abandoned.
      return new Promise<never>(() => {});
  }
}

function targetedAction(step: FaultStep): FaultAction | undefined {
  const key = requestScope?.getStore();
  const rule = rules.find(
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

function randomAction(): FaultAction | undefined {
  if (!random || random.next() >= random.config.rate) return undefined;
  const weighted = Object.entries(random.config.weights).filter(([, weight]) => (weight ?? 0) > 0);
  const total = weighted.reduce((sum, [, weight]) => sum + (weight ?? 0), 0);
  let draw = random.next() * total;
  for (const [kind, weight] of weighted) {
    draw -= weight ?? 0;
    if (draw < 0) return actionOfKind(kind as FaultAction['kind'], random.config);
  }
  return undefined;
}

function actionOfKind(kind: FaultAction['kind'], config: RandomFaults): FaultAction {
  return kind === 'delay' ? { kind, ms: config.delayMs ?? 200 } : { kind };
}

/**
 * Reports a charge the sandbox processor made, on stdout like faults (with random faults on): the exactly-once checker
 * kills the server, so it counts charges from these lines (deduplicated by idempotency key, as
 * a processor's durable records would) rather than from the sandbox's memory.
 */
export function reportCharge(paymentId: string, outcome: string): void {
  if (!random) return;
  const line = JSON.stringify({ level: 'INFO', message: 'sandbox charge', paymentId, outcome });
  process.stdout.write(`${line}\n`);
}

/**
 * One line per fault on stdout, with random faults on. On Linux, writes to a pipe or file are synchronous, so the line
 * is out before a `kill` fault strikes.
 */
function report(step: FaultStep, action: FaultAction): void {
  if (!random) return; // the lines are for the checker, which runs with random faults
  const line = JSON.stringify({
    level: 'WARN',
    message: 'fault injected',
    step,
    fault: action.kind,
  });
  process.stdout.write(`${line}\n`);
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

/** Random faults from `FAULT_INJECTION_RANDOM` (JSON of {@link RandomFaults}), read once at load. */
if (
  typeof __FAULT_INJECTION__ === 'boolean' &&
  __FAULT_INJECTION__ &&
  process.env.FAULT_INJECTION_RANDOM
) {
  useRandomFaults(JSON.parse(process.env.FAULT_INJECTION_RANDOM) as RandomFaults);
}
