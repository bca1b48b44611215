/**
 * The smoke test's journey through a running API: what a first real client does, every answer
 * checked against the OpenAPI document and against the contract's promises (docs/api.md).
 * Steps run in order; after a deviation the rest are skipped, since they build on it.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { OutgoingRequest } from '../../client/auth';
import { contractViolations } from '../../openapi/conformance';

/** Adds the headers that authenticate a request (a SigV4 signature, say). */
export type Authenticate = (request: OutgoingRequest) => Promise<Record<string, string>>;

export interface JourneyOptions {
  /** The API's base URL: the stack's `ApiUrl` output, a custom domain's mapping, or the local server. */
  readonly baseUrl: string;
  readonly authenticate: Authenticate;
  /** Called once per step, when it has passed, failed or been skipped. */
  readonly report: (result: StepResult) => void;
  /** Per request. @default 30000 */
  readonly timeoutMs?: number;
}

export interface StepResult {
  readonly step: number;
  readonly name: string;
  readonly outcome: 'ok' | 'FAIL' | 'skip';
  /** What was sent and answered, or what deviated. */
  readonly detail: string;
}

/** One answer, as the contract speaks of it. */
interface Answer {
  readonly requestUrl: string;
  readonly status: number;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly text: string;
  readonly body: unknown;
}

class Deviation extends Error {
  override readonly name = 'Deviation';
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Deviation(message);
}

type Json = Record<string, unknown>;

