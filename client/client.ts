/**
 * The typed client. Every mutating call carries one Idempotency-Key, generated once per logical
 * call unless the caller brings its own, and every retry of that call reuses it: however many
 * attempts it takes, the API processes the operation at most once and replays its outcome.
 */
import { randomUUID } from 'node:crypto';
import { IDEMPOTENCY_KEY_RULE, isIdempotencyKeyHeaderValue } from '../lambda/http/idempotency-key';
import { isRetryableAnswer } from '../lambda/http/problems';
import { authenticatorFor, type ClientAuth, type OutgoingRequest } from './auth';
import { parseRetryAfterMs, retryDelayMs, type BackoffPolicy } from './backoff';
import {
  ApiError,
  PaymentDeclinedError,
  TransportError,
  type CallFailure,
  type TransportFailure,
} from './errors';
import type {
  CreateOrderRequest,
  CreatePaymentRequest,
  Order,
  Payment,
  PaymentDeclinedProblem,
  PaymentList,
  Problem,
  SucceededPayment,
} from './types';

export type Operation =
  'createOrder' | 'createPayment' | 'getOrder' | 'getPayment' | 'listPayments';

/** What every event says about the call it belongs to. */
export interface CallDescription {
  readonly operation: Operation;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  /** The key every attempt of a POST carries; `undefined` for a GET. */
  readonly idempotencyKey: string | undefined;
}

/** Observability: one event before each attempt, one with its outcome, one before each retry. */
export type ClientEvent =
  | (CallDescription & { readonly type: 'attempt'; readonly attempt: number })
  | (CallDescription & {
      readonly type: 'response';
      readonly attempt: number;
      readonly status: number;
      /** The problem's `code` for an error status. */
      readonly code: string | undefined;
      /** `Idempotent-Replayed: true`: the API answered with a stored outcome. */
      readonly replayed: boolean;
      readonly durationMs: number;
    })
  | (CallDescription & {
      readonly type: 'transport-error';
      readonly attempt: number;
      readonly failure: TransportFailure;
      readonly message: string;
      readonly durationMs: number;
    })
  | (CallDescription & {
      readonly type: 'retry';
      /** The attempt that failed; the next one is `attempt + 1`. */
      readonly attempt: number;
      readonly delayMs: number;
      /** Why: `503 service_unavailable`, `network`, `timeout`… */
      readonly reason: string;
    });

/** A logger the client reports to: `console`, a Powertools Logger, pino… */
export interface ClientLogger {
  debug(message: string, details: Record<string, unknown>): void;
  warn(message: string, details: Record<string, unknown>): void;
}

export interface PaymentsClientOptions {
  /** Where the API is: `http://127.0.0.1:3000` locally, the stack's `ApiUrl` when deployed. */
  readonly baseUrl: string | URL;
  /** @default `{ type: 'none' }`: no signature, the local server's default tenant */
  readonly auth?: ClientAuth;
  /** Requests per call at most, the first included. @default 5 */
  readonly maxAttempts?: number;
  /**
   * Time budget of a whole call, retries and waits included: no retry is waited for that could
   * not start before it, and the attempt running when it passes is abandoned. @default 60000
   */
  readonly deadlineMs?: number;
  /**
   * How long one attempt may take before it is abandoned and retried. Longer than the slowest
   * function's timeout (15 s for payments), so a slow success is not mistaken for a failure.
   * @default 20000
   */
  readonly attemptTimeoutMs?: number;
  /** @default `{ baseDelayMs: 100, maxDelayMs: 5000 }` */
  readonly backoff?: Partial<BackoffPolicy>;
  /**
   * Called synchronously for every attempt, outcome and retry. What it throws is reported to
   * the logger and otherwise ignored: observing a call never changes its outcome.
   */
  readonly onEvent?: (event: ClientEvent) => void;
  /** Attempts and outcomes go to `debug`, retries to `warn`. @default no logging */
  readonly logger?: ClientLogger;
  /** @default the global `fetch` */
  readonly fetch?: typeof fetch;
  /** Jitter source in [0, 1). @default Math.random */
  readonly random?: () => number;
}

