/**
 * `Location` resolves, against the URL the request was sent to, to the new resource wherever the
 * API is served: on the default execute-api URL with its stage, on a custom domain with a base
 * path, and locally. Each request is the proxy event API Gateway sends for that URL (see
 * `lambda/http/location.ts` for what `path` and `requestContext.path` hold in each case); the
 * header is resolved as a client does, with the WHATWG URL parser.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { lambdaContext, toProxyEvent } from '../../local/proxy-event';
import { matchRoute } from '../../local/router';
import { aCreateOrderRequest, aCreatePaymentRequest, aKey, aTenant } from '../support/builders';
import { startLocalApi, type LocalApi } from './client/local-api';
import { testApplication } from './support/application';

/** Where a deployed API can be reached, and how API Gateway reports such a request. */
interface Mount {
  /** What a client uses as its base URL: the stack's `ApiUrl`, or the custom domain's mapping. */
  readonly apiUrl: string;
  readonly stage: string;
  /** Through a custom domain, `event.path` keeps the base path; on execute-api it drops the stage. */
  readonly customDomain: boolean;
}

const executeApi: Mount = {
  apiUrl: 'https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/v1',
  stage: 'v1',
  customDomain: false,
};
const customDomainWithBasePath: Mount = {
  apiUrl: 'https://api.example.com/shop',
  stage: 'v1',
  customDomain: true,
};
const mounts: [string, Mount][] = [
  ['the default execute-api URL with its stage', executeApi],
  ['a custom domain with a base path', customDomainWithBasePath],
  [
    'a custom domain with a multi-level base path',
    { apiUrl: 'https://api.example.com/eu/shop', stage: 'v1', customDomain: true },
  ],
  [
    'a custom domain mapped without a base path',
    { apiUrl: 'https://payments.example.com', stage: 'v1', customDomain: true },
  ],
];

interface Answer {
  readonly requestUrl: string;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- resources as the API returns them
  readonly body: any;
}

/** Sends a POST to `mount` as API Gateway would hand it to the route's function. */
async function postThrough(
  mount: Mount,
  routePath: '/orders' | '/payments',
  body: unknown,
  { tenant, idempotencyKey, trailingSlash = false }: PostOptions,
): Promise<Answer> {
  const match = matchRoute('POST', routePath);
  if (match.kind !== 'route') throw new Error(`no route for POST ${routePath}`);
  const requestUrl = `${mount.apiUrl}${routePath}${trailingSlash ? '/' : ''}`;
  const url = new URL(requestUrl);
  const local = toProxyEvent({
    route: match.route,
    resource: match.resource,
    path: routePath,
    pathParameters: {},
    headers: {
      host: [url.host],
      'content-type': ['application/json'],
      'x-tenant-id': [tenant],
      'idempotency-key': [idempotencyKey],
    },
    body: Buffer.from(JSON.stringify(body)),
  });
  const event: APIGatewayProxyEvent = {
    ...local,
    path: mount.customDomain ? url.pathname : url.pathname.slice(`/${mount.stage}`.length),
    requestContext: {
      ...local.requestContext,
      path: url.pathname,
      stage: mount.stage,
      domainName: url.hostname,
      domainPrefix: url.hostname.split('.')[0],
    },
  };
  const result = await testApplication().handlerFor(match.route)(event, lambdaContext(match.route));
  return {
    requestUrl,
    status: result.statusCode,
    headers: Object.fromEntries(
      Object.entries(result.headers ?? {}).map(([name, value]) => [name, String(value)]),
    ),
    body: JSON.parse(result.body),
  };
}

interface PostOptions {
  readonly tenant: string;
  readonly idempotencyKey: string;
  readonly trailingSlash?: boolean;
}

/** What a client makes of the answer's `Location`. */
const resolvedLocation = (answer: Answer) =>
  new URL(answer.headers.Location ?? '', answer.requestUrl).href;

describe('Location', () => {
  it.each(mounts)('of a new order resolves to it on %s', async (_, mount) => {
    const order = await postThrough(mount, '/orders', aCreateOrderRequest(), {
      tenant: aTenant(),
      idempotencyKey: aKey(),
    });

    expect(order.status).toBe(201);
    expect(resolvedLocation(order)).toBe(`${mount.apiUrl}/orders/${order.body.id}`);
  });

  it.each(mounts)('of a new payment resolves to it on %s', async (_, mount) => {
    const tenant = aTenant();
    const order = await postThrough(mount, '/orders', aCreateOrderRequest(), {
      tenant,
      idempotencyKey: aKey(),
    });

    const payment = await postThrough(mount, '/payments', aCreatePaymentRequest(order.body), {
      tenant,
      idempotencyKey: aKey(),
    });

    expect(payment.status).toBe(201);
    expect(resolvedLocation(payment)).toBe(`${mount.apiUrl}/payments/${payment.body.id}`);
  });

  it.each(mounts)('resolves for a request sent with a trailing slash on %s', async (_, mount) => {
    const order = await postThrough(mount, '/orders', aCreateOrderRequest(), {
      tenant: aTenant(),
      idempotencyKey: aKey(),
      trailingSlash: true,
    });

    expect(resolvedLocation(order)).toBe(`${mount.apiUrl}/orders/${order.body.id}`);
  });

  it.each(mounts)('of a replay resolves to the resource again on %s', async (_, mount) => {
    const options = { tenant: aTenant(), idempotencyKey: aKey() };
    const first = await postThrough(mount, '/orders', aCreateOrderRequest(), options);

    const replay = await postThrough(mount, '/orders', aCreateOrderRequest(), options);

    expect(replay.headers['Idempotent-Replayed']).toBe('true');
    expect(resolvedLocation(replay)).toBe(`${mount.apiUrl}/orders/${first.body.id}`);
  });

  it('of a replay that arrives through another URL of the same API resolves under that URL', async () => {
    const options = { tenant: aTenant(), idempotencyKey: aKey() };
    const first = await postThrough(executeApi, '/orders', aCreateOrderRequest(), options);

    const replay = await postThrough(
      customDomainWithBasePath,
      '/orders',
      aCreateOrderRequest(),
      options,
    );

    expect(replay.headers['Idempotent-Replayed']).toBe('true');
    expect(resolvedLocation(replay)).toBe(
      `${customDomainWithBasePath.apiUrl}/orders/${first.body.id}`,
    );
  });

  describe('on the local server', () => {
    let api: LocalApi;

    beforeAll(async () => {
      api = await startLocalApi();
    });
    afterAll(() => api.close());

    it.each([
      ['an order', '/orders'],
      ['a payment', '/payments'],
    ])('of %s resolves to the resource, which a GET of it returns', async (_, routePath) => {
      const tenant = aTenant();
      const send = async (path: string, body: unknown) => {
        const requestUrl = `${api.url}${path}`;
        const response = await fetch(requestUrl, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            'Idempotency-Key': aKey(),
            'X-Tenant-Id': tenant,
          },
          body: JSON.stringify(body),
        });
        return { requestUrl, response, text: await response.text() };
      };
      const order = await send('/orders', aCreateOrderRequest());
      const created =
        routePath === '/orders'
          ? order
          : await send('/payments', aCreatePaymentRequest(JSON.parse(order.text)));

      const resolved = new URL(created.response.headers.get('location') ?? '', created.requestUrl);
      const read = await fetch(resolved, { headers: { 'X-Tenant-Id': tenant } });

      expect(created.response.status).toBe(201);
      expect(resolved.href).toBe(`${api.url}${routePath}/${JSON.parse(created.text).id}`);
      expect(read.status).toBe(200);
      expect(await read.text()).toBe(created.text);
    });
  });
});
