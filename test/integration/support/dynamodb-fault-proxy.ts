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
  | 'lose-reply';

/** One DynamoDB call as the proxy sees it. */
export interface DynamoDbCall {
  /** The operation, e.g. `PutItem`, `TransactWriteItems`. */
  readonly operation: string;
  /** Every table the call names. */
  readonly tables: readonly string[];
  readonly body: Record<string, unknown>;
}

export interface DynamoDbFaultProxy {
  readonly endpoint: string;
  /** Every call that reached the proxy, in order. */
  readonly calls: DynamoDbCall[];
  /** Decides the fate of each call from now on; `undefined` passes it through. */
  setOutage(rule: (call: DynamoDbCall) => Outage | undefined): void;
  /** Lets every call through again. */
  heal(): void;
  close(): Promise<void>;
}

/** Starts the proxy on a free loopback port, in front of `engineEndpoint`. */
export async function startDynamoDbFaultProxy(engineEndpoint: string): Promise<DynamoDbFaultProxy> {
  const engine = new URL(engineEndpoint);
  let rule: (call: DynamoDbCall) => Outage | undefined = () => undefined;
  const calls: DynamoDbCall[] = [];
  const stalled: IncomingMessage[] = [];

  const server: Server = createServer((request, response) => {
    void readAll(request).then((body) => {
      const call = describeCall(request, body);
      calls.push(call);
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
        case 'lose-reply':
        case undefined: {
          const forwarded = httpRequest(
            {
              host: engine.hostname,
              port: engine.port,
              method: request.method,
              path: request.url,
              headers: request.headers,
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
          forwarded.end(body);
        }
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    setOutage: (next) => (rule = next),
    heal: () => (rule = () => undefined),
    close: async () => {
      for (const request of stalled) request.socket.destroy();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

function describeCall(request: IncomingMessage, body: Buffer): DynamoDbCall {
  // `X-Amz-Target: DynamoDB_20120810.PutItem`
  const operation = String(request.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
  const parsed =
    body.length > 0 ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
  return { operation, tables: tablesOf(parsed), body: parsed };
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
