/**
 * The client against the real local server through a proxy that loses or holds the server's
 * answer after the server has processed the request: the client retries with the same key,
 * gets the stored outcome replayed, and nothing is created or charged twice.
 */
import { createHash } from 'node:crypto';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  createPaymentsClient,
  type ClientEvent,
  type PaymentsClientOptions,
} from '../../../client';
import { aCreateOrderRequest, aCreatePaymentRequest, aKey, aTenant } from '../../support/builders';
import { startFaultProxy, type FaultProxy, type ProxiedExchange } from '../../support/fault-proxy';
import { holdNextCharge, recordCharges } from '../support/processor';
import { startLocalApi, type LocalApi } from './local-api';

let api: LocalApi;
let proxy: FaultProxy;
const signingCredentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

beforeAll(async () => {
  api = await startLocalApi();
});
afterAll(() => api.close());
beforeEach(async () => {
  proxy = await startFaultProxy(api.url);
});
afterEach(() => proxy.close());

function clientThroughProxy(tenant: string, options: Partial<PaymentsClientOptions> = {}) {
  const events: ClientEvent[] = [];
  const client = createPaymentsClient({
    baseUrl: proxy.url,
    auth: { type: 'none', tenant },
    backoff: { baseDelayMs: 10, maxDelayMs: 100 },
    onEvent: (event) => events.push(event),
    ...options,
  });
  return { client, events };
}

const responses = (events: ClientEvent[]) =>
  events.filter((e): e is Extract<ClientEvent, { type: 'response' }> => e.type === 'response');

