/**
 * The local API: plain HTTP in, the API Gateway REST proxy event the deployed API would send to
 * the route's handler, and the handler's result back out as HTTP.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { APIGatewayProxyResult } from 'aws-lambda';
import type { ApiRoute } from '../lib/api-routes';
import { problems } from '../lambda/http/problems';
import type { LambdaHandler } from '../lambda/http/handler';
import { MAX_BODY_BYTES } from '../lambda/http/request';
import { jsonResponse, problemResponse, type HttpResponse } from '../lambda/http/response';
import { lambdaContext, toProxyEvent, type Caller } from './proxy-event';
import { matchRoute } from './router';
import type { ReceivedRequest } from './sigv4';

export type { LambdaHandler };

export interface RequestLogEntry {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly durationMs: number;
  readonly replayed: boolean;
}

/** Who sent a request, established before any function runs, as API Gateway's IAM authorization does. */
export type Authentication =
  | { readonly authenticated: true; readonly caller: Caller }
  /** Refused: API Gateway's own answer, and no function runs. */
  | { readonly authenticated: false; readonly response: HttpResponse };

export type Authenticate = (request: ReceivedRequest) => Authentication;

export interface LocalServerOptions {
  /** The handler of a route: the bundled one for `npm start`, the source one in tests. */
  readonly handlerFor: (route: ApiRoute) => LambdaHandler;
  /** Called once per request. @default one JSON line on stdout */
  readonly log?: (entry: RequestLogEntry) => void;
  /**
   * Authenticates each request to a route (`LOCAL_AUTH=sigv4`: `sigv4-authentication.ts`).
   * @default none: the `X-Tenant-Id` header names the tenant
   */
  readonly authenticate?: Authenticate;
}

type LocalResponse = Pick<
  APIGatewayProxyResult,
  'statusCode' | 'headers' | 'multiValueHeaders' | 'body' | 'isBase64Encoded'
>;

const logAsJsonLine = (entry: RequestLogEntry) =>
  console.log(
    JSON.stringify({
      level: 'INFO',
      message: 'request',
      timestamp: new Date().toISOString(),
      ...entry,
    }),
  );

export function createLocalServer(options: LocalServerOptions): Server {
  const log = options.log ?? logAsJsonLine;
  return createServer((request, response) => {
    const started = performance.now();
    void respond(request, options)
      .catch((error: unknown) => {
        // A broken request stream, for instance: answer instead of taking the server down.
        console.error(error);
        return problemResponse({ ...problems.internalError, detail: 'The local server failed.' });
      })
      .then((result) => {
        writeResult(response, result);
        const replayed = String(result.headers?.['Idempotent-Replayed']) === 'true';
        log({
          method: request.method ?? '',
          path: request.url ?? '',
          status: result.statusCode,
          durationMs: Math.round((performance.now() - started) * 10) / 10,
          replayed,
        });
      });
  });
}

async function respond(
  request: IncomingMessage,
  { handlerFor, authenticate }: LocalServerOptions,
): Promise<LocalResponse> {
  const method = request.method ?? 'GET';
  const url = new URL(request.url ?? '/', 'http://localhost');
  if (url.pathname === '/health') {
    return method === 'GET' ? jsonResponse(200, { status: 'ok' }) : methodNotAllowed(['GET']);
  }
  const match = matchRoute(method, url.pathname);
  if (match.kind === 'not-found') {
    return problemResponse({ ...problems.notFound, detail: `No route for ${url.pathname}.` });
  }
  if (match.kind === 'method-not-allowed') return methodNotAllowed(match.allow);

  const body = await readBody(request);
  if (body === 'too-large') {
    return withHeader(
      problemResponse({
        ...problems.payloadTooLarge,
        detail: `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`,
      }),
      'Connection',
      'close',
    );
  }
  const headers = headersOf(request);
  const authentication = authenticate?.({
    method,
    target: request.url ?? '/',
    headers,
    body,
  });
  if (authentication?.authenticated === false) return authentication.response;
  const event = toProxyEvent({
    route: match.route,
    resource: match.resource,
    path: url.pathname,
    pathParameters: match.pathParameters,
    headers,
    query: queryOf(url),
    body,
    sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
    caller: authentication?.caller,
  });
  try {
    return await withTimeout(
      handlerFor(match.route)(event, lambdaContext(match.route)),
      match.route,
    );
  } catch (error) {
    if (error instanceof FunctionTimedOut) {
      return problemResponse({ ...problems.gatewayTimeout, detail: error.message });
    }
    // What API Gateway does when the function itself fails (the handlers catch their own errors).
    console.error(error);
    return problemResponse({ ...problems.badGateway, detail: 'The function failed.' });
  }
}

