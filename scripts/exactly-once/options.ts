/**
 * The checker's command line, parsed with `node:util` `parseArgs`; each flag falls back to an
 * environment variable, then to its default:
 *
 *   npm run check:exactly-once -- --requests 10000 --seed 7 --concurrency 16 --kills 20
 */
import { parseArgs } from 'node:util';

/**
 * The workload families of issue 12, each switchable (`--without lost-replies,pauses`), all on
 * by default. What each one does is in `FAMILY_DESCRIPTIONS`.
 */
export const FAMILIES = [
  'lost-replies',
  'pauses',
  'racing-payers',
  'key-retention',
  'skewed-clocks',
  'sweeper',
] as const;
export type Family = (typeof FAMILIES)[number];

export const FAMILY_DESCRIPTIONS: Readonly<Record<Family, string>> = {
  'lost-replies': 'DynamoDB applies a write and its reply is lost (a proxy in front of the engine)',
  pauses:
    'a request stops longer than the order lease and its own lock; every clock jumps past the lease',
  'racing-payers':
    "a payment dies after its charge; once its lease expired, its retry and another key's payment race",
  'key-retention':
    "every clock jumps days, past the processor's 24 h key retention (the replay window: 400 days); a third of the racing payers come a day later",
  'skewed-clocks': 'three server instances on one database, their clocks within the skew margin',
  sweeper:
    "every server's sweeper runs every 2 s, settling abandoned attempts as payments find them too",
};

export interface CheckOptions {
  /** Logical requests (orders and payments) to send, at least. */
  readonly requests: number;
  readonly seed: number;
  /** Scenarios (an order and its payments) in flight at once. */
  readonly concurrency: number;
  /** SIGKILLs the checker sends, spread over the run (crash faults add their own). */
  readonly kills: number;
  /** Probability that a fault strikes at each step a request reaches. */
  readonly faultRate: number;
  /** The workload families this run has. */
  readonly families: Readonly<Record<Family, boolean>>;
  /** Prints progress when given. */
  readonly log?: (line: string) => void;
}

/** Each option: its flag, the variable it falls back to, and its default. */
const numbers = {
  requests: { flag: 'requests', variable: 'CHECK_REQUESTS', fallback: 1_000 },
  seed: { flag: 'seed', variable: 'CHECK_SEED', fallback: 1 },
  concurrency: { flag: 'concurrency', variable: 'CHECK_CONCURRENCY', fallback: 16 },
  kills: { flag: 'kills', variable: 'CHECK_KILLS', fallback: 5 },
  faultRate: { flag: 'fault-rate', variable: 'CHECK_FAULT_RATE', fallback: 0.01 },
} as const;

export const USAGE = `Usage: npm run check:exactly-once -- [options]

${Object.values(numbers)
  .map(
    ({ flag, variable, fallback }) =>
      `  --${flag} <n>`.padEnd(22) + `or ${variable} (default ${fallback})`,
  )
  .join('\n')}
  --without <families>  or CHECK_WITHOUT: comma-separated families to leave out (default none)
  --help                print this and exit

Families, all on by default:
${FAMILIES.map((family) => `  ${family.padEnd(20)}${FAMILY_DESCRIPTIONS[family]}`).join('\n')}

Drives the local server with concurrent clients, random faults and SIGKILLs, then checks that
no key made two resources, no order was paid twice and every answer holds; exits 1 on any
violation.`;

/**
 * The options `argv` and `env` ask for, or `'help'`.
 *
 * @throws Error naming the flag when a value is not a number of 0 or more
 */
export function parseCheckOptions(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): Omit<CheckOptions, 'log'> | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      requests: { type: 'string' },
      seed: { type: 'string' },
      concurrency: { type: 'string' },
      kills: { type: 'string' },
      'fault-rate': { type: 'string' },
      without: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return 'help';
  const number = ({ flag, variable, fallback }: (typeof numbers)[keyof typeof numbers]) => {
    const raw = values[flag] ?? env[variable];
    const value = raw === undefined ? fallback : Number(raw);
    if (!Number.isFinite(value) || value < 0) {
      throw new Error(`--${flag} must be a number, got ${raw}`);
    }
    return value;
  };
  return {
    requests: number(numbers.requests),
    seed: number(numbers.seed),
    concurrency: number(numbers.concurrency),
    kills: number(numbers.kills),
    faultRate: number(numbers.faultRate),
    families: familiesWithout(values.without ?? env.CHECK_WITHOUT ?? ''),
  };
}

/** Every family but the comma-separated ones in `without`. @throws Error naming an unknown one */
function familiesWithout(without: string): Record<Family, boolean> {
  const left = without
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const unknown = left.filter((name) => !(FAMILIES as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new Error(
      `--without: no family ${unknown.join(', ')} (families: ${FAMILIES.join(', ')})`,
    );
  }
  return Object.fromEntries(FAMILIES.map((family) => [family, !left.includes(family)])) as Record<
    Family,
    boolean
  >;
}