export interface CallOptions {
  /** Aborts the call, including any retry waiting to happen. */
  readonly signal?: AbortSignal;
}

export interface MutationOptions extends CallOptions {
  /**
   * The operation's Idempotency-Key (1–255 visible ASCII characters, bare or as an RFC 8941
   * string: `"abc"` is the key `abc`). Pass your own — derived from your order or checkout id,
   * say — to retry safely across process restarts too.
   * @default a UUIDv4, generated once for this call and reused by all its attempts
   */
  readonly idempotencyKey?: string;
}

export interface PaymentsClient {
  /** POST /orders. */
  createOrder(request: CreateOrderRequest, options?: MutationOptions): Promise<Order>;
  /**
   * POST /payments: the SUCCEEDED payment. A declined card throws {@link PaymentDeclinedError},
   * which carries the recorded DECLINED payment.
   */
  createPayment(
    request: CreatePaymentRequest,
    options?: MutationOptions,
  ): Promise<SucceededPayment>;
  /** GET /orders/{orderId}. */
  getOrder(orderId: string, options?: CallOptions): Promise<Order>;
  /** GET /payments/{paymentId}. */
  getPayment(paymentId: string, options?: CallOptions): Promise<Payment>;
  /** GET /orders/{orderId}/payments: the order's payments, oldest first. */
  listPayments(orderId: string, options?: CallOptions): Promise<PaymentList>;
}

const DEFAULTS = {
  maxAttempts: 5,
  deadlineMs: 60_000,
  attemptTimeoutMs: 20_000,
  backoff: { baseDelayMs: 100, maxDelayMs: 5_000 },
} as const;

/**
 * Creates a client of the payments API.
 *
 * @example
 * const payments = createPaymentsClient({ baseUrl: 'http://127.0.0.1:3000' });
 * const order = await payments.createOrder({ customerId: 'cus_1', currency: 'usd', items });
 */
export function createPaymentsClient(options: PaymentsClientOptions): PaymentsClient {
  const settings = {
    baseUrl: new URL(options.baseUrl),
    authenticate: authenticatorFor(options.auth),
    maxAttempts: positiveInteger('maxAttempts', options.maxAttempts ?? DEFAULTS.maxAttempts),
    deadlineMs: positiveInteger('deadlineMs', options.deadlineMs ?? DEFAULTS.deadlineMs),
    attemptTimeoutMs: positiveInteger(
      'attemptTimeoutMs',
      options.attemptTimeoutMs ?? DEFAULTS.attemptTimeoutMs,
    ),
    backoff: backoffPolicy({ ...DEFAULTS.backoff, ...options.backoff }),
    emit: observer(options.onEvent, options.logger),
    fetch: options.fetch ?? globalThis.fetch,
    random: options.random ?? Math.random,
  };
  // async: a bad argument becomes a rejected promise, like every other failure of a call.
  const post = async <T>(
    operation: Operation,
    path: string,
    body: unknown,
    callOptions: MutationOptions = {},
  ) =>
    send<T>(settings, {
      operation,
      method: 'POST',
      path,
      idempotencyKey: idempotencyKeyFor(callOptions.idempotencyKey),
      body: JSON.stringify(body),
      signal: callOptions.signal,
    });
  const get = async <T>(operation: Operation, path: string, callOptions: CallOptions = {}) =>
    send<T>(settings, {
      operation,
      method: 'GET',
      path,
      idempotencyKey: undefined,
      body: undefined,
      signal: callOptions.signal,
    });

  return {
    createOrder: (request, callOptions) =>
      post<Order>('createOrder', '/orders', request, callOptions),
    createPayment: (request, callOptions) =>
      post<SucceededPayment>('createPayment', '/payments', request, callOptions),
    getOrder: async (orderId, callOptions) =>
      get<Order>('getOrder', `/orders/${pathSegment(orderId)}`, callOptions),
    getPayment: async (paymentId, callOptions) =>
      get<Payment>('getPayment', `/payments/${pathSegment(paymentId)}`, callOptions),
    listPayments: async (orderId, callOptions) =>
      get<PaymentList>('listPayments', `/orders/${pathSegment(orderId)}/payments`, callOptions),
  };
}

