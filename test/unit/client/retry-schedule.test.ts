/**
 * The client's retry loop on jest's fake clock, with the transport replaced by a scripted
 * `fetch`: when each attempt starts, what it carries, and when the client gives up. The real
 * transport against the real server is covered by test/integration/client/client.test.ts.
 */
import {
  ApiError,
  createPaymentsClient,
  PaymentDeclinedError,
  TransportError,
  type ClientEvent,
  type PaymentsClientOptions,
} from '../../../client';
import { aCreateOrderRequest } from '../../support/builders';

const problem = (status: number, code: string, headers: Record<string, string> = {}) =>
  new Response(
    JSON.stringify({ type: `urn:test:${code}`, title: code, status, detail: code, code }),
    {
      status,
      headers: { 'content-type': 'application/problem+json', ...headers },
    },
  );

const created = (headers: Record<string, string> = {}) =>
  new Response(JSON.stringify({ id: 'ord_1', status: 'PENDING' }), {
    status: 201,
    headers: { 'content-type': 'application/json', ...headers },
  });

type Step = Response | Error | 'hang';

/** A fetch that plays `steps` in order and records when and with what it was called. */
function scriptedFetch(steps: Step[]) {
  const calls: { at: number; headers: Record<string, string>; body: unknown }[] = [];
  const started = Date.now();
  const fetchStub = (_url: string | URL | Request, init?: RequestInit) => {
    calls.push({
      at: Date.now() - started,
      headers: init?.headers as Record<string, string>,
      body: init?.body,
    });
    const step = steps.shift();
    if (step === undefined) throw new Error('no more scripted responses');
    if (step === 'hang') {
      return new Promise<Response>((_, reject) =>
        init?.signal?.addEventListener('abort', () => reject(new Error('aborted'))),
      );
    }
    return step instanceof Error ? Promise.reject(step) : Promise.resolve(step);
  };
  return { fetch: fetchStub, calls };
}

function clientWith(steps: Step[], options: Partial<PaymentsClientOptions> = {}) {
  const script = scriptedFetch(steps);
  const events: ClientEvent[] = [];
  const client = createPaymentsClient({
    baseUrl: 'http://api.test',
    fetch: script.fetch,
    // Every delay is half its ceiling: 50, 100, 200, 400 ms with the default policy.
    random: () => 0.5,
    onEvent: (event) => events.push(event),
    ...options,
  });
  return { client, calls: script.calls, events };
}

/** Settles `promise` while advancing the fake clock; returns the value or the error. */
async function settle<T>(promise: Promise<T>, ms = 120_000): Promise<T | Error> {
  const outcome = promise.then(
    (value) => value,
    (error: Error) => error,
  );
  await jest.advanceTimersByTimeAsync(ms);
  return outcome;
}

beforeEach(() => jest.useFakeTimers({ now: Date.parse('2026-11-22T10:00:00Z') }));
afterEach(() => jest.useRealTimers());

