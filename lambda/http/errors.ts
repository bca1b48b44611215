/**
 * Every error the API can answer with, mapped to its problem response in this one place.
 */
import {
  IdempotencyKeyReused,
  type AmountMismatch,
  type OrderAlreadyPaid,
  type OrderNotFound,
  type PaymentInProgress,
  type PaymentNotFound,
} from '../domain/errors';
import { problemResponse, type HttpResponse, type Problem } from './response';

/** A request the API refuses before doing anything: never stored by the idempotency layer. */
export class InvalidRequest extends Error {
  override readonly name = 'InvalidRequest';
  constructor(
    readonly status: 400 | 401 | 413 | 415,
    readonly code: string,
    readonly title: string,
    message: string,
    readonly extensions?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
  }
}

type ProblemOf = (error: Error) => Problem;

// Keyed by the `name` each error sets on itself, not by `Class.name`: minified bundles rename
// classes. Typing the keys keeps them in step with the error classes.
type DomainErrorName =
  | OrderNotFound['name']
  | OrderAlreadyPaid['name']
  | AmountMismatch['name']
  | PaymentNotFound['name']
  | PaymentInProgress['name']
  | IdempotencyKeyReused['name'];
type PowertoolsErrorName =
  | 'IdempotencyAlreadyInProgressError'
  | 'IdempotencyValidationError'
  | 'IdempotencyPersistenceLayerError'
  | 'IdempotencyInconsistentStateError';

const RETRY_SOON = 1;

/**
 * Business outcomes reached after execution began. The idempotency layer stores them and
 * replays them like a success; everything else is answered without being stored.
 */
const businessOutcomes: ReadonlyMap<string, ProblemOf> = new Map<DomainErrorName, ProblemOf>([
  [
    'OrderNotFound',
    (e) => ({ status: 404, code: 'order_not_found', title: 'Order not found', detail: e.message }),
  ],
  [
    'OrderAlreadyPaid',
    (e) => ({
      status: 409,
      code: 'order_already_paid',
      title: 'Order already paid',
      detail: e.message,
    }),
  ],
  [
    'AmountMismatch',
    (e) => ({
      status: 422,
      code: 'amount_mismatch',
      title: 'Payment does not match the order',
      detail: e.message,
    }),
  ],
]);

const transientOrRefused: ReadonlyMap<string, ProblemOf> = new Map<
  DomainErrorName | PowertoolsErrorName,
  ProblemOf
>([
  [
    'PaymentNotFound',
    (e) => ({
      status: 404,
      code: 'payment_not_found',
      title: 'Payment not found',
      detail: e.message,
    }),
  ],
  [
    'PaymentInProgress',
    (e) => ({
      status: 409,
      code: 'payment_in_progress',
      title: 'Payment in progress',
      detail: e.message,
      retryAfterSeconds: RETRY_SOON,
    }),
  ],
  [
    'IdempotencyKeyReused',
    (e) => ({
      status: 422,
      code: 'idempotency_key_reused',
      title: 'Idempotency-Key reused',
      detail: e.message,
    }),
  ],
  // Powertools idempotency errors, by name (their classes are not needed here).
  [
    'IdempotencyAlreadyInProgressError',
    () => ({
      status: 409,
      code: 'idempotency_key_in_use',
      title: 'Request in progress',
      detail: 'A request with this Idempotency-Key is still being processed; retry shortly.',
      retryAfterSeconds: RETRY_SOON,
    }),
  ],
  [
    'IdempotencyValidationError',
    () => ({
      status: 422,
      code: 'idempotency_key_reused',
      title: 'Idempotency-Key reused',
      detail: new IdempotencyKeyReused().message,
    }),
  ],
  ['IdempotencyPersistenceLayerError', storeUnavailable],
  ['IdempotencyInconsistentStateError', storeUnavailable],
]);

// DynamoDB errors that mean "try again later", not "this request is broken".
const retryableAwsErrors = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
  'TransactionConflictException',
  'TransactionInProgressException',
]);

// Node.js socket errors the SDK surfaces once its retries are spent: the endpoint is unreachable.
const networkErrorCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/** A dependency that failed on its side or could not be reached, rather than a bug here. */
function isDependencyUnavailable(error: Error): boolean {
  if (retryableAwsErrors.has(error.name)) return true;
  const { $fault, $metadata, code } = error as Error & {
    $fault?: unknown;
    $metadata?: unknown;
    code?: unknown;
  };
  if ($fault === 'server') return true;
  if (typeof code === 'string' && networkErrorCodes.has(code)) return true;
  // Out of the SDK (it carries `$metadata`) without a service's verdict (`$fault`): no answer
  // ever came, its retries spent on resets or timeouts, however the transport error was wrapped.
  return $metadata !== undefined && $fault === undefined;
}

function storeUnavailable(): Problem {
  return {
    status: 503,
    code: 'service_unavailable',
    title: 'Service unavailable',
    detail: 'A dependency is unavailable; retrying with the same Idempotency-Key is safe.',
    retryAfterSeconds: 2,
  };
}

const internalError: Problem = {
  status: 500,
  code: 'internal_error',
  title: 'Internal error',
  detail: 'The request failed unexpectedly; retrying with the same Idempotency-Key is safe.',
};

/** The stored response for a business outcome, or `undefined` when the error is not one. */
export function businessOutcomeResponse(error: unknown): HttpResponse | undefined {
  const problemOf = error instanceof Error ? businessOutcomes.get(error.name) : undefined;
  return problemOf && problemResponse(problemOf(error as Error));
}

/** The problem response for any error; unknown ones become 500 `internal_error`. */
export function errorResponse(error: unknown): HttpResponse {
  if (error instanceof InvalidRequest) {
    const { status, code, title, message, extensions } = error;
    return problemResponse({ status, code, title, detail: message, extensions });
  }
  if (!(error instanceof Error)) return problemResponse(internalError);
  const problemOf = businessOutcomes.get(error.name) ?? transientOrRefused.get(error.name);
  if (problemOf) return problemResponse(problemOf(error));
  if (isDependencyUnavailable(error)) return problemResponse(storeUnavailable());
  return problemResponse(internalError);
}

/** True for the responses that mean the server failed: they are logged as errors. */
export const isServerError = (response: HttpResponse) => response.statusCode >= 500;
