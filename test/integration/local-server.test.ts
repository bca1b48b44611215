/**
 * `npm start` as a developer runs it: a separate process serving the bundled handlers on its own
 * embedded engine, driven over HTTP.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startLocalServerProcess, type LocalServerProcess } from '../../local/server-process';
import { SandboxPaymentProcessor } from '../../lambda/adapters/sandbox-payment-processor';
import { createPayment } from '../../lambda/domain/create-payment';
import { DEFAULT_CLOCK_SKEW_MARGIN_MS } from '../../lambda/domain/payment';
import { DEFAULT_RECOVERY_SAFE_AGE_MS } from '../../lambda/domain/recovery';
import { aCreateOrderRequest, aCreatePaymentRequest, aKey, aTenant } from '../support/builders';
import { aStoreOnItsOwnTable, dyingBeforeTheCharge, ProcessDied } from './recovery/support';
import { aPaymentCommand, aPendingOrder } from './support/domain';

interface RunningServer extends LocalServerProcess {
  /** Resolves with the first line of output containing `text`, once it has been written. */
  lineContaining(text: string): Promise<string>;
}

/** Starts `local/start.ts` as `npm start` does, on a free port and its own engine. */
async function startServer(env: Record<string, string> = {}): Promise<RunningServer> {
  const server = await startLocalServerProcess(env);
  return {
    ...server,
    async lineContaining(text) {
      for (;;) {
        const line = server
          .output()
          .split('\n')
          .find((l) => l.includes(text));
        if (line) return line;
        await once(server.process.stdout ?? server.process, 'data');
      }
    },
  };
}

/** A server start includes the engine's: seconds for a JVM on a busy machine. */
const SERVER_STARTS = 120_000;

const json = (key: string, tenant: string) => ({
  'Content-Type': 'application/json',
  'Idempotency-Key': key,
  'X-Tenant-Id': tenant,
});

describe('npm start', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer();
  }, SERVER_STARTS);

  afterAll(async () => {
    if (server.process.exitCode === null) await server.stop();
  });

  it('answers /health with 200', async () => {
    const response = await fetch(`${server.url}/health`);

    expect(response.status).toBe(200);
  });

  it('serves every route of the contract through the bundled handlers', async () => {
    const tenant = aTenant();
    const paymentKey = aKey();

    const order = await fetch(`${server.url}/orders`, {
      method: 'POST',
      headers: json(aKey(), tenant),
      body: JSON.stringify(aCreateOrderRequest()),
    });
    const { id: orderId, ...orderBody } = (await order.json()) as {
      id: string;
      amount: number;
      currency: string;
    };
    const pay = () =>
      fetch(`${server.url}/payments`, {
        method: 'POST',
        headers: json(paymentKey, tenant),
        body: JSON.stringify(aCreatePaymentRequest({ id: orderId, ...orderBody })),
      });
    const payment = await pay();
    const replay = await pay();
    const paymentId = ((await payment.json()) as { id: string }).id;
    const reads = await Promise.all(
      [`/orders/${orderId}`, `/payments/${paymentId}`, `/orders/${orderId}/payments`].map((p) =>
        fetch(`${server.url}${p}`, { headers: { 'X-Tenant-Id': tenant } }),
      ),
    );
    const strangerRead = await fetch(`${server.url}/orders/${orderId}`, {
      headers: { 'X-Tenant-Id': aTenant() },
    });

    expect(order.status).toBe(201);
    expect(order.headers.get('location')).toBe(`/orders/${orderId}`);
    expect(payment.status).toBe(201);
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(reads.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(strangerRead.status).toBe(404);
  });

  it('answers an unknown path with 404 and a known path with the wrong method with 405 and Allow', async () => {
    const unknown = await fetch(`${server.url}/refunds`);
    const wrongMethod = await fetch(`${server.url}/payments`, { method: 'DELETE' });

    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toBe('application/problem+json');
    expect(await unknown.json()).toMatchObject({ code: 'not_found' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
    expect(await wrongMethod.json()).toMatchObject({ code: 'method_not_allowed' });
  });

  it('answers a malformed percent-escape in the path and keeps serving', async () => {
    const malformed = await fetch(`${server.url}/orders/%E0%A4%A`, {
      headers: { 'X-Tenant-Id': aTenant() },
    });
    const health = await fetch(`${server.url}/health`);

    expect(malformed.status).toBe(404);
    expect(health.status).toBe(200);
  });

  it('treats a header or query parameter named __proto__ as data, not as a prototype', async () => {
    const tenant = aTenant();
    const odd: [string, string][] = [
      ['__proto__', 'x'],
      ['X-Tenant-Id', tenant],
    ];

    const created = await fetch(`${server.url}/orders?__proto__=1`, {
      method: 'POST',
      headers: [...odd, ['Content-Type', 'application/json'], ['Idempotency-Key', aKey()]],
      body: JSON.stringify(aCreateOrderRequest()),
    });
    const missing = await fetch(`${server.url}/orders/ord_${'0'.repeat(32)}?__proto__=1`, {
      headers: odd,
    });

    expect(created.status).toBe(201);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 'order_not_found' });
  });

  it('refuses a body over 16 KiB with 413 before the handler runs', async () => {
    const response = await fetch(`${server.url}/orders`, {
      method: 'POST',
      headers: json(aKey(), aTenant()),
      body: JSON.stringify({ ...aCreateOrderRequest(), customerId: 'x'.repeat(20_000) }),
    });

    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ code: 'payload_too_large' });
  });

  it('logs one structured line per request', async () => {
    const path = `/orders/${aKey('ord')}`;

    await fetch(`${server.url}${path}`);

    const line = await server.lineContaining(`"path":"${path}"`);
    expect(JSON.parse(line)).toMatchObject({
      method: 'GET',
      status: 404,
      durationMs: expect.any(Number),
      replayed: false,
    });
  });
});

