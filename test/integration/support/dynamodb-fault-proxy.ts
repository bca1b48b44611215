/**
 * A loopback HTTP proxy in front of the real DynamoDB engine that makes chosen calls fail the way
 * DynamoDB and networks do: a reset connection, a throttling or 500 answer, a stall, or a reply
 * lost after the engine has applied the call. Everything else passes through untouched.
 */
import { once } from 'node:events';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { readAll } from '../../support/fault-proxy';

const SLOW_CALL_MS = 50;

export type Outage =
  /** The connection is dropped before anything reaches the engine. */
  | 'reset'
  /** 400 ThrottlingException, as DynamoDB answers when a partition or the account is throttled. */
  | 'throttle'
  /** 500 InternalServerError. */
  | 'server-error'
  /** The request is read and never answered. */
  | 'stall'
  /** The engine applies the call, then the connection drops before the reply reaches the caller. */
  | 'lose-reply'
  /**
   * The call passes, 50 ms late: a slow network, under which calls made together overlap at
   * the proxy and calls made one after another do not.
   */
  | 'slow';

/** One DynamoDB call as the proxy sees it. */
export interface DynamoDbCall {
  /** The operation, e.g. `PutItem`, `TransactWriteItems`. */
  readonly operation: string;
  /** Every table the call names. */
  readonly tables: readonly string[];
  readonly body: Record<string, unknown>;
  /** Calls the proxy was still handling when this one arrived: 0 for a call made after the last one answered. */
  readonly inFlightAtArrival: number;
}

export interface DynamoDbFaultProxy {
  readonly endpoint: string;
  /** Every call that reached the proxy, in order. */
  readonly calls: DynamoDbCall[];
  /** Decides the fate of each call from now on; `undefined` passes it through. */
  setOutage(rule: (call: DynamoDbCall) => Outage | undefined): void;
  /** Lets every call through again. */
  heal(): void;
  /**
   * With `true`, transactions reach the engine without their ClientRequestToken, so that a send
   * the SDK repeats is a new transaction: as DynamoDB treats a repeat outside the token's
   * 10-minute window, or one that carries a new token (a retry by the caller, not the SDK).
   */
  forgetClientRequestTokens(forget: boolean): void;
  close(): Promise<void>;
}

export interface DynamoDbFaultProxyOptions {
  /** Keep every call in `calls` (a long run would hold them all in memory). @default true */
  readonly recordCalls?: boolean;
}

/** Starts the proxy on a free loopback port, in front of `engineEndpoint`. */
export async function startDynamoDbFaultProxy(
  engineEndpoint: string,
  { recordCalls = true }: DynamoDbFaultProxyOptions = {},
): Promise<DynamoDbFaultProxy> {
  const engine = new URL(engineEndpoint);
  let rule: (call: DynamoDbCall) => Outage | undefined = () => undefined;
  const calls: DynamoDbCall[] = [];
  const stalled: IncomingMessage[] = [];
  let inFlight = 0;
  let forgetTokens = false;

  const server: Server = createServer((request, response) => {
    const inFlightAtArrival = inFlight++;
    let answered = false;
    const done = () => {
      if (!answered) inFlight -= 1;
      answered = true;
    };
    response.once('finish', done).once('close', done);
    void readAll(request).then((body) => {
      const call = describeCall(request, body, inFlightAtArrival);
      if (recordCalls) calls.push(call);
      const outage = rule(call);
      switch (outage) {
        case 'reset':
          request.socket.destroy();
          return;
        case 'throttle':
          return answerError(
            response,
            400,
            'ThrottlingException',
            'Rate of requests exceeds the allowed throughput.',
          );
        case 'server-error':
          return answerError(response, 500, 'InternalServerError', 'Internal server error');
        case 'stall':
          stalled.push(request);
          return;
        case 'slow':
          setTimeout(() => forward(request, response, body, undefined), SLOW_CALL_MS);
          return;
        case 'lose-reply':
        case undefined:
          forward(request, response, body, outage);
      }
    });
  });
  /** Passes the call to the engine; with `lose-reply`, the engine's answer never gets back. */
  function forward(
    request: IncomingMessage,
    response: ServerResponse,
    body: Buffer,
    outage: 'lose-reply' | undefined,
  ): void {
    const payload = forgetTokens ? withoutClientRequestToken(body) : body;
    const forwarded = httpRequest(
      {
        host: engine.hostname,
        port: engine.port,
        method: request.method,
        path: request.url,
        // Local engines do not check signatures, so a rewritten body only needs its length.
        headers: { ...request.headers, 'content-length': String(payload.length) },
      },
      (engineResponse) => {
        if (outage === 'lose-reply') {
          engineResponse.resume();
          engineResponse.on('end', () => request.socket.destroy());
          return;
        }
        response.writeHead(engineResponse.statusCode ?? 500, engineResponse.headers);
        engineResponse.pipe(response);
      },
    );
    forwarded.on('error', () => request.socket.destroy());
    forwarded.end(payload);
  }
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    setOutage: (next) => (rule = next),
    heal: () => (rule = () => undefined),
    forgetClientRequestTokens: (forget) => (forgetTokens = forget),
    close: async () => {
      for (const request of stalled) request.socket.destroy();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

function withoutClientRequestToken(body: Buffer): Buffer {
  if (body.length === 0) return body;
  const { ClientRequestToken: _token, ...rest } = JSON.parse(body.toString('utf8')) as Record<
    string,
    unknown
  >;
  return Buffer.from(JSON.stringify(rest));
}

function describeCall(
  request: IncomingMessage,
  body: Buffer,
  inFlightAtArrival: number,
): DynamoDbCall {
  // `X-Amz-Target: DynamoDB_20120810.PutItem`
  const operation = String(request.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
  const parsed =
    body.length > 0 ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
  return { operation, tables: tablesOf(parsed), body: parsed, inFlightAtArrival };
}

/** Table names anywhere in the request: `TableName`, or inside transaction items. */
function tablesOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(tablesOf);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([name, member]) =>
    name === 'TableName' && typeof member === 'string' ? [member] : tablesOf(member),
  );
}

function answerError(
  response: ServerResponse,
  status: number,
  type: string,
  message: string,
): void {
  const body = JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message });
  response.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'x-amzn-errortype': type,
    'content-length': String(Buffer.byteLength(body)),
  });
  response.end(body);
}
