/** What one bench run measured: the shape of `bench/results/*.json`. */
import type { FunctionBundleSize, SdkPlacement } from './bundles';
import type { InProcessReplays } from './in-process';
import type { BenchOptions } from './options';

/** The three kinds of container the scenarios run on. */
export type ServerKind = 'default' | 'no-local-cache' | 'unguarded';

export interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  readonly server: ServerKind;
  readonly requests: number;
  readonly durationSeconds: number;
  readonly requestsPerSecond: number;
  readonly latencyMs: { p50: number; p90: number; p99: number; max: number };
  readonly errors: number;
  readonly non2xx: number;
  readonly statusCounts: Readonly<Record<string, number>>;
  readonly replayed: number;
  /** DynamoDB calls per request, by operation, counted by the SDK middleware. */
  readonly callsPerRequest: Readonly<Record<string, number>> | null;
  readonly totalCallsPerRequest: number | null;
  /** The API server's CPU time per request (µs), from its own accounting: less noisy than req/s. */
  readonly serverCpuMicrosecondsPerRequest: number | null;
}

/** One fresh process loading a function's bundle and answering one request. */
export interface ColdStartSample {
  /** From the start of the process's script to the bundle loaded. */
  readonly loadMs: number;
  /** From the bundle loaded to its first answer. */
  readonly firstRequestMs: number;
  /** Load + first request: what the target is about. */
  readonly totalMs: number;
  /** The process from spawn to exit, Node.js's own start-up included. */
  readonly processMs: number;
  readonly statusCode: number;
}

export interface ColdStartResult {
  readonly functionId: string;
  readonly sdk: SdkPlacement;
  readonly medianTotalMs: number;
  /**
   * The floor's median over the samples taken alongside this function's, alternating with them
   * so that both meet the same background load: what {@link medianTotalMs} is compared with.
   */
  readonly floorMedianTotalMs: number;
  readonly medianLoadMs: number;
  readonly medianFirstRequestMs: number;
  readonly medianProcessMs: number;
  readonly samples: readonly ColdStartSample[];
}

export interface Target {
  readonly name: string;
  readonly value: number | null;
  readonly limit: string;
  readonly pass: boolean | null;
  /** Asserted targets fail the run; the others are reported only (noisy machine). */
  readonly asserted: boolean;
}

/** The options as the JSON records them. */
export type RecordedOptions = Omit<BenchOptions, 'skip' | 'outputPath'> & {
  readonly skip: string[];
};

export interface BenchResults {
  readonly commit: string;
  readonly date: string;
  readonly machine: {
    readonly cpus: number;
    readonly node: string;
    readonly loadAverage: number[];
  };
  readonly options: RecordedOptions;
  readonly bundles: readonly FunctionBundleSize[];
  readonly coldStarts: readonly ColdStartResult[];
  /**
   * A bare SDK v3 DynamoDB client making one GetItem (`bench/floor-function.ts`), bundled with
   * the functions' settings: its size, and its cold start over every sample of the run.
   */
  readonly floor: {
    readonly bundle: FunctionBundleSize;
    readonly coldStart: ColdStartResult | null;
  };
  readonly scenarios: readonly ScenarioResult[];
  readonly businessCallsPerRequest: Readonly<Record<string, number | null>>;
  /** Cached replays of create-order called in a loop, without HTTP: the handler's own cost. */
  readonly inProcessCachedReplays: InProcessReplays | null;
  readonly ratios: Readonly<Record<string, number | null>>;
  readonly targets: readonly Target[];
}
