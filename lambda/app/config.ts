/**
 * The functions' configuration: their environment, read once at start-up by one schema, so that
 * a misconfigured function fails before its first request and names every variable that is
 * missing or invalid, instead of meeting `undefined` mid-request.
 */
import { LogLevel } from '@aws-lambda-powertools/logger';
import * as z from 'zod/mini';
import { DEFAULT_CLOCK_SKEW_MARGIN_MS } from '../domain/payment';
import { DEFAULT_RECOVERY_SAFE_AGE_MS, MAX_RECOVERY_SAFE_AGE_MS } from '../domain/recovery';
import { METRICS_NAMESPACE } from '../metric-names';

/** What every function needs. */
export interface Config {
  readonly ordersTableName: string;
  /** A local DynamoDB-compatible engine; unset in AWS. */
  readonly dynamoDbEndpoint: string | undefined;
  /** The `service` of every log line and metric. */
  readonly serviceName: string;
  readonly metricsNamespace: string;
  /** Powertools' log level; Powertools' own default when unset. */
  readonly logLevel: LogLevelName | undefined;
  /** Browser origins answered with CORS headers; none unless the stack configures some. */
  readonly corsAllowOrigins: readonly string[];
}

/**
 * What a function that settles payment attempts needs on top: the card processor and the
 * protocol's margins. The payment function and the sweeper.
 */
export interface RecoveryConfig extends Config {
  /** Simulated round trip of the sandbox card processor, to make races observable locally. */
  readonly sandboxLatencyMs: number;
  /**
   * How far apart the clocks of two instances may be (ms). An expiry one instance wrote is
   * taken for past by another only this much after it: the bound the protocol assumes.
   */
  readonly clockSkewMarginMs: number;
  /**
   * An abandoned payment attempt older than this is settled by lookup, never charged again
   * (`lambda/domain/recovery.ts`); at most half the processor's 24-hour key retention.
   */
  readonly recoverySafeAgeSeconds: number;
}

/** What the POST functions need on top: their idempotency layer. */
export interface IdempotentConfig extends RecoveryConfig {
  readonly idempotency: {
    readonly tableName: string;
    /** How long a completed response is replayed. */
    readonly replayWindowSeconds: number;
    /**
     * Completed records kept in the container's memory, so that a replay it has seen costs no
     * DynamoDB call (Powertools' local LRU cache; `0` turns it off). Per container only: see
     * docs/idempotency.md.
     */
    readonly localCacheSize: number;
  };
}

export type LogLevelName = (typeof LogLevel)[keyof typeof LogLevel];
const logLevelNames: readonly string[] = Object.values(LogLevel);

/** Thrown at start-up: names every variable that is missing or invalid. */
export class InvalidConfiguration extends Error {
  override readonly name = 'InvalidConfiguration';
}

/** A variable that must be set to a non-empty string. */
const required = z.pipe(
  z.optional(z.string()),
  z.transform((raw: string | undefined, context) => {
    if (raw) return raw;
    context.issues.push({ code: 'custom', message: 'is not set', input: raw });
    return z.NEVER;
  }),
);

/** An optional variable; empty counts as unset. */
const optional = z.pipe(
  z.optional(z.string()),
  z.transform((raw: string | undefined) => (raw ? raw : undefined)),
);

/** A whole number of at least `min` (and at most `max`), `fallback` when unset or empty. */
const wholeNumber = (min: number, fallback: number, max = Number.MAX_SAFE_INTEGER) =>
  z.pipe(
    z.optional(z.string()),
    z.transform((raw: string | undefined, context) => {
      if (raw === undefined || raw === '') return fallback;
      const value = Number(raw);
      if (/^\d+$/.test(raw) && Number.isSafeInteger(value) && value >= min && value <= max) {
        return value;
      }
      const range = [
        min > 0 ? ` of at least ${min}` : '',
        max < Number.MAX_SAFE_INTEGER ? ` and at most ${max}` : '',
      ].join('');
      context.issues.push({
        code: 'custom',
        message: `must be a whole number${range}, got "${raw}"`,
        input: raw,
      });
      return z.NEVER;
    }),
  );

const logLevel = z.pipe(
  z.optional(z.string()),
  z.transform((raw: string | undefined, context) => {
    if (!raw) return undefined;
    const level = raw.toUpperCase();
    if (logLevelNames.includes(level)) return level as LogLevelName;
    context.issues.push({
      code: 'custom',
      message: `must be one of ${logLevelNames.join(', ')}, got "${raw}"`,
      input: raw,
    });
    return z.NEVER;
  }),
);

