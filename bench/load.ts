/**
 * One load run with autocannon: a fixed duration and number of connections, each request made
 * by `next` (a fresh key, a replayed one...), its latency recorded at full precision.
 */
import autocannon from 'autocannon';

export interface BenchRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface LoadOptions<T extends BenchRequest> {
  readonly url: string;
  readonly durationSeconds: number;
  readonly connections: number;
  /** The next request; `undefined` when there is nothing left to send. */
  readonly next: () => T | undefined;
  /** At most this many requests (a finite pool of orders to pay, for instance). */
  readonly maxRequests?: number;
  readonly onResponse?: (request: T, status: number, body: string, replayed: boolean) => void;
}

export interface LoadResult {
  readonly requests: number;
  readonly durationSeconds: number;
  readonly requestsPerSecond: number;
  /** Latency of every answer in ms, sorted. */
  readonly latenciesMs: readonly number[];
  /** Connection errors and timeouts. */
  readonly errors: number;
  readonly non2xx: number;
  readonly statusCounts: Readonly<Record<string, number>>;
  /** Answers marked `Idempotent-Replayed: true`. */
  readonly replayed: number;
}

export async function runLoad<T extends BenchRequest>(
  options: LoadOptions<T>,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let replayed = 0;
  const inFlight = new WeakMap<object, T>();
  let finished: (result: autocannon.Result) => void = () => {};
  let failed: (error: unknown) => void = () => {};
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    finished = resolve;
    failed = reject;
  });
  const instance = autocannon(
    {
      url: options.url,
      connections: options.connections,
      duration: options.durationSeconds,
      // autocannon may build a connection's next request before the last one is answered:
      // leave each connection one spare so that a finite pool is never asked past its end.
      ...(options.maxRequests !== undefined && {
        amount: Math.max(1, options.maxRequests - options.connections),
      }),
      requests: [
        {
          setupRequest: (_request, context) => {
            const request = options.next();
            if (!request) {
              // Deferred: autocannon builds each connection's first request before it returns
              // `instance`, and a pool may already be dry then.
              queueMicrotask(() => instance.stop());
              // Nothing left: the connection re-sends a health check nobody counts.
              return { method: 'GET', path: '/health', headers: {} };
            }
            inFlight.set(context, request);
            return {
              method: request.method,
              path: request.path,
              headers: request.headers,
              ...(request.body !== undefined && { body: request.body }),
            };
          },
          onResponse: (status, body, context, headers) => {
            const request = inFlight.get(context);
            const isReplay = headerValue(headers, 'Idempotent-Replayed') === 'true';
            if (isReplay) replayed++;
            // A health check's context is a fresh one, never in `inFlight`: a request answered
            // after the pool ran dry is still reported, a health check never is.
            if (request) options.onResponse?.(request, status, body, isReplay);
          },
        },
      ],
    },
    (error: unknown, result: autocannon.Result) => (error ? failed(error) : finished(result)),
  );
  // autocannon emits the client first, which its type definitions leave out.
  (instance as unknown as NodeJS.EventEmitter).on(
    'response',
    (_client: unknown, _status: number, _bytes: number, responseTimeMs: number) =>
      latencies.push(responseTimeMs),
  );
  // A duration alone would let a finite pool run dry; stop on time whatever `amount` says.
  const timer = setTimeout(() => instance.stop(), options.durationSeconds * 1000);
  const result = await done;
  clearTimeout(timer);
  latencies.sort((a, b) => a - b);
  const statusCounts = Object.fromEntries(
    Object.entries(result.statusCodeStats ?? {}).map(([status, { count }]) => [status, count ?? 0]),
  );
  const requests = latencies.length;
  return {
    requests,
    durationSeconds: result.duration,
    requestsPerSecond: requests / result.duration,
    latenciesMs: latencies,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    statusCounts,
    replayed,
  };
}

/** The `p`th percentile (0–100) of sorted values, nearest rank. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/**
 * A response header by name, whatever its case: autocannon keys headers as the server spelled
 * them (`Idempotent-Replayed`), not lower-cased as Node.js's own client does.
 */
function headerValue(headers: Record<string, unknown> | undefined, name: string) {
  const wanted = name.toLowerCase();
  const found = Object.entries(headers ?? {}).find(([key]) => key.toLowerCase() === wanted);
  return found === undefined ? undefined : String(found[1]);
}
