/**
 * What API Gateway answers on its own (refused signature, throttling, timeouts...), rendered as
 * the contract's problem+json with a snake_case `code`, so that a client reads every error the
 * same way whether the function or the gateway produced it.
 */
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { problems, type ProblemType } from '../lambda/http/problems';

export interface GatewayProblem {
  readonly type: apigateway.ResponseType;
  /** Its status, code, title and `Retry-After`, from the problem catalogue. */
  readonly problem: ProblemType;
}

/**
 * API Gateway's response types, each answered with a status and a code the OpenAPI document
 * allows. Every one fixes its status, the catch-alls too: a gateway response template is plain
 * variable substitution with no variable for the status, so a body can say its status (required
 * in every problem) only when the response fixes it. The 4xx catch-all answers request
 * validation and an unknown resource (neither happens with this API's routes, which take no
 * validated parameters and sit behind IAM) and whatever API Gateway adds; the 5xx one, a
 * function that crashed or gave an invalid answer.
 */
export const gatewayProblems: readonly GatewayProblem[] = [
  // API Gateway also answers this for a path or method it does not know, before any auth.
  {
    type: apigateway.ResponseType.MISSING_AUTHENTICATION_TOKEN,
    problem: problems.missingAuthentication,
  },
  { type: apigateway.ResponseType.INVALID_SIGNATURE, problem: problems.invalidSignature },
  { type: apigateway.ResponseType.EXPIRED_TOKEN, problem: problems.expiredToken },
  { type: apigateway.ResponseType.ACCESS_DENIED, problem: problems.forbidden },
  { type: apigateway.ResponseType.WAF_FILTERED, problem: problems.forbidden },
  // No API keys and no authorizers here (IAM refuses with 403): answered as refusals all the same.
  { type: apigateway.ResponseType.INVALID_API_KEY, problem: problems.forbidden },
  { type: apigateway.ResponseType.UNAUTHORIZED, problem: problems.forbidden },
  { type: apigateway.ResponseType.THROTTLED, problem: problems.tooManyRequests },
  // A usage plan's quota: a 429 like any throttling, with the same Retry-After.
  { type: apigateway.ResponseType.QUOTA_EXCEEDED, problem: problems.tooManyRequests },
  { type: apigateway.ResponseType.REQUEST_TOO_LARGE, problem: problems.payloadTooLarge },
  { type: apigateway.ResponseType.UNSUPPORTED_MEDIA_TYPE, problem: problems.unsupportedMediaType },
  { type: apigateway.ResponseType.INTEGRATION_TIMEOUT, problem: problems.gatewayTimeout },
  // The function could not be invoked or failed: what the local server answers for a function
  // that throws. API Gateway would say 504 and no code the document allows at 504.
  { type: apigateway.ResponseType.INTEGRATION_FAILURE, problem: problems.badGateway },
  { type: apigateway.ResponseType.API_CONFIGURATION_ERROR, problem: problems.internalError },
  {
    type: apigateway.ResponseType.AUTHORIZER_CONFIGURATION_ERROR,
    problem: problems.internalError,
  },
  { type: apigateway.ResponseType.AUTHORIZER_FAILURE, problem: problems.internalError },
  { type: apigateway.ResponseType.DEFAULT_4XX, problem: problems.badRequest },
  // Also what a function that crashed or gave an invalid answer gets (API Gateway: 502).
  { type: apigateway.ResponseType.DEFAULT_5XX, problem: problems.badGateway },
];

/**
 * The body template of a gateway problem. `$context.error.messageString` is API Gateway's
 * message, already quoted as a JSON string; `$context.requestId` lets support find the request
 * in the access logs.
 */
export function gatewayProblemTemplate({ problem }: GatewayProblem): string {
  const members = [
    `"type":"urn:payments-api:problem:${problem.code}"`,
    `"title":"${problem.title}"`,
    `"status":${problem.status}`,
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
  for (const gatewayProblem of gatewayProblems) {
    const { type, problem } = gatewayProblem;
    api.addGatewayResponse(`Problem${type.responseType}`, {
      type,
      statusCode: String(problem.status),
      responseHeaders: {
        'Content-Type': "'application/problem+json'",
        ...corsHeaders,
        ...(problem.retryAfterSeconds !== undefined && {
          'Retry-After': `'${problem.retryAfterSeconds}'`,
        }),
      },
      templates: { 'application/json': gatewayProblemTemplate(gatewayProblem) },
    });
  }
}