type Settings = {
  readonly baseUrl: URL;
  readonly authenticate: ReturnType<typeof authenticatorFor>;
  readonly maxAttempts: number;
  readonly deadlineMs: number;
  readonly attemptTimeoutMs: number;
  readonly backoff: BackoffPolicy;
  readonly emit: (event: ClientEvent) => void;
  readonly fetch: typeof fetch;
  readonly random: () => number;
};

interface Call extends CallDescription {
  /** The exact JSON text sent (and signed) on every attempt. */
  readonly body: string | undefined;
  readonly signal: AbortSignal | undefined;
}

/** What one attempt came back with. */
type AttemptResult =
  | {
      readonly kind: 'response';
      readonly status: number;
      readonly headers: Headers;
      readonly text: string;
    }
  | {
      readonly kind: 'transport-error';
      readonly failure: TransportFailure;
      readonly error: unknown;
    };

/** The attempt loop: send, judge the outcome, and either return, throw, or wait and send again. */
async function send<T>(settings: Settings, call: Call): Promise<T> {
  const description: CallDescription = {
    operation: call.operation,
    method: call.method,
    path: call.path,
    idempotencyKey: call.idempotencyKey,
  };
  // The monotonic clock: a wall clock stepped by NTP would stretch or cut the time budget.
  const deadline = performance.now() + settings.deadlineMs;
  for (let attempt = 1; ; attempt += 1) {
    const failure: CallFailure = { idempotencyKey: call.idempotencyKey, attempts: attempt };
    settings.emit({ ...description, type: 'attempt', attempt });
    const started = performance.now();
    const verdict = judge(await attemptOnce(settings, call, deadline), failure);
    settings.emit({
      ...description,
      ...verdict.outcome,
      attempt,
      durationMs: Math.round(performance.now() - started),
    });
    if (verdict.kind === 'success') return verdict.body as T;
    if (verdict.kind === 'final' || attempt >= settings.maxAttempts) throw verdict.error;

    const delayMs = retryDelayMs(attempt, settings.backoff, verdict.retryAfterMs, settings.random);
    // A retry that could not even start before the deadline is not worth waiting for.
    if (performance.now() + delayMs >= deadline) throw verdict.error;
    settings.emit({ ...description, type: 'retry', attempt, delayMs, reason: verdict.reason });
    try {
      await sleep(delayMs, call.signal);
    } catch (abort) {
      throw new TransportError('aborted', 'The call was aborted', failure, { cause: abort });
    }
  }
}

/** What an attempt came to, as its event reports it. */
type Outcome =
  | {
      readonly type: 'response';
      readonly status: number;
      readonly code: string | undefined;
      readonly replayed: boolean;
    }
  | {
      readonly type: 'transport-error';
      readonly failure: TransportFailure;
      readonly message: string;
    };

/** What to do after an attempt. */
type Verdict = { readonly outcome: Outcome } & (
  | { readonly kind: 'success'; readonly body: unknown }
  | { readonly kind: 'final'; readonly error: ApiError | TransportError }
  | {
      readonly kind: 'retry';
      readonly error: ApiError | TransportError;
      /** Why: `503 service_unavailable`, `network`, `timeout`… */
      readonly reason: string;
      readonly retryAfterMs: number | undefined;
    }
);

