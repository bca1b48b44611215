/**
 * What a failed call throws. Every error says which Idempotency-Key it used (so the caller can
 * retry the same operation later with the same key), how many attempts were made, and, for an
 * answer from the API, the problem details and whether that answer was a replay.
 */
import type { DeclinedPayment, PaymentDeclinedProblem, Problem } from './types';

/** Facts common to every failed call. */
export interface CallFailure {
  /** The Idempotency-Key every attempt of a POST carried; `undefined` for a GET. */
  readonly idempotencyKey: string | undefined;
  /** How many requests were sent (1 when nothing was retried). */
  readonly attempts: number;
}

/** Base class of the client's errors: `instanceof PaymentsClientError` catches them all. */
export abstract class PaymentsClientError extends Error implements CallFailure {
  abstract override readonly name: string;
  readonly idempotencyKey: string | undefined;
  readonly attempts: number;

  protected constructor(message: string, failure: CallFailure, options?: ErrorOptions) {
    super(message, options);
    this.idempotencyKey = failure.idempotencyKey;
    this.attempts = failure.attempts;
  }
}

/**
 * The API answered with an error status and an RFC 9457 problem (`problem.code` tells which).
 * Thrown for outcomes the client does not retry (a 400, a stored business outcome such as 404,
 * 409 `order_already_paid` or 422) and for transient ones once retries are exhausted.
 */
export class ApiError extends PaymentsClientError {
  override readonly name: string = 'ApiError';
  readonly status: number;
  readonly code: string;
  readonly problem: Problem;
  /** True when the API replayed a stored outcome (`Idempotent-Replayed: true`). */
  readonly replayed: boolean;

  constructor(problem: Problem, replayed: boolean, failure: CallFailure) {
    super(`${problem.status} ${problem.code}: ${problem.detail ?? problem.title}`, failure);
    this.status = problem.status;
    this.code = problem.code;
    this.problem = problem;
    this.replayed = replayed;
  }
}

/**
 * 402: the card was declined. The payment was recorded (`payment.status` is `DECLINED`) and the
 * order can still be paid with another card, under a new Idempotency-Key.
 */
export class PaymentDeclinedError extends ApiError {
  override readonly name = 'PaymentDeclinedError';
  readonly payment: DeclinedPayment;

  constructor(problem: PaymentDeclinedProblem, replayed: boolean, failure: CallFailure) {
    super(problem, replayed, failure);
    this.payment = problem.payment;
  }
}

/** Why no answer arrived. */
export type TransportFailure =
  /** The connection failed or was dropped before a complete response arrived. */
  | 'network'
  /** An attempt took longer than `attemptTimeoutMs`. */
  | 'timeout'
  /** The overall deadline passed before an attempt could succeed. */
  | 'deadline'
  /** The caller's `signal` aborted the call. */
  | 'aborted'
  /** The request could not be signed (no credentials, say): this attempt was not sent. */
  | 'signing';

/**
 * No usable answer: the request may or may not have been processed. Retrying later with the
 * same `idempotencyKey` is safe and returns the outcome of the first processing, if any.
 */
export class TransportError extends PaymentsClientError {
  override readonly name = 'TransportError';

  constructor(
    readonly failure: TransportFailure,
    message: string,
    call: CallFailure,
    options?: ErrorOptions,
  ) {
    super(message, call, options);
  }
}
