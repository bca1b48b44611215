/**
 * The route table grants each function exactly the DynamoDB calls its code makes
 * (`lib/api-routes.ts`; the stack turns the grants into IAM policies, test/infra checks those).
 * Each route is driven down every path that calls DynamoDB differently, behind a proxy that sees
 * every call; each call is put down to the route whose request made it and translated into the
 * IAM actions that authorise it.
 */
import { aCreateOrderRequest, aCreatePaymentRequest, aKey, aTenant } from '../support/builders';
import { apiRoutes, idempotencyTableAccess, type ApiRoute } from '../../lib/api-routes';
import { matchRoute } from '../../local/router';
import { call, type ApiResponse, type CallOptions } from './support/api';
import {
  startDynamoDbFaultProxy,
  type DynamoDbCall,
  type DynamoDbFaultProxy,
} from './support/dynamodb-fault-proxy';
import { useTestApplication } from './support/application';
import { anOrder } from './support/fixtures';
import { parseRecoveryConfig } from '../../lambda/app/config';
import { createRecoveryDependencies } from '../../lambda/app/dependencies';
import { sweeperHandler } from '../../lambda/app/sweeper';
import { createPayment } from '../../lambda/domain/create-payment';
import { DEFAULT_CLOCK_SKEW_MARGIN_MS } from '../../lambda/domain/payment';
import type { PaymentProcessor } from '../../lambda/domain/payment-processor';
import type { OrdersStore } from '../../lambda/domain/ports';
import { sweeperFunction } from '../../lib/sweeper';
import { aPaymentCommand, aPendingOrder } from './support/domain';
import {
  aSandboxOnAManualClock,
  aStoreOnItsOwnTable,
  dyingAfterTheCharge,
  dyingBeforeTheCharge,
  HOUR,
  MINUTE,
  ProcessDied,
} from './recovery/support';

let proxy: DynamoDbFaultProxy;
/** The sweeper settles every tenant's expired leases: it sweeps an Orders table of its own. */
let sweeperTable: Awaited<ReturnType<typeof aStoreOnItsOwnTable>>;

beforeAll(async () => {
  proxy = await startDynamoDbFaultProxy(process.env.DYNAMODB_ENDPOINT ?? '');
  // The handlers talk to the engine through the proxy.
  useTestApplication({ env: { DYNAMODB_ENDPOINT: proxy.endpoint } });
  sweeperTable = await aStoreOnItsOwnTable();
});
afterEach(() => proxy.heal());
afterAll(() => proxy.close());

/** `Orders` or `Idempotency`, from the table's name in this run. */
function tableLabel(tableName: unknown): string {
  if (tableName === process.env.ORDERS_TABLE_NAME) return 'Orders';
  if (tableName === sweeperTable.tableName) return 'Orders';
  if (tableName === process.env.IDEMPOTENCY_TABLE_NAME) return 'Idempotency';
  return `unknown table ${String(tableName)}`;
}

type Item = Record<string, Record<string, unknown> | undefined>;

/** The IAM actions that authorise `call`, each as `dynamodb:Action Table[/index/Name]`. */
function actionsOf(call: DynamoDbCall): string[] {
  const on = (action: string, table: unknown, index?: string) =>
    `dynamodb:${action} ${tableLabel(table)}${index === undefined ? '' : `/index/${index}`}`;
  const { body } = call;
  switch (call.operation) {
    // A transaction has no action of its own: each item is authorised as what it does.
    case 'TransactWriteItems':
      return (body.TransactItems as Item[]).flatMap((item) =>
        Object.entries(item).map(([kind, request]) =>
          on(kind === 'ConditionCheck' ? 'ConditionCheckItem' : `${kind}Item`, request?.TableName),
        ),
      );
    case 'TransactGetItems':
      return (body.TransactItems as Item[]).map((item) => on('GetItem', item.Get?.TableName));
    case 'BatchGetItem':
      return Object.keys(body.RequestItems as object).map((table) => on('GetItem', table));
    case 'BatchWriteItem':
      return Object.entries(body.RequestItems as Record<string, Item[]>).flatMap(
        ([table, requests]) =>
          requests.map((request) => on(request.PutRequest ? 'PutItem' : 'DeleteItem', table)),
      );
    default:
      return [on(call.operation, body.TableName, body.IndexName as string | undefined)];
  }
}