function judge(result: AttemptResult, failure: CallFailure): Verdict {
  if (result.kind === 'transport-error') {
    const message = describeTransportError(result.failure, result.error);
    const outcome: Outcome = { type: 'transport-error', failure: result.failure, message };
    const error = new TransportError(result.failure, message, failure, { cause: result.error });
    // The caller gave up, the time budget is spent, or no credentials sign the request: a
    // retry could only fail the same way.
    return result.failure === 'aborted' ||
      result.failure === 'deadline' ||
      result.failure === 'signing'
      ? { outcome, kind: 'final', error }
      : { outcome, kind: 'retry', error, reason: result.failure, retryAfterMs: undefined };
  }

  const replayed = result.headers.get('idempotent-replayed') === 'true';
  const body = parseJson(result.text);
  if (result.status >= 200 && result.status < 300) {
    const outcome: Outcome = { type: 'response', status: result.status, code: undefined, replayed };
    if (body !== undefined) return { outcome, kind: 'success', body };
    // A 2xx whose body did not arrive intact: the outcome is stored, so a retry replays it.
    const error = new TransportError(
      'network',
      `${result.status} with an unreadable body`,
      failure,
    );
    return { outcome, kind: 'retry', error, reason: 'unreadable body', retryAfterMs: undefined };
  }

  const problem = problemOf(result.status, body, result.text);
  const outcome: Outcome = {
    type: 'response',
    status: result.status,
    code: problem.code,
    replayed,
  };
  const error = apiErrorOf(problem, replayed, failure);
  if (!isTransient(problem)) return { outcome, kind: 'final', error };
  return {
    outcome,
    kind: 'retry',
    error,
    reason: `${problem.status} ${problem.code}`,
    retryAfterMs: parseRetryAfterMs(result.headers.get('retry-after'), Date.now()),
  };
}

/** One request, abandoned after `attemptTimeoutMs` or at the deadline, whichever comes first. */
async function attemptOnce(
  settings: Settings,
  call: Call,
  deadline: number,
): Promise<AttemptResult> {
  if (call.signal?.aborted) {
    return { kind: 'transport-error', failure: 'aborted', error: call.signal.reason };
  }
  const url = new URL(
    `${settings.baseUrl.pathname.replace(/\/$/, '')}${call.path}`,
    settings.baseUrl,
  );
  const request: OutgoingRequest = {
    method: call.method,
    url,
    headers: {
      accept: 'application/json, application/problem+json',
      ...(call.body !== undefined && { 'content-type': 'application/json; charset=utf-8' }),
      ...(call.idempotencyKey !== undefined && { 'idempotency-key': call.idempotencyKey }),
    },
    ...(call.body !== undefined && { body: call.body }),
  };

  const controller = new AbortController();
  let interruption: 'timeout' | 'deadline' | 'aborted' | undefined;
  let signed = false;
  const remaining = deadline - performance.now();
  const timer = setTimeout(
    () => {
      interruption = remaining < settings.attemptTimeoutMs ? 'deadline' : 'timeout';
      controller.abort();
    },
    Math.max(0, Math.min(settings.attemptTimeoutMs, remaining)),
  );
  const onCallerAbort = () => {
    interruption = 'aborted';
    controller.abort();
  };
  call.signal?.addEventListener('abort', onCallerAbort, { once: true });
  try {
    const headers = await settings.authenticate(request);
    signed = true;
    const response = await settings.fetch(url, {
      method: request.method,
      headers,
      body: request.body,
      signal: controller.signal,
      // The API never redirects. Following one would turn a POST into a GET (301-303) or send
      // the signed request and its key to wherever the Location points (307, 308).
      redirect: 'manual',
    });
    // Reading the body is part of the attempt: a connection dropped mid-body is a network error.
    const text = await response.text();
    return { kind: 'response', status: response.status, headers: response.headers, text };
  } catch (error) {
    // A failure to sign (no credentials, say) is not the network's: nothing was sent.
    const failure = interruption ?? (signed ? 'network' : 'signing');
    return { kind: 'transport-error', failure, error };
  } finally {
    clearTimeout(timer);
    call.signal?.removeEventListener('abort', onCallerAbort);
  }
}

/**
 * What is worth retrying with the same key, as the API's problem catalogue says: the outcome was
 * not stored, so a retry runs the operation again, or finds it finished. Stored business
 * outcomes (402, 404, 409 `order_already_paid`, 422) and refusals (400, 401, 403, 413, 415)
 * would only repeat.
 *
 * 409 `payment_in_progress` is retried too: it is not stored, and it is what a retry gets while
 * the order is still claimed by an earlier attempt — possibly this call's own, abandoned
 * attempt. Once that attempt finishes, the retry gets its outcome (or 409 `order_already_paid`
 * if another payment won), so retrying cannot charge twice.
 */