/** Runs the journey; resolves with the number of steps that deviated (0 or 1). */
export async function runJourney(options: JourneyOptions): Promise<number> {
  const base = options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`;
  const run = randomUUID();
  const key = (name: string) => `smoke-${run}-${name}`;
  const timeoutMs = options.timeoutMs ?? 30_000;

  /** Sends a request (signed unless `signed` is false) and checks the answer against the document. */
  async function send(
    method: 'GET' | 'POST',
    route: string,
    url: string,
    {
      body,
      idempotencyKey,
      signed = true,
    }: { body?: unknown; idempotencyKey?: string; signed?: boolean } = {},
  ): Promise<Answer> {
    const request: OutgoingRequest = {
      method,
      url: new URL(url),
      headers: {
        accept: 'application/json, application/problem+json',
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...(idempotencyKey !== undefined && { 'idempotency-key': idempotencyKey }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    };
    const headers = signed ? await options.authenticate(request) : { ...request.headers };
    const response = await fetch(request.url, {
      method,
      headers,
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Deviation(
        `${method} ${route} → ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`,
      );
    }
    const answer: Answer = {
      requestUrl: request.url.href,
      status: response.status,
      headers: Object.fromEntries(
        [...response.headers].map(([name, value]) => [name.toLowerCase(), value]),
      ),
      text,
      body: parsed,
    };
    const violations = contractViolations(method, route, answer);
    check(
      violations.length === 0,
      `${method} ${route} → ${answer.status} departs from the OpenAPI document: ${violations.join('; ')} (${text.slice(0, 300)})`,
    );
    return answer;
  }

  const expectStatus = (answer: Answer, status: number, code?: string) => {
    const actualCode = (answer.body as Json).code;
    check(
      answer.status === status && (code === undefined || actualCode === code),
      `expected ${status}${code ? ` ${code}` : ''}, got ${answer.status}${typeof actualCode === 'string' ? ` ${actualCode}` : ''}: ${answer.text.slice(0, 300)}`,
    );
  };
  /** Where `Location` resolves, against the URL the request was sent to; it must be `expected`. */
  const expectLocation = (answer: Answer, expected: string) => {
    const location = answer.headers.location ?? '';
    const resolved = new URL(location, answer.requestUrl).href;
    check(resolved === expected, `Location ${location} resolves to ${resolved}, not ${expected}`);
  };
  const expectReplayOf = (replay: Answer, first: Answer) => {
    check(
      replay.headers['idempotent-replayed'] === 'true',
      'the replay lacks Idempotent-Replayed: true',
    );
    check(
      replay.status === first.status,
      `the replay is ${replay.status}, the first answer was ${first.status}`,
    );
    check(
      replay.text === first.text,
      'the replayed body differs from the first answer byte for byte',
    );
    check(
      replay.headers.location === first.headers.location,
      'the replayed Location differs from the first',
    );
  };

  const createOrderBody = {
    customerId: `cus_smoke_${run.slice(0, 8)}`,
    currency: 'usd',
    items: [{ sku: 'SMOKE-1', quantity: 2, unitAmount: 1250 }],
  };
  const payment = (orderId: string, token: string) => ({
    orderId,
    amount: 2500,
    currency: 'USD',
    paymentMethod: { type: 'card', token },
  });
  const ordersUrl = `${base}orders`;
  const paymentsUrl = `${base}payments`;

  // What the steps learn, for the steps after them.
  let order!: Answer;
  let orderId = '';
  let paid!: Answer;
  let paymentId = '';
  let declined!: Answer;

  const steps: [string, () => Promise<string>][] = [
    [
      'create an order',
      async () => {
        order = await send('POST', '/orders', ordersUrl, {
          body: createOrderBody,
          idempotencyKey: key('order'),
        });
        expectStatus(order, 201);
        check(
          order.headers['idempotent-replayed'] === undefined,
          'a first answer is marked Idempotent-Replayed',
        );
        orderId = String((order.body as Json).id);
        expectLocation(order, `${base}orders/${orderId}`);
        return `POST /orders → 201 ${orderId}`;
      },
    ],
    [
      'read the order at its Location',
      async () => {
        const url = new URL(order.headers.location ?? '', order.requestUrl).href;
        const read = await send('GET', '/orders/{orderId}', url);
        expectStatus(read, 200);
        check(read.text === order.text, 'the order read back differs from the one created');
        return `GET ${new URL(url).pathname} → 200`;
      },
    ],
    [
      'replay the order (same key, same body)',
      async () => {
        const replay = await send('POST', '/orders', ordersUrl, {
          body: createOrderBody,
          idempotencyKey: key('order'),
        });
        expectReplayOf(replay, order);
        return 'POST /orders → 201, Idempotent-Replayed: true, byte for byte';
      },
    ],
    [
      'a declined card',
      async () => {
        declined = await send('POST', '/payments', paymentsUrl, {
          body: payment(orderId, 'tok_chargeDeclined'),
          idempotencyKey: key('declined'),
        });
        expectStatus(declined, 402, 'card_declined');
        return 'POST /payments → 402 card_declined';
      },
    ],
    [
      'pay the order',
      async () => {
        paid = await send('POST', '/payments', paymentsUrl, {
          body: payment(orderId, 'tok_visa'),
          idempotencyKey: key('payment'),
        });
        expectStatus(paid, 201);
        paymentId = String((paid.body as Json).id);
        check((paid.body as Json).status === 'SUCCEEDED', 'the payment did not succeed');
        expectLocation(paid, `${base}payments/${paymentId}`);
        return `POST /payments → 201 ${paymentId}`;
      },
    ],
    [
      'replay the payment (same key, same body)',
      async () => {
        const replay = await send('POST', '/payments', paymentsUrl, {
          body: payment(orderId, 'tok_visa'),
          idempotencyKey: key('payment'),
        });
        expectReplayOf(replay, paid);
        return 'POST /payments → 201, Idempotent-Replayed: true, byte for byte';
      },
    ],
    [
      'the same key at POST /payment, the alias',
      async () => {
        const replay = await send('POST', '/payment', `${base}payment`, {
          body: payment(orderId, 'tok_visa'),
          idempotencyKey: key('payment'),
        });
        expectReplayOf(replay, paid);
        return 'POST /payment → 201, the replay of POST /payments';
      },
    ],
    [
      'the same key with another body',
      async () => {
        const reused = await send('POST', '/payments', paymentsUrl, {
          body: payment(orderId, 'tok_mastercard'),
          idempotencyKey: key('payment'),
        });
        expectStatus(reused, 422, 'idempotency_key_reused');
        return 'POST /payments → 422 idempotency_key_reused';
      },
    ],
    [
      'a concurrent duplicate',
      async () => {
        const second = await send('POST', '/orders', ordersUrl, {
          body: createOrderBody,
          idempotencyKey: key('second-order'),
        });
        expectStatus(second, 201);
        const secondId = String((second.body as Json).id);
        const pay = () =>
          send('POST', '/payments', paymentsUrl, {
            body: payment(secondId, 'tok_visa'),
            idempotencyKey: key('concurrent'),
          });
        // Both at once; a duplicate that finds the first still running is told 409 and retries.
        const untilDone = async (answer: Answer): Promise<Answer> => {
          for (let attempt = 0; answer.status === 409 && attempt < 30; attempt++) {
            expectStatus(answer, 409, 'idempotency_key_in_use');
            await sleep(Number(answer.headers['retry-after'] ?? '1') * 1000);
            answer = await pay();
          }
          return answer;
        };
        const answers = await Promise.all([pay(), pay()]);
        const inUse = answers.filter((a) => a.status === 409).length;
        const [a, b] = await Promise.all(answers.map(untilDone));
        check(a !== undefined && b !== undefined, 'two answers');
        expectStatus(a, 201);
        expectStatus(b, 201);
        check(a.text === b.text, 'the two duplicates were answered with different payments');
        const list = await send(
          'GET',
          '/orders/{orderId}/payments',
          `${base}orders/${secondId}/payments`,
        );
        expectStatus(list, 200);
        const payments = (list.body as { data: Json[] }).data;
        check(payments.length === 1, `the order has ${payments.length} payments, not 1`);
        return `2 × POST /payments at once → one payment${inUse > 0 ? ` (${inUse} × 409 idempotency_key_in_use, retried)` : ''}`;
      },
    ],
    [
      'read the payment',
      async () => {
        const read = await send('GET', '/payments/{paymentId}', `${base}payments/${paymentId}`);
        expectStatus(read, 200);
        check(read.text === paid.text, 'the payment read back differs from the one created');
        return `GET /payments/${paymentId} → 200`;
      },
    ],
    [
      "list the order's payments",
      async () => {
        const list = await send(
          'GET',
          '/orders/{orderId}/payments',
          `${base}orders/${orderId}/payments`,
        );
        expectStatus(list, 200);
        const ids = (list.body as { data: Json[] }).data.map((p) => p.id);
        const declinedId = ((declined.body as Json).payment as Json).id;
        check(
          JSON.stringify(ids) === JSON.stringify([declinedId, paymentId]),
          `expected [${String(declinedId)}, ${paymentId}] oldest first, got ${JSON.stringify(ids)}`,
        );
        return `GET /orders/${orderId}/payments → 200, 2 payments`;
      },
    ],
    [
      'read the paid order',
      async () => {
        const read = await send('GET', '/orders/{orderId}', `${base}orders/${orderId}`);
        expectStatus(read, 200);
        const body = read.body as Json;
        check(
          body.status === 'PAID' && body.paymentId === paymentId,
          `the order is ${String(body.status)}, paid by ${String(body.paymentId)}`,
        );
        return `GET /orders/${orderId} → 200 PAID`;
      },
    ],
    [
      'an unsigned request is refused',
      async () => {
        const refused = await send('GET', '/orders/{orderId}', `${base}orders/${orderId}`, {
          signed: false,
        });
        expectStatus(refused, 403, 'missing_authentication');
        return 'GET without a signature → 403 missing_authentication';
      },
    ],
  ];

  let failed = 0;
  for (const [index, [name, step]] of steps.entries()) {
    const number = index + 1;
    if (failed > 0) {
      options.report({ step: number, name, outcome: 'skip', detail: 'after the deviation above' });
      continue;
    }
    const started = performance.now();
    try {
      const detail = await step();
      options.report({
        step: number,
        name,
        outcome: 'ok',
        detail: `${detail} (${Math.round(performance.now() - started)} ms)`,
      });
    } catch (error) {
      failed += 1;
      const detail =
        error instanceof Deviation
          ? error.message
          : `${(error as Error).name}: ${(error as Error).message}`;
      options.report({ step: number, name, outcome: 'FAIL', detail });
    }
  }
  return failed;
}