const commaSeparated = z.pipe(
  z.optional(z.string()),
  z.transform((raw: string | undefined) =>
    (raw ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== ''),
  ),
);

const functionEnvironment = z.object({
  ORDERS_TABLE_NAME: required,
  DYNAMODB_ENDPOINT: optional,
  POWERTOOLS_SERVICE_NAME: optional,
  POWERTOOLS_METRICS_NAMESPACE: optional,
  POWERTOOLS_LOG_LEVEL: logLevel,
  CORS_ALLOW_ORIGINS: commaSeparated,
});

const recoveryFunctionEnvironment = z.extend(functionEnvironment, {
  // Documented default 0: no simulated latency.
  SANDBOX_LATENCY_MS: wholeNumber(0, 0),
  CLOCK_SKEW_MARGIN_MS: wholeNumber(0, DEFAULT_CLOCK_SKEW_MARGIN_MS),
  // At most half of the 24 hours for which a processor keeps an idempotency key.
  PAYMENT_RECOVERY_SAFE_AGE_SECONDS: wholeNumber(
    1,
    DEFAULT_RECOVERY_SAFE_AGE_MS / 1000,
    MAX_RECOVERY_SAFE_AGE_MS / 1000,
  ),
});

const idempotentFunctionEnvironment = z.extend(recoveryFunctionEnvironment, {
  IDEMPOTENCY_TABLE_NAME: required,
  IDEMPOTENCY_TTL_SECONDS: wholeNumber(1, 24 * 60 * 60),
  IDEMPOTENCY_LOCAL_CACHE_SIZE: wholeNumber(0, 1000),
});

type Environment = Readonly<Record<string, string | undefined>>;

/**
 * The configuration of a function that reads orders and payments.
 *
 * @throws InvalidConfiguration naming every variable that is missing or invalid
 */
export function parseConfig(environment: Environment): Config {
  return toConfig(parsed(functionEnvironment, environment));
}

/**
 * The configuration of a POST function: everything {@link parseConfig} reads, and its
 * idempotency layer and card processor.
 *
 * @throws InvalidConfiguration naming every variable that is missing or invalid
 */
export function parseIdempotentConfig(environment: Environment): IdempotentConfig {
  const variables = parsed(idempotentFunctionEnvironment, environment);
  return {
    ...toRecoveryConfig(variables),
    idempotency: {
      tableName: variables.IDEMPOTENCY_TABLE_NAME,
      replayWindowSeconds: variables.IDEMPOTENCY_TTL_SECONDS,
      localCacheSize: variables.IDEMPOTENCY_LOCAL_CACHE_SIZE,
    },
  };
}

/**
 * The configuration of the sweeper: everything {@link parseConfig} reads, and the card
 * processor and margins it settles abandoned payment attempts with.
 *
 * @throws InvalidConfiguration naming every variable that is missing or invalid
 */
export function parseRecoveryConfig(environment: Environment): RecoveryConfig {
  return toRecoveryConfig(parsed(recoveryFunctionEnvironment, environment));
}

function toRecoveryConfig(variables: z.output<typeof recoveryFunctionEnvironment>): RecoveryConfig {
  return {
    ...toConfig(variables),
    sandboxLatencyMs: variables.SANDBOX_LATENCY_MS,
    clockSkewMarginMs: variables.CLOCK_SKEW_MARGIN_MS,
    recoverySafeAgeSeconds: variables.PAYMENT_RECOVERY_SAFE_AGE_SECONDS,
  };
}

function parsed<S extends z.ZodMiniType>(schema: S, environment: Environment): z.output<S> {
  const result = schema.safeParse(environment);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `${issue.path.join('.')} environment variable ${issue.message}`,
  );
  throw new InvalidConfiguration(problems.join('; '));
}

function toConfig(variables: z.output<typeof functionEnvironment>): Config {
  return {
    ordersTableName: variables.ORDERS_TABLE_NAME,
    dynamoDbEndpoint: variables.DYNAMODB_ENDPOINT,
    serviceName: variables.POWERTOOLS_SERVICE_NAME ?? 'payments-api',
    metricsNamespace: variables.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
    logLevel: variables.POWERTOOLS_LOG_LEVEL,
    corsAllowOrigins: variables.CORS_ALLOW_ORIGINS,
  };
}