describe('npm start lifecycle', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'payments-api-test-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it(
    'shuts down cleanly on SIGTERM, engine included',
    async () => {
      const server = await startServer();
      const engineUrl = /DynamoDB: (http:\/\/\S+)/.exec(server.output())?.[1] ?? '';

      const exitCode = await server.stop();

      // The output explains a failure.
      expect({ exitCode, output: server.output() }).toMatchObject({ exitCode: 0 });
      await expect(fetch(engineUrl)).rejects.toThrow();
    },
    SERVER_STARTS,
  );

  it(
    'keeps data across restarts with DB_PATH',
    async () => {
      const tenant = aTenant();
      const env = { DB_PATH: path.join(dataDir, 'payments.db') };
      const first = await startServer(env);
      const created = await fetch(`${first.url}/orders`, {
        method: 'POST',
        headers: json(aKey(), tenant),
        body: JSON.stringify(aCreateOrderRequest()),
      });
      const { id } = (await created.json()) as { id: string };
      await first.stop();

      const second = await startServer(env);
      const read = await fetch(`${second.url}/orders/${id}`, {
        headers: { 'X-Tenant-Id': tenant },
      });
      await second.stop();

      expect(created.status).toBe(201);
      expect(read.status).toBe(200);
    },
    2 * SERVER_STARTS,
  );
});

describe('npm start sweeper', () => {
  it(
    'settles an abandoned payment attempt within a sweep period (LOCAL_SWEEP_INTERVAL_SECONDS)',
    async () => {
      // A table of its own on the test run's engine: the server sweeps every tenant's leases.
      const { store, tableName } = await aStoreOnItsOwnTable();
      const { tenant, order } = await aPendingOrder(store);
      // An attempt that claimed the order a minute ago and died on its way to the processor.
      const aMinuteAgo = () => new Date(Date.now() - 60_000);
      await expect(
        createPayment(
          {
            store,
            processor: dyingBeforeTheCharge(new SandboxPaymentProcessor()),
            clock: aMinuteAgo,
            clockSkewMarginMs: DEFAULT_CLOCK_SKEW_MARGIN_MS,
            recoverySafeAgeMs: DEFAULT_RECOVERY_SAFE_AGE_MS,
          },
          aPaymentCommand(tenant, order),
        ),
      ).rejects.toThrow(ProcessDied);

      const server = await startServer({
        DYNAMODB_ENDPOINT: process.env.DYNAMODB_ENDPOINT ?? '',
        ORDERS_TABLE_NAME: tableName,
        IDEMPOTENCY_TABLE_NAME: `${tableName}-idempotency`,
        LOCAL_SWEEP_INTERVAL_SECONDS: '1',
      });
      try {
        await server.lineContaining('Sweeper: every 1 s');
        // Awaits the sweep's effect: the attempt charged under its own key and recorded.
        while ((await store.getOrder(tenant, order.id))?.status !== 'PAID') {
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      } finally {
        await server.stop();
      }
      expect(await store.listPayments(tenant, order.id)).toEqual([
        expect.objectContaining({ orderId: order.id, status: 'SUCCEEDED' }),
      ]);
    },
    SERVER_STARTS,
  );
});
