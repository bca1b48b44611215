/**
 * A fault-injecting HTTP proxy on loopback. It forwards each request to the upstream server,
 * waits for the server's complete answer, and only then applies a fault: the server has
 * processed the request, but the client never hears of it — exactly the situation the
 * Idempotency-Key exists for.
 */
import { once } from 'node:events';
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
} from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault =
  /** Close the client's connection instead of answering. */
  | { readonly kind: 'drop-response' }
  /** Hold the answer this long (the client's attempt timeout should fire first). */
  | { readonly kind: 'delay-response'; readonly delayMs: number }
  /** Send the status line, the headers and half the body, then nothing more. */
  | { readonly kind: 'stall-body' }
  /** Answer with what `rewrite` makes of the server's answer: a server that deviates. */
  | {
      readonly kind: 'rewrite-response';
      readonly rewrite: (answer: UpstreamAnswer) => UpstreamAnswer;
    };

export interface FaultRule {
  readonly method: string;
  readonly path: string;
  readonly fault: Fault;
  /** How many matching requests get the fault; later ones pass through. @default 1 */
  readonly times?: number;
}

/** One request that went through the proxy. */
export interface ProxiedExchange {
  readonly method: string;
  readonly path: string;
  /** Request headers as the client sent them (lower-case names). */
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** What the server answered (whether or not the client received it). */
  readonly upstreamStatus: number;
  readonly upstreamHeaders: IncomingHttpHeaders;
  readonly fault: Fault['kind'] | undefined;
}

export interface FaultProxy {
  readonly url: string;
  /** Every exchange, in the order the server answered them. */
  readonly exchanges: readonly ProxiedExchange[];
  addRule(rule: FaultRule): void;
  close(): Promise<void>;
}

export async function startFaultProxy(upstreamUrl: string): Promise<FaultProxy> {
  const upstream = new URL(upstreamUrl);
  const rules: { rule: FaultRule; remaining: number }[] = [];
  const exchanges: ProxiedExchange[] = [];
  const pendingDelays = new Set<NodeJS.Timeout>();

  const server: Server = createServer((request, response) => {
    void (async () => {
      const body = await readAll(request);
      const answer = await forward(upstream, request, body);
      const method = request.method ?? 'GET';
      const path = request.url ?? '/';
      const match = rules.find(
        (r) => r.remaining > 0 && r.rule.method === method && r.rule.path === path,
      );
      if (match) match.remaining -= 1;
      const fault = match?.rule.fault;
      exchanges.push({
        method,
        path,
        headers: request.headers,
        body,
        upstreamStatus: answer.status,
        upstreamHeaders: answer.headers,
        fault: fault?.kind,
      });

      const reply = ({ status, headers, body: replyBody } = answer) => {
        response.writeHead(status, { ...headers, 'content-length': String(replyBody.length) });
        response.end(replyBody);
      };
      if (fault?.kind === 'rewrite-response') {
        reply(fault.rewrite(answer));
      } else if (fault?.kind === 'drop-response') {
        request.socket.destroy();
      } else if (fault?.kind === 'stall-body') {
        response.writeHead(answer.status, answer.headers);
        response.write(answer.body.subarray(0, Math.floor(answer.body.length / 2)));
      } else if (fault?.kind === 'delay-response') {
        const timer = setTimeout(() => {
          pendingDelays.delete(timer);
          reply();
        }, fault.delayMs);
        pendingDelays.add(timer);
        // The client gave up waiting: nobody is left to answer.
        response.on('close', () => {
          clearTimeout(timer);
          pendingDelays.delete(timer);
        });
      } else {
        reply();
      }
    })().catch((error: unknown) => {
      response.destroy(error instanceof Error ? error : undefined);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    exchanges,
    addRule: (rule) => rules.push({ rule, remaining: rule.times ?? 1 }),
    async close() {
      for (const timer of pendingDelays) clearTimeout(timer);
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** The whole body of a request or response. */
export async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The server's answer, read to its end. */
export interface UpstreamAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

function forward(upstream: URL, request: IncomingMessage, body: Buffer): Promise<UpstreamAnswer> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        hostname: upstream.hostname,
        port: upstream.port,
        method: request.method,
        path: request.url,
        // The client's Host, as a transparent proxy passes it on: a SigV4 signature covers it.
        headers: request.headers,
      },
      (answer) => {
        readAll(answer).then(
          (answerBody) =>
            resolve({
              status: answer.statusCode ?? 502,
              headers: answer.headers,
              body: answerBody,
            }),
          reject,
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}
