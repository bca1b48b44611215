import type { APIGatewayProxyEvent } from 'aws-lambda';
import { apiRoutes, type ApiRoute } from '../../lib/api-routes';

/** The route `event` was sent to, as API Gateway names it: method and resource path. */
export function routeOf(event: APIGatewayProxyEvent): ApiRoute {
  const route = apiRoutes.find(
    ({ method, path }) => method === event.httpMethod && path === event.resource,
  );
  if (!route) throw new Error(`no route for ${event.httpMethod} ${event.resource}`);
  return route;
}