function isTransient(problem: Problem): boolean {
  return isRetryableAnswer(problem.status, problem.code);
}

function apiErrorOf(problem: Problem, replayed: boolean, failure: CallFailure): ApiError {
  if (problem.status === 402 && isPaymentDeclined(problem)) {
    return new PaymentDeclinedError(problem, replayed, failure);
  }
  return new ApiError(problem, replayed, failure);
}

function isPaymentDeclined(problem: Problem): problem is PaymentDeclinedProblem {
  return typeof problem.payment === 'object' && problem.payment !== null;
}

/**
 * The response's problem details. Something in front of the API (API Gateway refusing a
 * signature, a proxy) may answer without one: that becomes a problem with code `http_<status>`.
 */
function problemOf(status: number, body: unknown, text: string): Problem {
  if (
    typeof body === 'object' &&
    body !== null &&
    typeof (body as Partial<Problem>).code === 'string' &&
    typeof (body as Partial<Problem>).title === 'string'
  ) {
    return { ...(body as Problem), status };
  }
  const message =
    typeof body === 'object' &&
    body !== null &&
    typeof (body as { message?: unknown }).message === 'string'
      ? (body as { message: string }).message
      : text.slice(0, 500);
  return {
    type: 'about:blank',
    title: `HTTP ${status}`,
    status,
    detail: message,
    code: `http_${status}`,
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function describeTransportError(failure: TransportFailure, error: unknown): string {
  switch (failure) {
    case 'timeout':
      return 'The attempt timed out';
    case 'deadline':
      return 'The call ran out of time';
    case 'aborted':
      return 'The call was aborted';
    case 'signing':
      return `Could not sign the request: ${error instanceof Error ? error.message : String(error)}`;
    case 'network': {
      // fetch reports "fetch failed" and puts the socket's error in `cause`.
      const cause =
        error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
      const detail = cause ?? (error instanceof Error ? error : undefined);
      return `Network error: ${detail?.message ?? String(error)}`;
    }
  }
}

function observer(
  onEvent: ((event: ClientEvent) => void) | undefined,
  logger: ClientLogger | undefined,
): (event: ClientEvent) => void {
  // Observing a call must never change its outcome: a hook that threw after a payment
  // succeeded would otherwise make the caller believe it failed, and perhaps pay again under a
  // new key.
  const log = (level: 'debug' | 'warn', message: string, details: Record<string, unknown>) => {
    try {
      logger?.[level](message, details);
    } catch {
      // A logger that throws has nowhere left to report to.
    }
  };
  return (event) => {
    try {
      onEvent?.(event);
    } catch (error) {
      log('warn', 'payments-api onEvent threw', { type: event.type, error });
    }
    const { type, ...details } = event;
    if (type === 'retry') log('warn', 'payments-api retry', details);
    else log('debug', `payments-api ${type}`, details);
  };
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const aborted = () => new Error('aborted', { cause: signal?.reason });
    if (signal?.aborted) {
      reject(aborted());
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(aborted());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function idempotencyKeyFor(key: string | undefined): string {
  if (key === undefined) return randomUUID();
  if (!isIdempotencyKeyHeaderValue(key)) {
    throw new RangeError(`idempotencyKey must be ${IDEMPOTENCY_KEY_RULE}`);
  }
  return key;
}

function pathSegment(id: string): string {
  if (id.length === 0) throw new RangeError('an id must not be empty');
  return encodeURIComponent(id);
}

// A negative or NaN delay would make every retry immediate: a retry storm, not a backoff.
function backoffPolicy(policy: BackoffPolicy): BackoffPolicy {
  for (const [name, value] of Object.entries(policy)) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`backoff.${name} must be a non-negative integer, got ${value}`);
    }
  }
  return policy;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
  return value;
}
