/** Matches a request against the route table, as API Gateway's resource tree would. */
import { apiRoutes, pathsOf, type ApiRoute } from '../lib/api-routes';

export type RouteMatch =
  | {
      readonly kind: 'route';
      readonly route: ApiRoute;
      /** The path template that matched: the route's own, or one of its aliases. */
      readonly resource: string;
      readonly pathParameters: Record<string, string>;
    }
  | { readonly kind: 'method-not-allowed'; readonly allow: readonly string[] }
  | { readonly kind: 'not-found' };

interface CompiledRoute {
  readonly route: ApiRoute;
  readonly resource: string;
  readonly pattern: RegExp;
  readonly parameterNames: readonly string[];
}

const compiled: readonly CompiledRoute[] = apiRoutes.flatMap((route) =>
  pathsOf(route).map((resource) => compile(route, resource)),
);

function compile(route: ApiRoute, resource: string): CompiledRoute {
  const parameterNames: string[] = [];
  const source = resource.replace(/\{(\w+)\}|[^{}]+/g, (segment, name?: string) => {
    if (name === undefined) return segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
    parameterNames.push(name);
    return '([^/]+)';
  });
  return { route, resource, pattern: new RegExp(`^${source}$`), parameterNames };
}

export function matchRoute(method: string, path: string): RouteMatch {
  const candidates = compiled.flatMap(({ route, resource, pattern, parameterNames }) => {
    const match = pattern.exec(path);
    if (!match) return [];
    const pathParameters = Object.fromEntries(
      parameterNames.map((name, i) => [name, decodePathSegment(match[i + 1] ?? '')]),
    );
    return [{ route, resource, pathParameters }];
  });
  const found = candidates.find(({ route }) => route.method === method);
  if (found) return { kind: 'route', ...found };
  if (candidates.length > 0) {
    return { kind: 'method-not-allowed', allow: candidates.map(({ route }) => route.method) };
  }
  return { kind: 'not-found' };
}

/** API Gateway hands functions decoded path parameters; a malformed escape stays as sent. */
function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
