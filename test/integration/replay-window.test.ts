/**
 * After the replay window the idempotency record is expired (judged by its own timestamp), yet
 * the key still names the resource it created: a retry gets that resource in its current state.
 */
import { aCreateOrderRequest, aCreatePaymentRequest, aKey, aTenant } from '../support/builders';
import { get, post, type ApiResponse } from './support/api';
import { anOrder, paymentsOf, type OrderView } from './support/fixtures';
import { useTestApplication } from './support/application';
import { recordCharges } from './support/processor';
import { randomUUID } from 'node:crypto';
import { UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { adminClient, createTables } from '../../local/dynamodb-engine';
import { idempotencyTableSchema } from '../../lambda/store/table-schema';

const REPLAY_WINDOW_SECONDS = 1;

/** Records expire when the clock passes their whole-second expiry; wait that out once. */
const replayWindowPassed = () =>
  new Promise((resolve) => setTimeout(resolve, (REPLAY_WINDOW_SECONDS + 1.1) * 1000));

interface Scenario {
  tenant: string;
  key: string;
  order: OrderView;
  first: ApiResponse;
}

async function aScenario(
  act: (tenant: string, key: string, order: OrderView) => Promise<ApiResponse>,
): Promise<Scenario> {
  const tenant = aTenant();
  const key = aKey();
  const order = await anOrder(tenant);
  return { tenant, key, order, first: await act(tenant, key, order) };
}

const scenarios: Record<string, Scenario> = {};

/**
 * This file's own idempotency table, with TTL off: nothing deletes expired records, so only
 * their expiry timestamp can make the layer treat them as gone.
 */
async function anIdempotencyTableWithoutTtl(): Promise<string> {
  const client = adminClient(process.env.DYNAMODB_ENDPOINT ?? '');
  const idempotency = `${process.env.IDEMPOTENCY_TABLE_NAME}-nottl-${randomUUID().slice(0, 8)}`;
  try {
    await createTables(client, { orders: process.env.ORDERS_TABLE_NAME ?? '', idempotency });
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: idempotency,
        TimeToLiveSpecification: {
          AttributeName: idempotencyTableSchema.ttlAttribute,
          Enabled: false,
        },
      }),
    );
  } finally {
    client.destroy();
  }
  return idempotency;
}

let idempotencyTable: string;

beforeAll(async () => {
  idempotencyTable = await anIdempotencyTableWithoutTtl();
  useTestApplication({
    env: {
      IDEMPOTENCY_TABLE_NAME: idempotencyTable,
      IDEMPOTENCY_TTL_SECONDS: String(REPLAY_WINDOW_SECONDS),
      // One instance, one clock: a record expires when its window ends, not the margin later.
      CLOCK_SKEW_MARGIN_MS: '0',
    },
  });
  const [orderLaterPaid, succeeded, declined, missingOrder, reusedOrderKey, reusedPaymentKey] =
    await Promise.all([
      aScenario((tenant, key) =>
        post('/orders', aCreateOrderRequest(), { tenant, idempotencyKey: key }),
      ),
      aScenario((tenant, key, order) =>
        post('/payments', aCreatePaymentRequest(order), { tenant, idempotencyKey: key }),
      ),
      aScenario((tenant, key, order) =>
        post(
          '/payments',
          aCreatePaymentRequest(order, {
            paymentMethod: { type: 'card', token: 'tok_chargeDeclined' },
          }),
          {
            tenant,
            idempotencyKey: key,
          },
        ),
      ),
      aScenario((tenant, key, order) =>
        post(
          '/payments',
          aCreatePaymentRequest({ ...order, id: 'ord_ffffffffffffffffffffffffffffffff' }),
          {
            tenant,
            idempotencyKey: key,
          },
        ),
      ),
      aScenario((tenant, key) =>
        post('/orders', aCreateOrderRequest(), { tenant, idempotencyKey: key }),
      ),
      aScenario((tenant, key, order) =>
        post('/payments', aCreatePaymentRequest(order), { tenant, idempotencyKey: key }),
      ),
    ]);
  Object.assign(scenarios, {
    orderLaterPaid,
    succeeded,
    declined,
    missingOrder,
    reusedOrderKey,
    reusedPaymentKey,
  });
  // The order created by the key gets paid meanwhile: a retry must show it PAID.
  const { tenant, first } = orderLaterPaid;
  await post('/payments', aCreatePaymentRequest(first.body), { tenant, idempotencyKey: aKey() });
  await replayWindowPassed();
  expiredRecordsStillStored = await countExpiredIdempotencyRecords();
});

