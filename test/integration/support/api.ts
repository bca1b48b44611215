/**
 * Calls the API the way API Gateway does: the request becomes a REST proxy event and goes to
 * the route's handler in the test application (`./application.ts`), routed by the same route
 * table the stack deploys. In the integration-http project the same calls go over real HTTP
 * through the local server, which runs the same handlers.
 */
import { request as httpRequest } from 'node:http';
import { lambdaContext, toProxyEvent } from '../../../local/proxy-event';
import { matchRoute } from '../../../local/router';
import { testApplication } from './application';

export interface ApiResponse {
  readonly status: number;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly rawBody: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary fields
  readonly body: any;
}

export interface CallOptions {
  readonly tenant?: string;
  /** Sent as the Idempotency-Key header when given. */
  readonly idempotencyKey?: string;
  /** Extra headers; an array sends the header several times. */
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  /** Sent as is when a string; JSON-encoded otherwise. */
  readonly body?: unknown;
}

let baseUrl: string | undefined;

/** From now on, calls go over HTTP to the local server at `url` instead of as proxy events. */
export function useHttpTransport(url: string): void {
  baseUrl = url;
}

export async function call(
  method: string,
  urlPath: string,
  options: CallOptions = {},
): Promise<ApiResponse> {
  const headers: Record<string, string[]> = { 'user-agent': ['integration-tests'] };
  if (options.body !== undefined) headers['content-type'] = ['application/json; charset=utf-8'];
  if (options.tenant !== undefined) headers['x-tenant-id'] = [options.tenant];
  if (options.idempotencyKey !== undefined) headers['idempotency-key'] = [options.idempotencyKey];
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    headers[name.toLowerCase()] = typeof value === 'string' ? [value] : [...value];
  }
  const body =
    options.body === undefined
      ? undefined
      : Buffer.from(typeof options.body === 'string' ? options.body : JSON.stringify(options.body));
  const {
    status,
    headers: responseHeaders,
    rawBody,
  } = baseUrl
    ? await overHttp(baseUrl, method, urlPath, headers, body)
    : await asProxyEvent(method, urlPath, headers, body);
  return { status, headers: responseHeaders, rawBody, body: JSON.parse(rawBody) };
}

type RawResponse = Pick<ApiResponse, 'status' | 'headers' | 'rawBody'>;

async function asProxyEvent(
  method: string,
  urlPath: string,
  headers: Record<string, string[]>,
  body: Buffer | undefined,
): Promise<RawResponse> {
  const match = matchRoute(method, urlPath);
  if (match.kind !== 'route') throw new Error(`no route for ${method} ${urlPath}`);
  const event = toProxyEvent({
    route: match.route,
    resource: match.resource,
    path: urlPath,
    pathParameters: match.pathParameters,
    headers,
    body,
  });
  const result = await testApplication().handlerFor(match.route)(event, lambdaContext(match.route));
  const responseHeaders = Object.fromEntries(
    Object.entries(result.headers ?? {}).map(([name, value]) => [
      name.toLowerCase(),
      String(value),
    ]),
  );
  return { status: result.statusCode, headers: responseHeaders, rawBody: result.body };
}

function overHttp(
  url: string,
  method: string,
  urlPath: string,
  headers: Record<string, string[]>,
  body: Buffer | undefined,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    // node:http rather than fetch: it sends a repeated header as separate header lines.
    const request = httpRequest(`${url}${urlPath}`, { method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const responseHeaders = Object.fromEntries(
          Object.entries(response.headers).map(([name, value]) => [name, String(value)]),
        );
        // Transport headers the proxy-event path does not have.
        for (const name of [
          'date',
          'connection',
          'keep-alive',
          'content-length',
          'transfer-encoding',
        ]) {
          delete responseHeaders[name];
        }
        resolve({
          status: response.statusCode ?? 0,
          headers: responseHeaders,
          rawBody: Buffer.concat(chunks).toString('utf8'),
        });
      });
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

export const post = (urlPath: string, body: unknown, options: Omit<CallOptions, 'body'> = {}) =>
  call('POST', urlPath, { ...options, body });
export const get = (urlPath: string, options: CallOptions = {}) => call('GET', urlPath, options);
