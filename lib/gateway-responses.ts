/**
 * What API Gateway answers on its own (refused signature, throttling, timeouts...), rendered as
 * the contract's problem+json with a snake_case `code`, so that a client reads every error the
 * same way whether the function or the gateway produced it.
 */
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { problems, type ProblemType } from '../lambda/http/problems';

export interface GatewayProblem {
  readonly type: apigateway.ResponseType;
  /** Its code, title and `Retry-After`, from the problem catalogue. */
  readonly problem: ProblemType;
  /** The DEFAULT_* catch-alls keep the status API Gateway chose, whatever the catalogue says. */
  readonly keepsGatewayStatus?: true;
}

export const gatewayProblems: readonly GatewayProblem[] = [
  // API Gateway also answers this for a path or method it does not know, before any auth.
  {
    type: apigateway.ResponseType.MISSING_AUTHENTICATION_TOKEN,
    problem: problems.missingAuthentication,
  },
  { type: apigateway.ResponseType.INVALID_SIGNATURE, problem: problems.invalidSignature },
  { type: apigateway.ResponseType.EXPIRED_TOKEN, problem: problems.expiredToken },
  { type: apigateway.ResponseType.ACCESS_DENIED, problem: problems.forbidden },
  { type: apigateway.ResponseType.THROTTLED, problem: problems.tooManyRequests },
  { type: apigateway.ResponseType.REQUEST_TOO_LARGE, problem: problems.payloadTooLarge },
  { type: apigateway.ResponseType.INTEGRATION_TIMEOUT, problem: problems.gatewayTimeout },
  {
    type: apigateway.ResponseType.DEFAULT_4XX,
    problem: problems.badRequest,
    keepsGatewayStatus: true,
  },
  {
    type: apigateway.ResponseType.DEFAULT_5XX,
    problem: problems.serviceUnavailable,
    keepsGatewayStatus: true,
  },
];

/**
 * The body template of a gateway problem. `$context.error.messageString` is API Gateway's
 * message, already quoted as a JSON string; `$context.requestId` lets support find the request
 * in the access logs.
 */
export function gatewayProblemTemplate({ problem, keepsGatewayStatus }: GatewayProblem): string {
  const members = [
    `"type":"urn:payments-api:problem:${problem.code}"`,
    `"title":"${problem.title}"`,
    ...(keepsGatewayStatus ? [] : [`"status":${problem.status}`]),
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
    const { type, problem, keepsGatewayStatus } = gatewayProblem;
    api.addGatewayResponse(`Problem${type.responseType}`, {
      type,
      statusCode: keepsGatewayStatus ? undefined : String(problem.status),
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
