/**
 * API Gateway's own refusals, as the deployed stack renders them: the body template and status
 * the stack configures (`lib/gateway-responses.ts`), filled in with the context variables API
 * Gateway substitutes. The local server answers its SigV4 refusals with these, so that a client
 * meets the same problem body locally as deployed.
 */
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { gatewayProblems, gatewayProblemTemplate } from '../lib/gateway-responses';
import { PROBLEM_CONTENT_TYPE, type HttpResponse } from '../lambda/http/response';

/** What API Gateway knows when it refuses a request. */
export interface GatewayErrorContext {
  /** `$context.error.message`: API Gateway's own message. */
  readonly message: string;
  /** `$context.requestId`. */
  readonly requestId: string;
}

/**
 * The response the stack's gateway response of `type` renders.
 *
 * @throws Error when the stack defines no such response, or its template uses a variable this
 * rendering does not know (so a template change cannot go unnoticed here)
 */
export function gatewayProblemResponse(
  type: apigateway.ResponseType | string,
  context: GatewayErrorContext,
): HttpResponse {
  const responseType = typeof type === 'string' ? type : type.responseType;
  const gatewayProblem = gatewayProblems.find((p) => p.type.responseType === responseType);
  if (gatewayProblem === undefined) {
    throw new Error(`The stack defines no gateway response ${responseType}`);
  }
  const { problem } = gatewayProblem;
  const variables: Readonly<Record<string, string>> = {
    '$context.error.messageString': JSON.stringify(context.message),
    '$context.error.message': context.message,
    '$context.requestId': context.requestId,
  };
  const body = gatewayProblemTemplate(gatewayProblem).replace(
    /\$context\.[A-Za-z.]*[A-Za-z]/g,
    (name) => {
      const value = variables[name];
      if (value === undefined) throw new Error(`Unknown gateway template variable ${name}`);
      return value;
    },
  );
  return {
    statusCode: problem.status,
    headers: {
      'Content-Type': PROBLEM_CONTENT_TYPE,
      ...(problem.retryAfterSeconds !== undefined && {
        'Retry-After': String(problem.retryAfterSeconds),
      }),
    },
    body,
  };
}