let expiredRecordsStillStored = 0;

/** Records past their expiry that DynamoDB TTL has not deleted (yet). */
async function countExpiredIdempotencyRecords(): Promise<number> {
  const client = DynamoDBDocumentClient.from(adminClient(process.env.DYNAMODB_ENDPOINT ?? ''));
  const { Count } = await client.send(
    new ScanCommand({
      TableName: idempotencyTable,
      FilterExpression: '#expiry < :now',
      ExpressionAttributeNames: { '#expiry': idempotencyTableSchema.ttlAttribute },
      // Powertools compares with fractional seconds too.
      ExpressionAttributeValues: { ':now': Date.now() / 1000 },
      ConsistentRead: true,
    }),
  );
  client.destroy();
  return Count ?? 0;
}

it('judges expiry by the record timestamp: the expired records were still in the table', () => {
  expect(expiredRecordsStillStored).toBeGreaterThanOrEqual(Object.keys(scenarios).length);
});

const scenario = (name: string) => scenarios[name] as Scenario;

it('returns the order the key created, in its current state, marked replayed', async () => {
  const { tenant, key, first } = scenario('orderLaterPaid');

  const retry = await post('/orders', aCreateOrderRequest(), { tenant, idempotencyKey: key });

  expect(retry.status).toBe(201);
  expect(retry.headers['idempotent-replayed']).toBe('true');
  expect(retry.headers.location).toBe(first.headers.location);
  expect(retry.body).toEqual({
    ...first.body,
    status: 'PAID',
    paymentId: expect.stringMatching(/^pay_/),
  });
});

it('returns the succeeded payment with 201 without charging again', async () => {
  const { tenant, key, order, first } = scenario('succeeded');
  const charges = recordCharges();

  const retry = await post('/payments', aCreatePaymentRequest(order), {
    tenant,
    idempotencyKey: key,
  });

  expect(retry.status).toBe(201);
  expect(retry.headers['idempotent-replayed']).toBe('true');
  expect(retry.rawBody).toBe(first.rawBody);
  expect(charges).not.toHaveBeenCalled();
  expect(await paymentsOf(tenant, order.id)).toHaveLength(1);
});

it('returns the declined payment with 402', async () => {
  const { tenant, key, order, first } = scenario('declined');

  const retry = await post(
    '/payments',
    aCreatePaymentRequest(order, { paymentMethod: { type: 'card', token: 'tok_chargeDeclined' } }),
    { tenant, idempotencyKey: key },
  );

  expect(retry.status).toBe(402);
  expect(retry.headers['idempotent-replayed']).toBe('true');
  expect(retry.rawBody).toBe(first.rawBody);
});

it('runs an outcome that created nothing again', async () => {
  const { tenant, key, order, first } = scenario('missingOrder');

  const retry = await post(
    '/payments',
    aCreatePaymentRequest({ ...order, id: 'ord_ffffffffffffffffffffffffffffffff' }),
    {
      tenant,
      idempotencyKey: key,
    },
  );

  expect(first.status).toBe(404);
  expect(retry.status).toBe(404);
  expect(retry.headers['idempotent-replayed']).toBeUndefined();
});

it('answers 422 idempotency_key_reused for an order key retried with another payload', async () => {
  const { tenant, key, first } = scenario('reusedOrderKey');

  const reused = await post('/orders', aCreateOrderRequest({ customerId: 'cus_other' }), {
    tenant,
    idempotencyKey: key,
  });
  const original = await post('/orders', aCreateOrderRequest(), { tenant, idempotencyKey: key });

  expect(reused.status).toBe(422);
  expect(reused.body.code).toBe('idempotency_key_reused');
  expect(original.status).toBe(201);
  expect(original.body.id).toBe(first.body.id);
});

it('answers 422 idempotency_key_reused for a payment key retried with another payload', async () => {
  const { tenant, key, order } = scenario('reusedPaymentKey');

  const reused = await post(
    '/payments',
    aCreatePaymentRequest(order, { paymentMethod: { type: 'card', token: 'tok_mastercard' } }),
    { tenant, idempotencyKey: key },
  );

  expect(reused.status).toBe(422);
  expect(reused.body.code).toBe('idempotency_key_reused');
  expect((await get(`/orders/${order.id}`, { tenant })).body.status).toBe('PAID');
});
