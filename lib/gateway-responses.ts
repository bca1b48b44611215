/**
 * What API Gateway answers on its own (refused signature, throttling, timeouts...), rendered as
 * the contract's problem+json with a snake_case `code`, so that a client reads every error the
 * same way whether the function or the gateway produced it.
 */
import * as apigateway from 'aws-cdk-lib/aws-apigateway';

export interface GatewayProblem {
  readonly type: apigateway.ResponseType;
  /** Omitted for the DEFAULT_* types: they keep the status API Gateway chose. */
  readonly status?: number;
  readonly code: string;
  readonly title: string;
  readonly retryAfterSeconds?: number;
}

export const gatewayProblems: readonly GatewayProblem[] = [
  {
    type: apigateway.ResponseType.MISSING_AUTHENTICATION_TOKEN,
    // API Gateway also answers this for a path or method it does not know, before any auth.
    status: 403,
    code: 'missing_authentication',
    title: 'Missing authentication or unknown route',
  },
  {
    type: apigateway.ResponseType.INVALID_SIGNATURE,
    status: 403,
    code: 'invalid_signature',
    title: 'Invalid signature',
  },
  {
    type: apigateway.ResponseType.EXPIRED_TOKEN,
    status: 403,
    code: 'expired_token',
    title: 'Expired credentials',
  },
  {
    type: apigateway.ResponseType.ACCESS_DENIED,
    status: 403,
    code: 'forbidden',
    title: 'Forbidden',
  },
  {
    type: apigateway.ResponseType.THROTTLED,
    status: 429,
    code: 'too_many_requests',
    title: 'Too many requests',
    retryAfterSeconds: 1,
  },
  {
    type: apigateway.ResponseType.REQUEST_TOO_LARGE,
    status: 413,
    code: 'payload_too_large',
    title: 'Payload too large',
  },
  {
    type: apigateway.ResponseType.INTEGRATION_TIMEOUT,
    status: 504,
    code: 'gateway_timeout',
    title: 'Gateway timeout',
    // The contract's promise for every 5xx: a retry with the same Idempotency-Key is safe.
    retryAfterSeconds: 1,
  },
  { type: apigateway.ResponseType.DEFAULT_4XX, code: 'bad_request', title: 'Bad request' },
  {
    type: apigateway.ResponseType.DEFAULT_5XX,
    code: 'service_unavailable',
    title: 'Service unavailable',
    retryAfterSeconds: 1,
  },
];

/**
 * The body template of a gateway problem. `$context.error.messageString` is API Gateway's
 * message, already quoted as a JSON string; `$context.requestId` lets support find the request
 * in the access logs.
 */
export function gatewayProblemTemplate(problem: GatewayProblem): string {
  const members = [
    `"type":"urn:payments-api:problem:${problem.code}"`,
    `"title":"${problem.title}"`,
    ...(problem.status === undefined ? [] : [`"status":${problem.status}`]),
    '"detail":$context.error.messageString',
    `"code":"${problem.code}"`,
    '"requestId":"$context.requestId"',
  ];
  return `{${members.join(',')}}`;
}

/**
 * Adds a problem+json gateway response for each of {@link gatewayProblems} to the API. With
 * CORS origins, the responses carry `Access-Control-Allow-Origin` too, or a browser could not
 * read why it was refused: the one origin, or, with several, the request's own `Origin` (these
 * bodies hold nothing but API Gateway's message).
 */
export function addGatewayProblems(
  api: apigateway.RestApi,
  corsAllowOrigins: readonly string[] = [],
): void {
  const [onlyOrigin, ...otherOrigins] = corsAllowOrigins;
  const corsHeaders: Record<string, string> =
    onlyOrigin === undefined
      ? {}
      : otherOrigins.length === 0
        ? { 'Access-Control-Allow-Origin': `'${onlyOrigin}'` }
        : { 'Access-Control-Allow-Origin': 'method.request.header.Origin', Vary: "'Origin'" };
  for (const problem of gatewayProblems) {
    api.addGatewayResponse(`Problem${problem.type.responseType}`, {
      type: problem.type,
      statusCode: problem.status === undefined ? undefined : String(problem.status),
      responseHeaders: {
        'Content-Type': "'application/problem+json'",
        ...corsHeaders,
        ...(problem.retryAfterSeconds !== undefined && {
          'Retry-After': `'${problem.retryAfterSeconds}'`,
        }),
      },
      templates: { 'application/json': gatewayProblemTemplate(problem) },
    });
  }
}