describe('retry schedule', () => {
  it('backs off exponentially with jitter and sends the same key every time', async () => {
    const { client, calls } = clientWith([
      problem(503, 'service_unavailable'),
      new TypeError('fetch failed'),
      problem(500, 'internal_error'),
      created(),
    ]);

    const order = client.createOrder(aCreateOrderRequest());

    await jest.advanceTimersByTimeAsync(49);
    expect(calls).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(100);
    expect(calls).toHaveLength(3);
    await jest.advanceTimersByTimeAsync(199);
    expect(calls).toHaveLength(3);
    await jest.advanceTimersByTimeAsync(1);
    await expect(order).resolves.toEqual({ id: 'ord_1', status: 'PENDING' });
    expect(calls.map((c) => c.at)).toEqual([0, 50, 150, 350]);
    const keys = new Set(calls.map((c) => c.headers['idempotency-key']));
    expect(keys.size).toBe(1);
    expect([...keys][0]).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(new Set(calls.map((c) => c.body)).size).toBe(1);
  });

  it('generates a new key for each logical call, and uses the one it is given', async () => {
    const { client, calls } = clientWith([created(), created(), created()]);

    await settle(client.createOrder(aCreateOrderRequest()));
    await settle(client.createOrder(aCreateOrderRequest()));
    await settle(client.createOrder(aCreateOrderRequest(), { idempotencyKey: 'checkout-42' }));

    const [first, second, third] = calls.map((c) => c.headers['idempotency-key']);
    expect(first).not.toBe(second);
    expect(third).toBe('checkout-42');
  });

  it.each([
    ['seconds', { 'retry-after': '2' }],
    ['an HTTP date', { 'retry-after': 'Sun, 22 Nov 2026 10:00:02 GMT' }],
  ])("waits at least the server's Retry-After given in %s", async (_form, headers) => {
    const { client, calls } = clientWith([
      problem(409, 'idempotency_key_in_use', headers),
      created(),
    ]);

    const order = client.createOrder(aCreateOrderRequest());

    await jest.advanceTimersByTimeAsync(1_999);
    expect(calls).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    await expect(order).resolves.toMatchObject({ id: 'ord_1' });
    expect(calls.map((c) => c.at)).toEqual([0, 2_000]);
  });

  it.each([429, 500, 502, 503, 504])('retries a %i', async (status) => {
    const { client, calls } = clientWith([problem(status, 'transient'), created()]);

    await expect(settle(client.createOrder(aCreateOrderRequest()))).resolves.toMatchObject({
      id: 'ord_1',
    });
    expect(calls).toHaveLength(2);
  });

  it('retries 409 payment_in_progress: not a stored outcome, and the order is free again soon', async () => {
    const { client, calls } = clientWith([
      problem(409, 'payment_in_progress', { 'retry-after': '1' }),
      created(),
    ]);

    await settle(client.createPayment(aPayment()));

    expect(calls.map((c) => c.at)).toEqual([0, 1_000]);
  });

  it.each([
    [400, 'invalid_request'],
    [401, 'unauthenticated'],
    [404, 'order_not_found'],
    [409, 'order_already_paid'],
    [413, 'payload_too_large'],
    [422, 'amount_mismatch'],
    [422, 'idempotency_key_reused'],
  ])('never retries a %i %s', async (status, code) => {
    const { client, calls } = clientWith([
      problem(status, code, { 'idempotent-replayed': 'true' }),
    ]);

    const error = await settle(client.createPayment(aPayment(), { idempotencyKey: 'pay-1' }));

    expect(calls).toHaveLength(1);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status,
      code,
      idempotencyKey: 'pay-1',
      replayed: true,
      attempts: 1,
      problem: { status, code, title: code },
    });
  });

  it('never retries a declined card, and hands over the recorded payment', async () => {
    const payment = { id: 'pay_1', status: 'DECLINED', declineCode: 'card_declined' };
    const declined = new Response(
      JSON.stringify({
        type: 't',
        title: 'Payment declined',
        status: 402,
        detail: 'd',
        code: 'card_declined',
        payment,
      }),
      { status: 402, headers: { 'content-type': 'application/problem+json' } },
    );
    const { client, calls } = clientWith([declined]);

    const error = await settle(client.createPayment(aPayment()));

    expect(calls).toHaveLength(1);
    expect(error).toBeInstanceOf(PaymentDeclinedError);
    expect(error).toMatchObject({ code: 'card_declined', payment, replayed: false });
  });

  it('gives up after maxAttempts with the last error and the number of attempts', async () => {
    const { client, calls, events } = clientWith(
      Array.from({ length: 3 }, () => problem(503, 'service_unavailable')),
      { maxAttempts: 3 },
    );

    const error = await settle(client.createOrder(aCreateOrderRequest()));

    expect(calls).toHaveLength(3);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 503, attempts: 3 });
    expect(
      events.filter((e) => e.type === 'retry').map((e) => e.type === 'retry' && e.delayMs),
    ).toEqual([50, 100]);
  });

  it('does not wait for a retry that could not start before the deadline', async () => {
    const { client, calls } = clientWith(
      [problem(503, 'service_unavailable', { 'retry-after': '5' })],
      {
        deadlineMs: 3_000,
      },
    );

    const error = await settle(client.createOrder(aCreateOrderRequest()), 0);

    expect(calls).toHaveLength(1);
    expect(error).toMatchObject({ status: 503, attempts: 1 });
  });

  it('keeps its time budget when the wall clock is stepped forward (NTP) during a call', async () => {
    const { client, calls } = clientWith(['hang', created()], {
      attemptTimeoutMs: 1_000,
      deadlineMs: 5_000,
    });

    const order = client.createOrder(aCreateOrderRequest());
    await jest.advanceTimersByTimeAsync(500);
    jest.setSystemTime(Date.now() + 3_600_000);

    await expect(settle(order)).resolves.toMatchObject({ id: 'ord_1' });
    expect(calls).toHaveLength(2);
  });

  it('abandons an attempt after attemptTimeoutMs and retries it with the same key', async () => {
    const { client, calls, events } = clientWith(['hang', created()], { attemptTimeoutMs: 1_000 });

    const order = client.createOrder(aCreateOrderRequest());

    await jest.advanceTimersByTimeAsync(999);
    expect(calls).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1 + 50);
    await expect(order).resolves.toMatchObject({ id: 'ord_1' });
    expect(calls.map((c) => c.at)).toEqual([0, 1_050]);
    expect(calls[0]?.headers['idempotency-key']).toBe(calls[1]?.headers['idempotency-key']);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'transport-error', failure: 'timeout', attempt: 1 }),
    );
  });

  it('cuts the last attempt short at the overall deadline', async () => {
    const { client } = clientWith(['hang', 'hang'], { attemptTimeoutMs: 1_000, deadlineMs: 1_500 });

    const error = await settle(client.createOrder(aCreateOrderRequest()), 1_500);

    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({ failure: 'deadline', attempts: 2 });
  });

  it("stops waiting when the caller's signal aborts", async () => {
    const { client, calls } = clientWith([
      problem(503, 'service_unavailable', { 'retry-after': '10' }),
    ]);
    const controller = new AbortController();

    const order = client.createOrder(aCreateOrderRequest(), { signal: controller.signal });
    await jest.advanceTimersByTimeAsync(1_000);
    controller.abort();
    const error = await settle(order, 0);

    expect(calls).toHaveLength(1);
    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({ failure: 'aborted', attempts: 1 });
  });

  it('reports every attempt, outcome and retry to onEvent and the logger', async () => {
    const logger = { debug: jest.fn(), warn: jest.fn() };
    const { client, events } = clientWith(
      [problem(503, 'service_unavailable'), created({ 'idempotent-replayed': 'true' })],
      {
        logger,
      },
    );

    await settle(client.createOrder(aCreateOrderRequest(), { idempotencyKey: 'k-1' }));

    const call = {
      operation: 'createOrder',
      method: 'POST',
      path: '/orders',
      idempotencyKey: 'k-1',
    };
    expect(events).toEqual([
      { ...call, type: 'attempt', attempt: 1 },
      expect.objectContaining({
        ...call,
        type: 'response',
        attempt: 1,
        status: 503,
        code: 'service_unavailable',
        replayed: false,
      }),
      { ...call, type: 'retry', attempt: 1, delayMs: 50, reason: '503 service_unavailable' },
      { ...call, type: 'attempt', attempt: 2 },
      expect.objectContaining({
        ...call,
        type: 'response',
        attempt: 2,
        status: 201,
        code: undefined,
        replayed: true,
      }),
    ]);
    expect(logger.warn).toHaveBeenCalledWith(
      'payments-api retry',
      expect.objectContaining({ attempt: 1, delayMs: 50 }),
    );
    expect(logger.debug).toHaveBeenCalledTimes(4);
  });

  it('returns the outcome even when onEvent throws, and tells the logger', async () => {
    const logger = { debug: jest.fn(), warn: jest.fn() };
    const { client, calls } = clientWith([problem(503, 'service_unavailable'), created()], {
      logger,
      onEvent: () => {
        throw new Error('dashboard down');
      },
    });

    const order = await settle(client.createOrder(aCreateOrderRequest()));

    expect(order).toEqual({ id: 'ord_1', status: 'PENDING' });
    expect(calls).toHaveLength(2);
    expect(logger.warn).toHaveBeenCalledWith(
      'payments-api onEvent threw',
      expect.objectContaining({ type: 'response', error: expect.any(Error) }),
    );
  });

  it('returns the outcome even when the logger throws', async () => {
    const throwing = () => {
      throw new Error('log sink full');
    };
    const { client } = clientWith([created()], { logger: { debug: throwing, warn: throwing } });

    await expect(settle(client.createOrder(aCreateOrderRequest()))).resolves.toMatchObject({
      id: 'ord_1',
    });
  });

  it('does not retry a request it cannot sign, and says so', async () => {
    const { client, calls } = clientWith([created()], {
      auth: {
        type: 'sigv4',
        region: 'eu-west-1',
        credentials: () =>
          Promise.reject(new Error('Could not load credentials from any providers')),
      },
    });

    const error = await settle(client.createOrder(aCreateOrderRequest()));

    expect(calls).toHaveLength(0);
    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({
      failure: 'signing',
      attempts: 1,
      message: 'Could not sign the request: Could not load credentials from any providers',
    });
  });

  it('turns an answer without problem details (API Gateway, a proxy) into an http_<status> problem', async () => {
    const denied = new Response(JSON.stringify({ message: 'Missing Authentication Token' }), {
      status: 403,
    });
    const { client } = clientWith([denied]);

    const error = await settle(client.getOrder('ord_1'));

    expect(error).toMatchObject({
      status: 403,
      code: 'http_403',
      idempotencyKey: undefined,
      problem: { detail: 'Missing Authentication Token' },
    });
  });

  it.each([
    [{ maxAttempts: 0 }, 'maxAttempts'],
    [{ deadlineMs: Number.NaN }, 'deadlineMs'],
    [{ backoff: { baseDelayMs: -1 } }, 'backoff.baseDelayMs'],
    [{ backoff: { maxDelayMs: Number.NaN } }, 'backoff.maxDelayMs'],
  ])('refuses the option %j', (options, name) => {
    expect(() => clientWith([], options)).toThrow(new RegExp(`^${name} must be`));
  });

  it("retries API Gateway's catch-all 5xx problem, which carries no status member", async () => {
    // lib/gateway-responses.ts, DEFAULT_5XX: the status is whatever API Gateway chose.
    const gatewayProblem = new Response(
      JSON.stringify({
        type: 'urn:payments-api:problem:service_unavailable',
        title: 'Service unavailable',
        detail: 'Internal server error',
        code: 'service_unavailable',
        requestId: 'r-1',
      }),
      { status: 502, headers: { 'content-type': 'application/problem+json', 'retry-after': '1' } },
    );
    const { client, calls, events } = clientWith([gatewayProblem, created()], { maxAttempts: 2 });

    await expect(settle(client.createOrder(aCreateOrderRequest()))).resolves.toMatchObject({
      id: 'ord_1',
    });
    expect(calls.map((c) => c.at)).toEqual([0, 1_000]);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'retry', reason: '502 service_unavailable' }),
    );
  });

  it('gives the status of the HTTP answer to a problem that lacks one', async () => {
    const gatewayProblem = new Response(
      JSON.stringify({ type: 't', title: 'Bad request', detail: 'd', code: 'bad_request' }),
      { status: 400, headers: { 'content-type': 'application/problem+json' } },
    );
    const { client } = clientWith([gatewayProblem]);

    const error = await settle(client.getOrder('ord_1'));

    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, code: 'bad_request', problem: { status: 400 } });
  });

  it('refuses a malformed idempotency key before sending anything', async () => {
    const { client, calls } = clientWith([]);

    await expect(
      client.createOrder(aCreateOrderRequest(), { idempotencyKey: 'has space' }),
    ).rejects.toThrow(RangeError);
    expect(calls).toHaveLength(0);
  });
});

function aPayment() {
  return {
    orderId: 'ord_1',
    amount: 2500,
    currency: 'USD',
    paymentMethod: { type: 'card' as const, token: 'tok_visa' },
  };
}
