/**
 * The problem catalogue: every problem the API answers with, whoever answers it (the functions,
 * API Gateway, the local server), and what a client may do about it. The error map
 * (`errors.ts`), the gateway responses of the stack, the local server, the OpenAPI document, the
 * client SDK's retry decisions and the exactly-once checker all read it from here.
 *
 * Plain data without imports: the client SDK compiles this module in.
 */

/** Who sends a problem: a function, API Gateway on its own, or the local server on its own. */
export type ProblemSource = 'function' | 'gateway' | 'local-server';

export interface ProblemType {
  /** The snake_case `code` member; the `type` member is `urn:payments-api:problem:<code>`. */
  readonly code: string;
  /** The HTTP status it comes with, whoever sends it (API Gateway's catch-alls included). */
  readonly status: number;
  readonly title: string;
  /**
   * A business outcome the idempotency layer stores as the key's answer, replayed to every
   * retry with `Idempotent-Replayed: true`. Anything else leaves the key free.
   */
  readonly stored: boolean;
  /**
   * A retry with the same Idempotency-Key may get another answer (the outcome of the request),
   * so a client should retry it, after `Retry-After` when given. Never true of a stored answer.
   */
  readonly retryable: boolean;
  /** Sent as `Retry-After` (seconds) with every answer of this problem. */
  readonly retryAfterSeconds?: number;
  readonly sources: readonly ProblemSource[];
}

const refused = (
  status: number,
  code: string,
  title: string,
  sources: ProblemSource[],
): ProblemType => ({ code, status, title, stored: false, retryable: false, sources });

const outcome = (status: number, code: string, title: string): ProblemType => ({
  code,
  status,
  title,
  stored: true,
  retryable: false,
  sources: ['function'],
});

const transient = (
  status: number,
  code: string,
  title: string,
  retryAfterSeconds: number | undefined,
  sources: ProblemSource[],
): ProblemType => ({
  code,
  status,
  title,
  stored: false,
  retryable: true,
  ...(retryAfterSeconds !== undefined && { retryAfterSeconds }),
  sources,
});

export const problems = {
  // Refusals before anything runs: never stored, and the same request would be refused again.
  idempotencyKeyMissing: refused(400, 'idempotency_key_missing', 'Idempotency-Key required', [
    'function',
  ]),
  idempotencyKeyInvalid: refused(400, 'idempotency_key_invalid', 'Idempotency-Key invalid', [
    'function',
  ]),
  invalidJson: refused(400, 'invalid_json', 'Invalid JSON', ['function']),
  invalidRequest: refused(400, 'invalid_request', 'Invalid request', ['function']),
  /** No IAM identity on the request: only reachable without API Gateway's IAM authorization. */
  unauthenticated: refused(401, 'unauthenticated', 'Unauthenticated', ['function']),
  payloadTooLarge: refused(413, 'payload_too_large', 'Payload too large', [
    'function',
    'gateway',
    'local-server',
  ]),
  unsupportedMediaType: refused(415, 'unsupported_media_type', 'Unsupported media type', [
    'function',
    'gateway',
  ]),
  /** The key was used with another request: its stored outcome stays untouched. */
  idempotencyKeyReused: refused(422, 'idempotency_key_reused', 'Idempotency-Key reused', [
    'function',
  ]),
  /**
   * An earlier payment attempt of the order could not be settled automatically: nothing may
   * pay the order until an operator has reconciled it. Not stored, so that the same key may pay
   * once that is done; not worth retrying automatically before then.
   */
  orderUnderReconciliation: refused(
    409,
    'order_under_reconciliation',
    'Order under reconciliation',
    ['function'],
  ),
  /** A GET of an unknown payment (no POST answers it, so nothing stores it). */
  paymentNotFound: refused(404, 'payment_not_found', 'Payment not found', ['function']),

  // Business outcomes reached after execution began: stored and replayed like a success.
  cardDeclined: outcome(402, 'card_declined', 'Payment declined'),
  insufficientFunds: outcome(402, 'insufficient_funds', 'Payment declined'),
  orderNotFound: outcome(404, 'order_not_found', 'Order not found'),
  orderAlreadyPaid: outcome(409, 'order_already_paid', 'Order already paid'),
  amountMismatch: outcome(422, 'amount_mismatch', 'Payment does not match the order'),

  // Not stored, and a retry with the same key may find the request done or the way free.
  idempotencyKeyInUse: transient(409, 'idempotency_key_in_use', 'Request in progress', 1, [
    'function',
  ]),
  paymentInProgress: transient(409, 'payment_in_progress', 'Payment in progress', 1, ['function']),
  internalError: transient(500, 'internal_error', 'Internal error', undefined, [
    'function',
    'gateway',
    'local-server',
  ]),
  /** A dependency failed or could not be reached. */
  serviceUnavailable: transient(503, 'service_unavailable', 'Service unavailable', 2, ['function']),

  // API Gateway's own answers (lib/gateway-responses.ts): the request never reached a function.
  // The local server renders the SigV4 refusals the same way when it verifies signatures.
  missingAuthentication: refused(
    403,
    'missing_authentication',
    'Missing authentication or unknown route',
    ['gateway', 'local-server'],
  ),
  invalidSignature: refused(403, 'invalid_signature', 'Invalid signature', [
    'gateway',
    'local-server',
  ]),
  expiredToken: refused(403, 'expired_token', 'Expired credentials', ['gateway', 'local-server']),
  forbidden: refused(403, 'forbidden', 'Forbidden', ['gateway']),
  /** API Gateway's 4xx catch-all: a refusal it has no answer of its own for (validation...). */
  badRequest: refused(400, 'bad_request', 'Bad request', ['gateway']),
  tooManyRequests: transient(429, 'too_many_requests', 'Too many requests', 1, ['gateway']),
  /** The function did not answer in time; it may still finish, and its outcome be stored. */
  gatewayTimeout: transient(504, 'gateway_timeout', 'Gateway timeout', 1, [
    'gateway',
    'local-server',
  ]),

  // The local server's own answers, where API Gateway would answer otherwise.
  notFound: refused(404, 'not_found', 'Not found', ['local-server']),
  methodNotAllowed: refused(405, 'method_not_allowed', 'Method not allowed', ['local-server']),
  /**
   * The function threw, crashed, gave an invalid answer or could not be invoked: API Gateway's
   * 5xx catch-all, and the local server's answer for a function that throws.
   */
  badGateway: transient(502, 'bad_gateway', 'Bad gateway', undefined, ['gateway', 'local-server']),
} satisfies Record<string, ProblemType>;

export type ProblemName = keyof typeof problems;

const byCode: ReadonlyMap<string, ProblemType> = new Map(
  Object.values(problems).map((problem) => [problem.code, problem]),
);

/** The catalogue's entry for a problem `code`, or `undefined` for a code it does not know. */
export function problemTypeOf(code: string | undefined): ProblemType | undefined {
  return code === undefined ? undefined : byCode.get(code);
}

/**
 * Statuses that mean "try again later" whoever sent them: answers the catalogue does not
 * describe (a proxy's, or API Gateway's catch-all 4xx for a usage plan's 429) are judged by them.
 */
const RETRY_LATER_STATUSES: readonly number[] = [429, 500, 502, 503, 504];

/**
 * Whether a client should retry an answer with the same Idempotency-Key: a retryable problem
 * of the catalogue, or a status that means "later".
 */
export function isRetryableAnswer(status: number, code: string | undefined): boolean {
  return problemTypeOf(code)?.retryable === true || RETRY_LATER_STATUSES.includes(status);
}