/** What the route table grants the route's function, in the same notation. */
function grantsOf(route: ApiRoute): string[] {
  const { actions, queriedIndexes = [] } = route.ordersTable;
  return [
    ...actions.map((action) => `${action} Orders`),
    ...queriedIndexes.map((index) => `dynamodb:Query Orders/index/${index}`),
    ...(route.idempotent ? idempotencyTableAccess.actions.map((a) => `${a} Idempotency`) : []),
  ];
}

/** Every action each route's requests needed, by function. */
const needed = new Map<string, Set<string>>();

/** Sends the request and puts the DynamoDB calls it made down to its route. */
async function send(method: 'GET' | 'POST', path: string, options: CallOptions) {
  const match = matchRoute(method, path);
  if (match.kind !== 'route') throw new Error(`no route for ${method} ${path}`);
  const first = proxy.calls.length;
  const response = await call(method, path, options);
  const actions = needed.get(match.route.functionId) ?? new Set();
  proxy.calls
    .slice(first)
    .flatMap(actionsOf)
    .forEach((action) => actions.add(action));
  needed.set(match.route.functionId, actions);
  return response;
}

/** Makes every Orders-table call fail (500, retried by the SDK, then 503 to the client). */
const failOrdersTable = () =>
  proxy.setOutage((c) =>
    c.tables.includes(process.env.ORDERS_TABLE_NAME ?? '') ? 'server-error' : undefined,
  );

const expectStatus = (response: ApiResponse, status: number) =>
  expect(response.status).toBe(status);

/** The paths of each route that call DynamoDB differently. */
const journeys: Record<string, (tenant: string) => Promise<void>> = {
  CreateOrderFunction: async (tenant) => {
    const key = aKey();
    const body = aCreateOrderRequest();
    expectStatus(await send('POST', '/orders', { tenant, idempotencyKey: key, body }), 201);
    expectStatus(await send('POST', '/orders', { tenant, idempotencyKey: key, body }), 201);
    const reused = { tenant, idempotencyKey: key, body: aCreateOrderRequest({ customerId: 'x' }) };
    expectStatus(await send('POST', '/orders', reused), 422);
    failOrdersTable();
    expectStatus(await send('POST', '/orders', { tenant, idempotencyKey: aKey(), body }), 503);
  },
  GetOrderFunction: async (tenant) => {
    const order = await anOrder(tenant);
    expectStatus(await send('GET', `/orders/${order.id}`, { tenant }), 200);
    expectStatus(await send('GET', `/orders/ord_${'0'.repeat(32)}`, { tenant }), 404);
  },
  CreatePaymentFunction: async (tenant) => {
    const [paid, declined] = [await anOrder(tenant), await anOrder(tenant)];
    const key = aKey();
    const payment = { tenant, idempotencyKey: key, body: aCreatePaymentRequest(paid) };
    expectStatus(await send('POST', '/payments', payment), 201);
    expectStatus(await send('POST', '/payments', payment), 201);
    const again = { tenant, idempotencyKey: aKey(), body: aCreatePaymentRequest(paid) };
    expectStatus(await send('POST', '/payments', again), 409);
    const declinedBody = aCreatePaymentRequest(declined, {
      paymentMethod: { type: 'card', token: 'tok_chargeDeclined' },
    });
    expectStatus(
      await send('POST', '/payments', { tenant, idempotencyKey: aKey(), body: declinedBody }),
      402,
    );
    failOrdersTable();
    const during = { tenant, idempotencyKey: aKey(), body: aCreatePaymentRequest(declined) };
    expectStatus(await send('POST', '/payments', during), 503);
  },
  GetPaymentFunction: async (tenant) => {
    const order = await anOrder(tenant);
    const paid = await call('POST', '/payments', {
      tenant,
      idempotencyKey: aKey(),
      body: aCreatePaymentRequest(order),
    });
    expectStatus(await send('GET', `/payments/${String(paid.body.id)}`, { tenant }), 200);
    expectStatus(await send('GET', `/payments/pay_${'0'.repeat(32)}`, { tenant }), 404);
  },
  ListOrderPaymentsFunction: async (tenant) => {
    const order = await anOrder(tenant);
    expectStatus(await send('GET', `/orders/${order.id}/payments`, { tenant }), 200);
    expectStatus(await send('GET', `/orders/ord_${'0'.repeat(32)}/payments`, { tenant }), 404);
  },
};