class FunctionTimedOut extends Error {
  override readonly name = 'FunctionTimedOut';
}

/**
 * Answers like API Gateway once the function's configured timeout has passed. Unlike Lambda,
 * this process cannot stop the handler, which runs on in the background.
 *
 * One promise and one timer per request, settled by whichever comes first: this runs on every
 * request, and `Promise.race` over a second promise doubles the promises the server allocates.
 */
function withTimeout<T>(invocation: Promise<T>, route: ApiRoute): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new FunctionTimedOut(`${route.functionId} timed out after ${route.timeoutSeconds} s.`),
        ),
      route.timeoutSeconds * 1000,
    );
    invocation.then(
      (result) => {
        clearTimeout(timer);
        resolve(result);
      },
      (error: unknown) => {
        clearTimeout(timer);
        // The handler's own rejection, passed on unchanged for respond() to answer 502.
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        reject(error);
      },
    );
  });
}

function methodNotAllowed(allow: readonly string[]): HttpResponse {
  const response = problemResponse({
    ...problems.methodNotAllowed,
    detail: `Allowed: ${allow.join(', ')}.`,
  });
  return withHeader(response, 'Allow', allow.join(', '));
}

const withHeader = (response: HttpResponse, name: string, value: string): HttpResponse => ({
  ...response,
  headers: { ...response.headers, [name]: value },
});

/**
 * Header name (as the client spelled it first) → every value, in order. Collected in a Map and
 * only then made an object: `Object.fromEntries` defines own properties, so a header or query
 * parameter named `__proto__` is a value like any other, not the object's prototype.
 */
function headersOf(request: IncomingMessage): Record<string, string[]> {
  const headers = new Map<string, string[]>();
  const spelling = new Map<string, string>();
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i] ?? '';
    const key = spelling.get(name.toLowerCase()) ?? name;
    spelling.set(name.toLowerCase(), key);
    appendTo(headers, key, request.rawHeaders[i + 1] ?? '');
  }
  return Object.fromEntries(headers);
}

function queryOf(url: URL): Record<string, string[]> {
  const query = new Map<string, string[]>();
  for (const [name, value] of url.searchParams) appendTo(query, name, value);
  return Object.fromEntries(query);
}

function appendTo(values: Map<string, string[]>, name: string, value: string): void {
  const existing = values.get(name);
  if (existing) existing.push(value);
  else values.set(name, [value]);
}

/**
 * The body, refused as soon as it grows past the contract's limit; `undefined` when empty.
 * Read with 'data' events rather than `for await`: the async iterator costs several promises
 * per request, and a small JSON body arrives in one chunk.
 */
function readBody(request: IncomingMessage): Promise<Buffer | undefined | 'too-large'> {
  if (Number(request.headers['content-length'] ?? 0) > MAX_BODY_BYTES) {
    return Promise.resolve('too-large');
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > MAX_BODY_BYTES) {
        // Stop reading, as the iterator's early return did; the 413 then closes the connection.
        request.off('data', onData).off('end', onEnd).pause();
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      request.off('error', reject);
      if (size === 0) resolve(undefined);
      else resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    };
    request.on('data', onData).once('end', onEnd).once('error', reject);
  });
}

function writeResult(response: ServerResponse, result: LocalResponse): void {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {}))
    headers[name] = values.map(String);
  const body = Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  headers['Content-Length'] = String(body.byteLength);
  response.writeHead(result.statusCode, headers);
  response.end(body);
  // A refused upload is not read to its end: close the connection instead.
  if (headers.Connection === 'close') response.on('finish', () => response.socket?.destroy());
}
