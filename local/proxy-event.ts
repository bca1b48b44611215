/**
 * Builds what API Gateway (REST, Lambda proxy integration) and Lambda hand a function, so that
 * tests and the local server drive the deployed handler code through its real entry point.
 */
import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import type { ApiRoute } from '../lib/api-routes';

export const LOCAL_ACCOUNT_ID = '000000000000';
export const DEFAULT_LOCAL_TENANT = 'local';
const STAGE = 'local';

export interface LocalRequest {
  readonly route: ApiRoute;
  /**
   * The path template the request matched, as API Gateway puts it in `resource`: the route's
   * own or an alias of it.
   *
   * @default route.path
   */
  readonly resource?: string;
  readonly path: string;
  readonly pathParameters: Readonly<Record<string, string>>;
  /** Header name, as sent → every value sent, in order. */
  readonly headers: Readonly<Record<string, readonly string[]>>;
  readonly query?: Readonly<Record<string, readonly string[]>>;
  readonly body?: Buffer;
  readonly sourceIp?: string;
  /**
   * The caller the local server verified a signature of (`LOCAL_AUTH=sigv4`), as API Gateway
   * puts it in the request context. Absent, the `X-Tenant-Id` header names the tenant.
   */
  readonly caller?: Caller;
}

/** An authenticated IAM caller. */
export interface Caller {
  /** The principal's ARN: what `requestContext.identity.userArn` carries. */
  readonly principal: string;
  readonly accessKey: string;
}

/**
 * The IAM principal the local API authenticates a tenant as. Locally the `X-Tenant-Id` header
 * names the tenant; in AWS, SigV4 and API Gateway fill in the identity instead.
 */
export function localPrincipal(tenant: string): string {
  return `arn:aws:iam::${LOCAL_ACCOUNT_ID}:user/${tenant}`;
}

export function toProxyEvent(request: LocalRequest): APIGatewayProxyEvent {
  const { route, resource = route.path, path, pathParameters, headers, query = {}, body } = request;
  const tenant = firstHeader(headers, 'x-tenant-id') ?? DEFAULT_LOCAL_TENANT;
  const caller = request.caller ?? { principal: localPrincipal(tenant), accessKey: null };
  const accountId = /^arn:[^:]+:[^:]+::(\d{12}):/.exec(caller.principal)?.[1] ?? LOCAL_ACCOUNT_ID;
  const requestId = randomUUID();
  // Text bodies arrive as strings; anything that is not valid UTF-8 arrives base64-encoded.
  const isBase64Encoded = body !== undefined && !isUtf8(body);
  const hasQuery = Object.keys(query).length > 0;
  const multiValueHeaders = copied(headers);
  return {
    httpMethod: route.method,
    resource,
    path,
    pathParameters: Object.keys(pathParameters).length > 0 ? { ...pathParameters } : null,
    headers: lastValues(multiValueHeaders),
    multiValueHeaders,
    queryStringParameters: hasQuery ? lastValues(query) : null,
    multiValueQueryStringParameters: hasQuery ? copied(query) : null,
    stageVariables: null,
    body: body === undefined ? null : body.toString(isBase64Encoded ? 'base64' : 'utf8'),
    isBase64Encoded,
    requestContext: {
      accountId: LOCAL_ACCOUNT_ID,
      apiId: 'local',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: route.method,
      // The path as the client sent it (API Gateway: with the stage or a custom domain's base
      // path). The local server serves the routes at its root, like a custom domain mapped
      // without a base path.
      path,
      stage: STAGE,
      requestId,
      requestTimeEpoch: Date.now(),
      resourceId: route.functionId,
      resourcePath: resource,
      identity: {
        accessKey: caller.accessKey,
        accountId,
        apiKey: null,
        apiKeyId: null,
        caller: caller.principal,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: request.sourceIp ?? '127.0.0.1',
        user: caller.principal,
        userAgent: firstHeader(headers, 'user-agent') ?? null,
        userArn: caller.principal,
      },
    },
  };
}

// Plain loops: these run for every request the local server answers.
// Object.fromEntries defines own properties: a header named `__proto__` stays a header.
function copied(values: Readonly<Record<string, readonly string[]>>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(values).map(([name, all]) => [name, [...all]]));
}

function lastValues(values: Readonly<Record<string, readonly string[]>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).map(([name, all]) => [name, all[all.length - 1] ?? '']),
  );
}

function firstHeader(headers: LocalRequest['headers'], name: string): string | undefined {
  return Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1][0];
}

/** A Lambda context whose remaining time counts down from the route's configured timeout. */
export function lambdaContext(route: ApiRoute): Context {
  const deadline = Date.now() + route.timeoutSeconds * 1000;
  const functionName = `local-${route.functionId}`;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:${LOCAL_ACCOUNT_ID}:function:${functionName}`,
    memoryLimitInMB: String(route.memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
