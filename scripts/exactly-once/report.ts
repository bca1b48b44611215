/** The checker's report: its figures, and how they are printed. */
import type { ServerStats } from './server-process';
import type { Answer, Exchange } from './workload';

export interface CheckReport {
  readonly requests: number;
  readonly sends: number;
  readonly retries: number;
  readonly retryCauses: Readonly<Record<string, number>>;
  readonly duplicateSends: number;
  readonly server: Readonly<ServerStats>;
  /** What the workload families did. */
  readonly families: Readonly<{
    enabled: readonly string[];
    instances: number;
    lostReplies: number;
    pauses: number;
    races: number;
    /** Races that came a day later, past the processor's key retention. */
    lateRaces: number;
    clockJumpedMs: number;
  }>;
  /** Flags, and the operator's part: orders settled and how, answers the flags stopped. */
  readonly reconciliation: Readonly<{
    /** Attempts flagged during the run, by the servers or the last sweep. */
    flags: number;
    /** Flagged orders the operator settled. */
    orders: number;
    findings: Readonly<Record<string, number>>;
    answers: number;
  }>;
  readonly database: Readonly<{ orders: number; payments: number; succeeded: number }>;
  /** Payment ids the processor captured money for. */
  readonly charged: number;
  readonly outcomes: Readonly<Record<string, number>>;
  readonly violations: readonly string[];
  readonly seconds: number;
}

/** How many logical requests got each first answer: `/payments 402 card_declined`... */
export function outcomesOf(exchanges: readonly Exchange[]): Record<string, number> {
  const outcomes: Record<string, number> = {};
  for (const { request, answers } of exchanges) {
    const first = answers[0];
    const label = `${request.path} ${first ? `${first.status}${codeSuffix(first)}` : 'none'}`;
    outcomes[label] = (outcomes[label] ?? 0) + 1;
  }
  return outcomes;
}

function codeSuffix(answer: Answer): string {
  if (answer.status < 400) return '';
  try {
    return ` ${String((JSON.parse(answer.body) as { code?: unknown }).code)}`;
  } catch {
    return '';
  }
}

/** Prints the report, the first 20 violations included. */
export function printReport(
  report: CheckReport,
  print: (line: string) => void = console.log,
): void {
  const { server } = report;
  print(
    `requests ${report.requests} (HTTP sends ${report.sends}, retries ${report.retries}, ` +
      `sent twice at once ${report.duplicateSends})`,
  );
  print(`retry causes ${JSON.stringify(report.retryCauses)}`);
  print(
    `faults ${server.faults}, kills ${server.kills + server.crashes} ` +
      `(SIGKILL by the checker ${server.kills}, at crash faults ${server.crashes}), ` +
      `restarts before the operator ${server.restarts}, server starts ${server.starts}`,
  );
  const { families } = report;
  print(
    `families ${families.enabled.join(', ') || 'none'}: ${families.instances} instance(s), ` +
      `${families.lostReplies} lost replies, ${families.pauses} pauses past the lease, ` +
      `${families.races} racing payers (${families.lateRaces} a day later), clocks jumped ${Math.round(families.clockJumpedMs / 1000)} s, ` +
      `${server.sweeps} sweeps settled or flagged ${server.swept} abandoned attempts`,
  );
  const { reconciliation } = report;
  print(
    `reconciliation: ${reconciliation.flags} attempts flagged; ` +
      `${reconciliation.orders} orders settled by the operator ${JSON.stringify(reconciliation.findings)}; ` +
      `${reconciliation.answers} answers order_under_reconciliation`,
  );
  print(`outcomes ${JSON.stringify(report.outcomes)}`);
  print(
    `database: ${report.database.orders} orders, ${report.database.payments} payments, ` +
      `${report.database.succeeded} succeeded; payment ids the processor captured ${report.charged}`,
  );
  print(`violations ${report.violations.length} (${report.seconds} s)`);
  for (const violation of report.violations.slice(0, 20)) print(`  ${violation}`);
}