describe(sweeperFunction.functionId, () => {
  it('is granted every DynamoDB call it makes, and uses every Orders-table grant', async () => {
    const { processor, clock, advance } = aSandboxOnAManualClock();
    const dependencies = (by: PaymentProcessor, store: OrdersStore = sweeperTable.store) => ({
      store,
      processor: by,
      clock,
      clockSkewMarginMs: DEFAULT_CLOCK_SKEW_MARGIN_MS,
      recoverySafeAgeMs: HOUR,
    });
    /** An attempt on the sweeper's table whose process died at the charge. */
    const anAttemptThatDied = async (dying: (processor: PaymentProcessor) => PaymentProcessor) => {
      const { tenant, order } = await aPendingOrder(sweeperTable.store);
      await expect(
        createPayment(dependencies(dying(processor)), aPaymentCommand(tenant, order)),
      ).rejects.toThrow(ProcessDied);
    };
    const config = parseRecoveryConfig({
      ...process.env,
      DYNAMODB_ENDPOINT: proxy.endpoint,
      ORDERS_TABLE_NAME: sweeperTable.tableName,
    });
    const production = createRecoveryDependencies(config);
    const sweep = sweeperHandler({ ...production, ...dependencies(processor, production.store) });
    const first = proxy.calls.length;

    // Found young: charged under its own key and recorded.
    await anAttemptThatDied(dyingAfterTheCharge);
    advance(2 * MINUTE);
    await expect(sweep({})).resolves.toMatchObject({ recorded: 1 });
    // Found a day old, the processor knows nothing of it: flagged, then counted as waiting.
    await anAttemptThatDied(dyingBeforeTheCharge);
    advance(25 * HOUR);
    await expect(sweep({})).resolves.toMatchObject({ flagged: 1, awaitingReconciliation: 1 });
    // Found a day old after its charge: recorded by lookup.
    await anAttemptThatDied(dyingAfterTheCharge);
    advance(25 * HOUR);
    await expect(sweep({})).resolves.toMatchObject({ recorded: 1, awaitingReconciliation: 1 });

    const made = [...new Set(proxy.calls.slice(first).flatMap(actionsOf))].sort();
    const { actions, queriedIndexes = [] } = sweeperFunction.ordersTable;
    const granted = [
      ...actions.map((action) => `${action} Orders`),
      ...queriedIndexes.map((index) => `dynamodb:Query Orders/index/${index}`),
    ];
    expect(made.filter((action) => !granted.includes(action))).toEqual([]);
    expect(made).toEqual(expect.arrayContaining(granted));
  });
});

it('drives every route of the route table', () => {
  expect(Object.keys(journeys).sort()).toEqual(apiRoutes.map((r) => r.functionId).sort());
});

describe.each(apiRoutes.map((route) => [route.functionId, route] as const))(
  '%s',
  (functionId, route) => {
    it('is granted every DynamoDB call it makes, and uses every Orders-table grant', async () => {
      await journeys[functionId]?.(aTenant());

      const made = [...(needed.get(functionId) ?? [])].sort();
      const granted = grantsOf(route);
      expect(made.filter((action) => !granted.includes(action))).toEqual([]);
      expect(made.filter((action) => action.includes(' Orders'))).toEqual(
        granted.filter((action) => action.includes(' Orders')).sort(),
      );
    });
  },
);
