/**
 * The local server's stand-in for the stack's EventBridge schedule: runs the sweeper's handler
 * every `intervalMs`, one run at a time, until stopped.
 */
import type { SweeperHandler } from '../lambda/app/sweeper';

/** How often `npm start` sweeps unless `LOCAL_SWEEP_INTERVAL_SECONDS` says otherwise. */
export const DEFAULT_LOCAL_SWEEP_INTERVAL_SECONDS = 10;

/**
 * The sweep period `LOCAL_SWEEP_INTERVAL_SECONDS` asks for, in ms; `undefined` when it is `0`
 * (no sweeper). Unset, it is the default, except for the fault-injecting server
 * (`FAULT_INJECTION=1`): the exactly-once checker turns the sweeper on when it wants it.
 *
 * @throws Error naming the variable when it is not a whole number of seconds
 */
export function localSweepIntervalMs(
  environment: Readonly<Record<string, string | undefined>>,
): number | undefined {
  const raw = environment.LOCAL_SWEEP_INTERVAL_SECONDS;
  if (raw === undefined || raw === '') {
    return environment.FAULT_INJECTION === '1'
      ? undefined
      : DEFAULT_LOCAL_SWEEP_INTERVAL_SECONDS * 1000;
  }
  if (!/^\d+$/.test(raw)) {
    throw new Error(
      `LOCAL_SWEEP_INTERVAL_SECONDS must be a whole number of seconds (0: no sweeper), got "${raw}"`,
    );
  }
  const seconds = Number(raw);
  return seconds === 0 ? undefined : seconds * 1000;
}

/**
 * Runs `sweep` every `intervalMs` (after the previous run ends, so runs never overlap) until the
 * returned function is called; that resolves once a run in progress has ended. A failed run is
 * reported and the next one tries again, as the scheduled function would.
 */
export function startSweeping(
  sweep: SweeperHandler,
  intervalMs: number,
  report: (message: string) => void = (message) => console.error(message),
): () => Promise<void> {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = sweep({}).then(
        () => undefined,
        (error: Error) => report(`sweeper: ${error.message}`),
      );
      void running.then(schedule);
    }, intervalMs);
    timer.unref();
  };
  schedule();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}
