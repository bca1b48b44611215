/**
 * Every error the API can answer with, mapped to its problem response in this one place.
 */
import {
  IdempotencyKeyReused,
  type AmountMismatch,
  type OrderAlreadyPaid,
  type OrderNotFound,
  type OrderUnderReconciliation,
  type PaymentInProgress,
  type PaymentNotFound,
} from '../domain/errors';
import { problems, type ProblemType } from './problems';
import { problemResponse, type HttpResponse, type Problem } from './response';

/** A request the API refuses before doing anything: never stored by the idempotency layer. */
export class InvalidRequest extends Error {
  override readonly name = 'InvalidRequest';
  readonly status: number;
  readonly code: string;

  constructor(
    readonly problem: ProblemType,
    message: string,
    readonly extensions?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
    this.status = problem.status;
    this.code = problem.code;
  }
}

// Keyed by the `name` each error sets on itself, not by `Class.name`: minified bundles rename
// classes. Typing the keys keeps them in step with the error classes.
type DomainErrorName =
  | OrderNotFound['name']
  | OrderAlreadyPaid['name']
  | AmountMismatch['name']
  | PaymentNotFound['name']
  | PaymentInProgress['name']
  | OrderUnderReconciliation['name']
  | IdempotencyKeyReused['name'];
type PowertoolsErrorName =
  | 'IdempotencyAlreadyInProgressError'
  | 'IdempotencyValidationError'
  | 'IdempotencyPersistenceLayerError'
  | 'IdempotencyInconsistentStateError';

const storeUnavailable = {
  type: problems.serviceUnavailable,
  detail: 'A dependency is unavailable; retrying with the same Idempotency-Key is safe.',
};

/**
 * Each error the API answers by name, with its problem and, when the error's own message is not
 * what the client should read, the detail to send instead.
 */
const problemOfError: ReadonlyMap<string, { type: ProblemType; detail?: string }> = new Map<
  DomainErrorName | PowertoolsErrorName,
  { type: ProblemType; detail?: string }
>([
  ['OrderNotFound', { type: problems.orderNotFound }],
  ['OrderAlreadyPaid', { type: problems.orderAlreadyPaid }],
  ['AmountMismatch', { type: problems.amountMismatch }],
  ['PaymentNotFound', { type: problems.paymentNotFound }],
  ['PaymentInProgress', { type: problems.paymentInProgress }],
  ['OrderUnderReconciliation', { type: problems.orderUnderReconciliation }],
  ['IdempotencyKeyReused', { type: problems.idempotencyKeyReused }],
  // Powertools idempotency errors, by name (their classes are not needed here).
  [
    'IdempotencyAlreadyInProgressError',
    {
      type: problems.idempotencyKeyInUse,
      detail: 'A request with this Idempotency-Key is still being processed; retry shortly.',
    },
  ],
  [
    'IdempotencyValidationError',
    { type: problems.idempotencyKeyReused, detail: new IdempotencyKeyReused().message },
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

const internalError: Problem = {
  ...problems.internalError,
  detail: 'The request failed unexpectedly; retrying with the same Idempotency-Key is safe.',
};

function problemOf(error: Error, { type, detail }: { type: ProblemType; detail?: string }) {
  return { ...type, detail: detail ?? error.message };
}

/**
 * The stored response for a business outcome (a problem the catalogue marks stored), or
 * `undefined` when the error is not one.
 */
export function businessOutcomeResponse(error: unknown): HttpResponse | undefined {
  const known = error instanceof Error ? problemOfError.get(error.name) : undefined;
  return known?.type.stored ? problemResponse(problemOf(error as Error, known)) : undefined;
}

/** The problem response for any error; unknown ones become 500 `internal_error`. */
export function errorResponse(error: unknown): HttpResponse {
  if (error instanceof InvalidRequest) {
    const { problem, message, extensions } = error;
    return problemResponse({ ...problem, detail: message, extensions });
  }
  if (!(error instanceof Error)) return problemResponse(internalError);
  const known = problemOfError.get(error.name);
  if (known) return problemResponse(problemOf(error, known));
  if (isDependencyUnavailable(error)) return problemResponse(problemOf(error, storeUnavailable));
  return problemResponse(internalError);
}

/** True for the responses that mean the server failed: they are logged as errors. */
export const isServerError = (response: HttpResponse) => response.statusCode >= 500;
