/**
 * Invokes a route's handler directly, with a Lambda context whose remaining time the test
 * chooses: how a test makes an invocation time out (or die) without waiting for a real timeout.
 */
import { localPrincipal, lambdaContext, toProxyEvent } from '../../../local/proxy-event';
import { matchRoute } from '../../../local/router';
import { deriveResourceId, ID_NAMESPACES } from '../../../lambda/domain/ids';
import type { ApiResponse } from './api';
import { testApplication, type TestApplication } from './application';

export interface InvokeOptions {
  readonly tenant: string;
  readonly idempotencyKey: string;
  /** What `getRemainingTimeInMillis()` starts from. @default the route's configured timeout */
  readonly remainingMs?: number;
  /** The instance that answers. @default this test file's */
  readonly application?: TestApplication;
}

/** The proxy event API Gateway makes of a JSON POST to `path`, from `tenant`, with its key. */
export function aPostEvent(
  route: Parameters<typeof toProxyEvent>[0]['route'],
  path: string,
  { tenant, idempotencyKey }: Pick<InvokeOptions, 'tenant' | 'idempotencyKey'>,
  body: unknown,
  resource?: string,
) {
  return toProxyEvent({
    route,
    ...(resource !== undefined && { resource }),
    path,
    pathParameters: {},
    headers: {
      'content-type': ['application/json'],
      'x-tenant-id': [tenant],
      'idempotency-key': [idempotencyKey],
    },
    body: Buffer.from(JSON.stringify(body)),
  });
}

export async function invokePost(
  urlPath: '/orders' | '/payments',
  body: unknown,
  { tenant, idempotencyKey, remainingMs, application = testApplication() }: InvokeOptions,
): Promise<ApiResponse> {
  const match = matchRoute('POST', urlPath);
  if (match.kind !== 'route') throw new Error(`no route for POST ${urlPath}`);
  const route =
    remainingMs === undefined
      ? match.route
      : { ...match.route, timeoutSeconds: remainingMs / 1000 };
  const event = aPostEvent(match.route, urlPath, { tenant, idempotencyKey }, body, match.resource);
  const result = await application.handlerFor(match.route)(event, lambdaContext(route));
  const headers = Object.fromEntries(
    Object.entries(result.headers ?? {}).map(([name, value]) => [
      name.toLowerCase(),
      String(value),
    ]),
  );
  return {
    status: result.statusCode,
    headers,
    rawBody: result.body,
    body: JSON.parse(result.body),
  };
}

/** The id the API derives for the resource a key creates. */
export function idOf(prefix: 'ord' | 'pay', tenant: string, idempotencyKey: string): string {
  const { route } = prefix === 'ord' ? ID_NAMESPACES.order : ID_NAMESPACES.payment;
  return deriveResourceId(prefix, localPrincipal(tenant), route, idempotencyKey);
}

/** Retries `attempt` while it answers 409 `idempotency_key_in_use` (the key is still locked). */
export async function untilUnlocked(
  attempt: () => Promise<ApiResponse>,
  timeoutMs = 20_000,
): Promise<{ response: ApiResponse; lockedAnswers: number }> {
  const deadline = Date.now() + timeoutMs;
  for (let lockedAnswers = 0; ; lockedAnswers++) {
    const response = await attempt();
    if (response.status !== 409 || response.body.code !== 'idempotency_key_in_use') {
      return { response, lockedAnswers };
    }
    if (Date.now() > deadline) throw new Error('the key stayed locked');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
