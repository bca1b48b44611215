/**
 * The bench's command line, parsed with `node:util` `parseArgs`:
 *
 *   npm run bench -- --duration 10 --connections 10 --warmup 2 --cold-starts 11
 *   npm run bench -- --only orders-replay-cached --profile-server /tmp/profiles
 */
import path from 'node:path';
import { parseArgs } from 'node:util';

/** The load scenarios, in the order they run. */
export const scenarioIds = [
  'orders-first',
  'orders-unguarded',
  'orders-replay',
  'orders-replay-cached',
  'payments-first',
  'payments-replay',
  'get-order',
] as const;

export type ScenarioId = (typeof scenarioIds)[number];

export interface BenchOptions {
  readonly durationSeconds: number;
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly coldStarts: number;
  /** Only for measuring code that predates DynamoDB call counting (an old baseline). */
  readonly allowUncounted: boolean;
  /** Scenarios left out: `--skip`, and every one `--only` does not name. */
  readonly skip: ReadonlySet<string>;
  /** A partial run: the named scenarios only, no cold starts or in-process replays. */
  readonly only: readonly string[];
  /** Where the default server writes a CPU profile, if anywhere. */
  readonly profileServerDir: string | null;
  /** The results' path without extension: `.json`, `.md` and `.svg` are written beside it. */
  readonly outputPath: string;
}

export const USAGE = `Usage: npm run bench -- [options]

  --duration <s>          seconds per load scenario (default 10)
  --connections <n>       concurrent connections (default 10)
  --warmup <s>            unmeasured seconds before each scenario (default 2)
  --cold-starts <n>       fresh processes per function and SDK placement, and of the floor
                          alongside each function (default 11)
  --only <ids>            run only these load scenarios (comma-separated), no cold starts
  --skip <ids>            leave these load scenarios out (comma-separated)
  --out <path>            results path without extension (default bench/results/latest,
                          bench/results/partial with --only)
  --profile-server <dir>  write a CPU profile of the default server there
  --allow-uncounted       accept a server that reports no DynamoDB calls (old baselines)
  --help                  print this and exit

Scenarios: ${scenarioIds.join(', ')}`;

/** Results are build output: this directory is git-ignored. */
export const resultsDir = path.join(__dirname, 'results');

/**
 * The options `argv` asks for, or `'help'`.
 *
 * @throws Error naming the flag when a value is not usable
 */
export function parseBenchOptions(argv: readonly string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '2' },
      'cold-starts': { type: 'string', default: '11' },
      out: { type: 'string' },
      'allow-uncounted': { type: 'boolean', default: false },
      skip: { type: 'string', default: '' },
      only: { type: 'string', default: '' },
      'profile-server': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return 'help';

  const only = values.only.split(',').filter(Boolean);
  for (const id of only) {
    if (!(scenarioIds as readonly string[]).includes(id)) {
      throw new Error(`--only: no scenario ${id} (one of ${scenarioIds.join(', ')})`);
    }
  }
  const positive = (name: string, raw: string) => {
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0)
      throw new Error(`--${name} must be a positive number`);
    return value;
  };
  const warmupSeconds = Number(values.warmup);
  if (!Number.isFinite(warmupSeconds) || warmupSeconds < 0) {
    throw new Error('--warmup must be a number of seconds, 0 or more');
  }
  return {
    durationSeconds: positive('duration', values.duration),
    connections: positive('connections', values.connections),
    warmupSeconds,
    coldStarts: positive('cold-starts', values['cold-starts']),
    allowUncounted: values['allow-uncounted'],
    skip: new Set([
      ...values.skip.split(',').filter(Boolean),
      ...(only.length > 0 ? scenarioIds.filter((id) => !only.includes(id)) : []),
    ]),
    only,
    profileServerDir: values['profile-server'] ?? null,
    outputPath: values.out ?? path.join(resultsDir, only.length > 0 ? 'partial' : 'latest'),
  };
}
