/**
 * What a request costs in DynamoDB calls, counted where the calls leave the process (a proxy in
 * front of the engine): the protocol must not get slower (issue 12). A round trip is a call made
 * while no other call of the request was in flight; calls made together count once.
 */
import { aCreateOrderRequest, aCreatePaymentRequest, aKey, aTenant } from '../../support/builders';
import { post } from '../support/api';
import { startDynamoDbFaultProxy, type DynamoDbFaultProxy } from '../support/dynamodb-fault-proxy';

let proxy: DynamoDbFaultProxy;

beforeAll(async () => {
  proxy = await startDynamoDbFaultProxy(process.env.DYNAMODB_ENDPOINT ?? '');
  // The handlers load lazily, on the first call: they will talk to the engine through the proxy.
  process.env.DYNAMODB_ENDPOINT = proxy.endpoint;
});
// Every call 50 ms late, so that calls made together are seen overlapping.
beforeEach(() => proxy.setOutage(() => 'slow'));
afterAll(() => proxy.close());

/** The calls `request` makes, and in how many round trips. */
async function costOf<T>(request: () => Promise<T>) {
  const before = proxy.calls.length;
  const answer = await request();
  const calls = proxy.calls.slice(before);
  return {
    answer,
    operations: calls.map((call) => call.operation),
    roundTrips: calls.filter((call) => call.inFlightAtArrival === 0).length,
  };
}

describe('DynamoDB calls per request', () => {
  it('POST /orders: 3 calls first, none for a replay this container has seen', async () => {
    const tenant = aTenant();
    const key = aKey();
    const send = () => post('/orders', aCreateOrderRequest(), { tenant, idempotencyKey: key });

    const first = await costOf(send);
    const replay = await costOf(send);

    expect(first.answer.status).toBe(201);
    expect(first.operations).toEqual(['PutItem', 'PutItem', 'UpdateItem']);
    expect(first.roundTrips).toBe(3);
    expect(replay.answer.headers['idempotent-replayed']).toBe('true');
    expect(replay.operations).toEqual([]);
  });

  it('POST /payments: at most 4 calls in 4 round trips first, none for a replay this container has seen', async () => {
    const tenant = aTenant();
    const order = (await post('/orders', aCreateOrderRequest(), { tenant, idempotencyKey: aKey() }))
      .body as { id: string; amount: number; currency: string };
    const key = aKey();
    const send = () =>
      post('/payments', aCreatePaymentRequest(order), { tenant, idempotencyKey: key });

    const first = await costOf(send);
    const replay = await costOf(send);

    expect(first.answer.status).toBe(201);
    expect(first.operations.length).toBeLessThanOrEqual(4);
    expect(first.roundTrips).toBeLessThanOrEqual(4);
    expect(replay.answer.headers['idempotent-replayed']).toBe('true');
    expect(replay.operations).toEqual([]);
  });
});
