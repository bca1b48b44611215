/**
 * Where a created resource lives, as seen from the URL its creator called.
 *
 * Handlers name a resource by its path within the API (`/orders/{id}`), and the idempotency layer
 * stores the response that way. Clients reach the API under a prefix its routes never see: the
 * stage on the default execute-api URL (`https://{api}.execute-api.{region}.amazonaws.com/v1`),
 * the base path of a custom domain's API mapping (`https://api.example.com/shop`), nothing
 * locally. So the prefix of the request being answered is put in front of `Location` when the
 * response is sent — after the idempotency layer, so that a replay gets the prefix of the URL
 * it arrived through, not the one the first request happened to use.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { HttpResponse } from './response';

/**
 * The path prefix under which this request reached the API: `/v1` on the execute-api URL of
 * stage `v1`, `/shop` through a custom domain mapped at base path `shop`, `''` locally.
 *
 * API Gateway (REST, proxy integration) puts the path as the client sent it in
 * `requestContext.path`: with the stage on the execute-api URL, with the base path (and without
 * the stage) on a custom domain. `event.path` is no help: it drops the stage on the execute-api
 * URL but keeps a custom domain's base path. `event.resource` is the route's template
 * (`/orders`) either way, so the prefix is `requestContext.path` less as many trailing segments
 * as the template has.
 */
export function apiBasePath(event: APIGatewayProxyEvent): string {
  const sent = segmentsOf(event.requestContext?.path ?? '');
  const routeSegments = segmentsOf(event.resource ?? '').length;
  if (sent.length < routeSegments) return '';
  return sent
    .slice(0, sent.length - routeSegments)
    .map((segment) => `/${segment}`)
    .join('');
}

/** A trailing slash names the same route: API Gateway routes `/v1/orders/` to `/orders`. */
function segmentsOf(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '');
}

/** The response with its `Location` (a path within the API) under the request's prefix. */
export function withLocationUnderBasePath(
  event: APIGatewayProxyEvent,
  response: HttpResponse,
): HttpResponse {
  const location = response.headers.Location;
  if (location === undefined || !location.startsWith('/')) return response;
  const basePath = apiBasePath(event);
  if (basePath === '') return response;
  return { ...response, headers: { ...response.headers, Location: `${basePath}${location}` } };
}