describe('client retries through a faulty network', () => {
  it('retries a createPayment whose response was dropped, gets the replay, and is charged once', async () => {
    const tenant = aTenant();
    const { client, events } = clientThroughProxy(tenant);
    const order = await client.createOrder(aCreateOrderRequest());
    const charges = recordCharges();
    proxy.addRule({ method: 'POST', path: '/payments', fault: { kind: 'drop-response' } });

    const payment = await client.createPayment(aCreatePaymentRequest(order));

    const exchanges = proxy.exchanges.filter((e) => e.path === '/payments');
    expect(exchanges.map((e) => [e.upstreamStatus, e.fault])).toEqual([
      [201, 'drop-response'],
      [201, undefined],
    ]);
    expect(exchanges[0]?.headers['idempotency-key']).toBeDefined();
    expect(exchanges[1]?.headers['idempotency-key']).toBe(exchanges[0]?.headers['idempotency-key']);
    expect(exchanges[1]?.upstreamHeaders['idempotent-replayed']).toBe('true');
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'transport-error', operation: 'createPayment', attempt: 1 }),
    );
    expect(responses(events).at(-1)).toMatchObject({
      operation: 'createPayment',
      attempt: 2,
      status: 201,
      replayed: true,
    });
    expect(payment).toMatchObject({ orderId: order.id, status: 'SUCCEEDED' });
    expect(charges).toHaveBeenCalledTimes(1);
    expect((await client.listPayments(order.id)).data).toEqual([payment]);
    expect(await client.getOrder(order.id)).toMatchObject({
      status: 'PAID',
      paymentId: payment.id,
    });
  });

  it('retries a createOrder whose response was dropped twice and creates one order', async () => {
    const tenant = aTenant();
    const { client, events } = clientThroughProxy(tenant);
    const key = aKey('order');
    proxy.addRule({ method: 'POST', path: '/orders', fault: { kind: 'drop-response' }, times: 2 });

    const order = await client.createOrder(aCreateOrderRequest(), { idempotencyKey: key });

    expect(proxy.exchanges.map((e) => [e.upstreamStatus, e.fault])).toEqual([
      [201, 'drop-response'],
      [201, 'drop-response'],
      [201, undefined],
    ]);
    expect(proxy.exchanges.every((e) => e.headers['idempotency-key'] === key)).toBe(true);
    expect(responses(events)).toEqual([
      expect.objectContaining({ attempt: 3, status: 201, replayed: true }),
    ]);
    // The same key from scratch: still that one order, replayed.
    expect(await client.createOrder(aCreateOrderRequest(), { idempotencyKey: key })).toEqual(order);
    expect(await client.getOrder(order.id)).toEqual(order);
  });

  it('abandons an attempt whose answer is held past attemptTimeoutMs and gets the replay', async () => {
    const tenant = aTenant();
    // Long enough that a loaded machine answers the retries in time; the held answer never comes.
    const { client, events } = clientThroughProxy(tenant, { attemptTimeoutMs: 2_000 });
    const order = await client.createOrder(aCreateOrderRequest());
    const charges = recordCharges();
    proxy.addRule({
      method: 'POST',
      path: '/payments',
      fault: { kind: 'delay-response', delayMs: 60_000 },
    });

    const payment = await client.createPayment(aCreatePaymentRequest(order));

    expect(events).toContainEqual(
      expect.objectContaining({ type: 'transport-error', attempt: 1, failure: 'timeout' }),
    );
    // Under load a later attempt may time out too; whichever answers last gets the replay.
    expect(responses(events).at(-1)).toMatchObject({ status: 201, replayed: true });
    expect(charges).toHaveBeenCalledTimes(1);
    expect((await client.listPayments(order.id)).data).toEqual([payment]);
  });

  it('abandons an attempt whose body stalls half-way, and gets the replay', async () => {
    const tenant = aTenant();
    const { client, events } = clientThroughProxy(tenant, { attemptTimeoutMs: 2_000 });
    const key = aKey('order');
    proxy.addRule({ method: 'POST', path: '/orders', fault: { kind: 'stall-body' } });

    const order = await client.createOrder(aCreateOrderRequest(), { idempotencyKey: key });

    expect(proxy.exchanges[0]).toMatchObject({ upstreamStatus: 201, fault: 'stall-body' });
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'transport-error', attempt: 1, failure: 'timeout' }),
    );
    expect(responses(events).at(-1)).toMatchObject({ status: 201, replayed: true });
    expect(await client.getOrder(order.id)).toEqual(order);
  });

  it('waits out 409 idempotency_key_in_use while its first attempt still runs, then gets its outcome', async () => {
    const tenant = aTenant();
    const held = holdNextCharge();
    const { client, events } = clientThroughProxy(tenant, {
      // The first attempt is held at the processor, so it times out whatever this is.
      attemptTimeoutMs: 2_000,
      maxAttempts: 20,
      // The first 409 lets the held charge go: the retry after it finds the outcome stored.
      onEvent: (event) => {
        events.push(event);
        if (event.type === 'response' && event.code === 'idempotency_key_in_use') held.release();
      },
    });
    const order = await createOrderDirectly(tenant);

    const payment = await client.createPayment(aCreatePaymentRequest(order));

    expect(events).toContainEqual(
      expect.objectContaining({ type: 'transport-error', attempt: 1, failure: 'timeout' }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'retry', reason: '409 idempotency_key_in_use' }),
    );
    const retryAfter409 = events.find(
      (e) => e.type === 'retry' && e.reason === '409 idempotency_key_in_use',
    );
    expect(retryAfter409).toMatchObject({ delayMs: expect.any(Number) });
    expect((retryAfter409 as { delayMs: number }).delayMs).toBeGreaterThanOrEqual(1_000);
    expect(responses(events).at(-1)).toMatchObject({ status: 201, replayed: true });
    expect(held.charges).toHaveBeenCalledTimes(1);
    expect(new Set(proxy.exchanges.map((e) => e.headers['idempotency-key'])).size).toBe(1);
    expect((await client.listPayments(order.id)).data).toEqual([payment]);
  });

  it('signs every attempt with SigV4 over the exact bytes sent', async () => {
    const tenant = aTenant();
    const { client } = clientThroughProxy(tenant, {
      auth: {
        type: 'sigv4',
        region: 'eu-west-1',
        credentials: signingCredentials,
      },
    });
    proxy.addRule({ method: 'POST', path: '/orders', fault: { kind: 'drop-response' } });

    // Locally the signature is not checked and the tenant is the default one.
    await client.createOrder(aCreateOrderRequest({ customerId: `cus_${tenant}` }));

    expect(proxy.exchanges).toHaveLength(2);
    for (const exchange of proxy.exchanges) {
      expect(exchange.headers.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=[a-z0-9;-]*host;idempotency-key;[a-z0-9;-]*, Signature=[0-9a-f]{64}$/,
      );
      expect(exchange.headers['x-amz-content-sha256']).toBe(
        createHash('sha256').update(exchange.body).digest('hex'),
      );
      // What API Gateway does: sign what arrived (method, path, Host, headers, body) again.
      expect(exchange.headers.authorization).toBe(await signatureOfWhatArrived(exchange));
    }
  });
});

/**
 * The Authorization header a verifier computes from the request as it arrived: the headers the
 * client says it signed, with their received values, and the received body (its hash is
 * recomputed, not taken from the request).
 */
async function signatureOfWhatArrived(exchange: ProxiedExchange): Promise<string | undefined> {
  const authorization = exchange.headers.authorization ?? '';
  const signedHeaders = /SignedHeaders=([^,]+)/.exec(authorization)?.[1]?.split(';') ?? [];
  const headers = Object.fromEntries(
    signedHeaders
      .filter((name) => name !== 'x-amz-content-sha256')
      .map((name) => [name, String(exchange.headers[name])]),
  );
  const amzDate = String(exchange.headers['x-amz-date']);
  const signingDate = new Date(
    amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'),
  );
  const verifier = new SignatureV4({
    service: 'execute-api',
    region: 'eu-west-1',
    credentials: signingCredentials,
    sha256: Hash.bind(null, 'sha256'),
  });
  const signed = await verifier.sign(
    {
      method: exchange.method,
      protocol: 'http:',
      hostname: '127.0.0.1',
      path: exchange.path,
      query: {},
      headers,
      body: exchange.body.toString('utf8'),
    },
    { signingDate },
  );
  return signed.headers.authorization;
}

/** An order created without the proxy, so that only the payment goes through the faults. */
async function createOrderDirectly(tenant: string) {
  return createPaymentsClient({ baseUrl: api.url, auth: { type: 'none', tenant } }).createOrder(
    aCreateOrderRequest(),
  );
}
