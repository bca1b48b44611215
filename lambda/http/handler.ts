import { createHash } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { MetricName } from '../metric-names';
import { errorResponse, isServerError } from './errors';
import { withLocationUnderBasePath } from './location';
import { parseIdempotencyKey } from './idempotency-key';
import { problems } from './problems';
import { headerValues, tenantOf } from './request';
import { PROBLEM_CONTENT_TYPE, type HttpResponse } from './response';

export type RouteHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<HttpResponse>;

export type LambdaHandler = (
  event: APIGatewayProxyEvent,
  context: Context,
) => Promise<APIGatewayProxyResult>;

/** What every route's handler writes to and answers with. */
export interface HttpDependencies {
  /** Shared by the container's invocations; its request keys are cleared after each. */
  readonly logger: Logger;
  /** Flushed once per invocation. */
  readonly metrics: Metrics;
  /** Browser origins answered with CORS headers; none unless the stack configures some. */
  readonly corsAllowOrigins: readonly string[];
}

/** Problem codes that are worth a metric of their own: the dashboard and an alarm read them. */
const metricOfProblem: Readonly<Record<string, MetricName>> = {
  [problems.idempotencyKeyInUse.code]: MetricName.IdempotencyKeyInUse,
  [problems.idempotencyKeyReused.code]: MetricName.IdempotencyKeyReused,
  [problems.serviceUnavailable.code]: MetricName.StoreUnavailable,
};

/**
 * The Idempotency-Key as it may appear in logs: the first 16 hex digits of its SHA-256. Enough
 * to find every line of one key's retries, without writing a client's key into the logs.
 */
export function idempotencyKeyHash(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/**
 * Wraps a route: any error becomes its problem response, server errors are logged with their
 * cause, and metrics are flushed once per invocation. A `Location` is sent under the stage or
 * base path the request came through (`./location.ts`).
 *
 * Every log line of the invocation carries the API Gateway request id, the tenant and the
 * hash of the Idempotency-Key; request bodies (card tokens) and raw keys are never logged.
 */
export function httpHandler(
  { logger, metrics, corsAllowOrigins }: HttpDependencies,
  route: RouteHandler,
): LambdaHandler {
  const allowedOrigins = new Set(corsAllowOrigins);
  return async (event, context) => {
    logger.addContext(context);
    logger.appendKeys(requestLogKeys(event));
    try {
      let response: HttpResponse;
      try {
        response = await route(event, context);
      } catch (error) {
        response = errorResponse(error);
        if (isServerError(response)) logger.error('request failed', { error: error as Error });
      }
      const replayed = response.headers['Idempotent-Replayed'] === 'true';
      logger.info('request completed', {
        method: event.httpMethod,
        resource: event.resource,
        status: response.statusCode,
        replayed,
      });
      if (replayed) metrics.addMetric(MetricName.IdempotentReplay, 'Count', 1);
      const problemMetric = metricOfProblem[problemCodeOf(response) ?? ''];
      if (problemMetric) metrics.addMetric(problemMetric, 'Count', 1);
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
      return withCorsHeaders(allowedOrigins, event, withLocationUnderBasePath(event, response));
    } finally {
      // A warm container serves the next request with the same logger: no key may leak into it.
      logger.resetKeys();
    }
  };
}

/** What identifies the request in every log line; a malformed key is left out entirely. */
function requestLogKeys(event: APIGatewayProxyEvent): Record<string, string> {
  const keys: Record<string, string> = {};
  const requestId = event.requestContext?.requestId;
  if (requestId) keys.requestId = requestId;
  try {
    keys.tenant = tenantOf(event);
  } catch {
    // Unauthenticated: answered 401 by the route, logged without a tenant.
  }
  const [rawKey, ...others] = headerValues(event, 'Idempotency-Key');
  const key = rawKey !== undefined && others.length === 0 ? parseIdempotencyKey(rawKey) : undefined;
  if (key !== undefined) keys.idempotencyKeyHash = idempotencyKeyHash(key);
  return keys;
}

function problemCodeOf(response: HttpResponse): string | undefined {
  if (response.headers['Content-Type'] !== PROBLEM_CONTENT_TYPE) return undefined;
  try {
    const { code } = JSON.parse(response.body) as { code?: unknown };
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Adds the CORS response headers when the request comes from an allowed origin. Added here,
 * outside the idempotency layer, so a stored response never carries one caller's origin.
 */
function withCorsHeaders(
  allowedOrigins: ReadonlySet<string>,
  event: APIGatewayProxyEvent,
  response: HttpResponse,
): HttpResponse {
  if (allowedOrigins.size === 0) return response;
  const origin = headerValues(event, 'Origin')[0];
  const headers: Record<string, string> = { ...response.headers, Vary: 'Origin' };
  if (origin !== undefined && allowedOrigins.has(origin)) {
    headers['Access-Control-Allow-Origin'] = origin;
    headers['Access-Control-Expose-Headers'] = 'Location, Idempotent-Replayed, Retry-After';
  }
  return { ...response, headers };
}

/** A path parameter API Gateway guarantees for the route; empty when absent. */
export function pathParameter(event: APIGatewayProxyEvent, name: string): string {
  return event.pathParameters?.[name] ?? '';
}
