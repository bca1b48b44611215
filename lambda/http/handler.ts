import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { logger, metrics } from '../clients';
import { errorResponse, isServerError } from './errors';
import type { HttpResponse } from './response';

export type RouteHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<HttpResponse>;

/**
 * Wraps a route: any error becomes its problem response, server errors are logged with their
 * cause, and metrics are flushed once per invocation.
 */
export function httpHandler(route: RouteHandler) {
  return async (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => {
    logger.addContext(context);
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
    if (replayed) metrics.addMetric('IdempotentReplay', 'Count', 1);
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    return response;
  };
}

/** A path parameter API Gateway guarantees for the route; empty when absent. */
export function pathParameter(event: APIGatewayProxyEvent, name: string): string {
  return event.pathParameters?.[name] ?? '';
}
