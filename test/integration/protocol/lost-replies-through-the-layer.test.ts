/**
 * Lost replies through the whole POST, the idempotency layer included (issue 12, hole 3): the
 * engine applies the n-th write of the request and its reply never comes back, so the SDK sends
 * the write again. Whichever write it is (the idempotency record's lock, the order's insert, the
 * claim, the payment's record, the stored response), the one request still gets its own first
 * answer, not a conflict and not a replay, and that answer is what the key replays afterwards.
 * `./lost-replies.test.ts` does the same for the Orders-table writes alone, below the layer.
 */
import { aCreateOrderRequest, aCreatePaymentRequest, aKey, aTenant } from '../../support/builders';
import type { ApiResponse } from '../support/api';
import { buildTestApplication, type TestApplication } from '../support/application';
import {
  startDynamoDbFaultProxy,
  type DynamoDbCall,
  type DynamoDbFaultProxy,
} from '../support/dynamodb-fault-proxy';
import { expectReplayOf, paymentsOf } from '../support/fixtures';
import { idOf, invokePost } from '../support/invoke';

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'TransactWriteItems']);

let proxy: DynamoDbFaultProxy;
/** The instance whose replies get lost: its DynamoDB client talks to the engine through the proxy. */
let instance: TestApplication;
/**
 * Another instance, on the engine itself and without a cache of its own: what it answers for a
 * key is what the idempotency store holds.
 */
let another: TestApplication;
beforeAll(async () => {
  proxy = await startDynamoDbFaultProxy(process.env.DYNAMODB_ENDPOINT ?? '');
  instance = buildTestApplication({ env: { DYNAMODB_ENDPOINT: proxy.endpoint } });
  another = buildTestApplication({ env: { IDEMPOTENCY_LOCAL_CACHE_SIZE: '0' } });
});
afterEach(() => proxy.heal());
afterAll(() => proxy.close());

/** From now on, the reply to the `ordinal`-th write (1-based) is lost; tells which call it was. */
function loseReplyOfWrite(ordinal: number): { readonly struck: () => DynamoDbCall | undefined } {
  let writes = 0;
  let struck: DynamoDbCall | undefined;
  proxy.setOutage((call) => {
    if (!WRITES.has(call.operation) || ++writes !== ordinal) return undefined;
    struck = call;
    return 'lose-reply';
  });
  return { struck: () => struck };
}

/** What `request` answers, and the writes it sent (repeats by the SDK included). */
async function writesOf(request: () => Promise<ApiResponse>) {
  const before = proxy.calls.length;
  const answer = await request();
  const writes = proxy.calls.slice(before).filter((call) => WRITES.has(call.operation));
  return { answer, writes: writes.map((call) => call.operation) };
}

describe('POST /orders with the reply of one write lost', () => {
  // A first POST /orders writes 3 times: the record's lock, the order, the stored response.
  it.each([1, 2, 3])(
    'write %i: 201 as a first answer, the order created, and that answer is what the key replays',
    async (n) => {
      const tenant = aTenant();
      const key = aKey();
      const options = { tenant, idempotencyKey: key };
      const lost = loseReplyOfWrite(n);

      const { answer: first, writes } = await writesOf(() =>
        invokePost('/orders', aCreateOrderRequest(), { ...options, application: instance }),
      );
      proxy.heal();
      const replay = await invokePost('/orders', aCreateOrderRequest(), {
        ...options,
        application: another,
      });

      expect(lost.struck()).toBeDefined();
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({ id: idOf('ord', tenant, key) });
      expect(writes).toHaveLength(4);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      expectReplayOf(replay, first);
    },
  );
});

describe('POST /payments with the reply of one write lost', () => {
  // A first POST /payments writes 4 times: the lock, the claim, the payment, the stored response.
  it.each([1, 2, 3, 4])(
    'write %i: 201 as a first answer, one charge, the order paid by it, and that answer is what the key replays',
    async (n) => {
      const tenant = aTenant();
      const order = (
        await invokePost('/orders', aCreateOrderRequest(), {
          tenant,
          idempotencyKey: aKey('order'),
          application: another,
        })
      ).body as { id: string; amount: number; currency: string };
      const key = aKey();
      const options = { tenant, idempotencyKey: key };
      const paymentId = idOf('pay', tenant, key);
      const lost = loseReplyOfWrite(n);

      const { answer: first, writes } = await writesOf(() =>
        invokePost('/payments', aCreatePaymentRequest(order), {
          ...options,
          application: instance,
        }),
      );
      proxy.heal();
      const replay = await invokePost('/payments', aCreatePaymentRequest(order), {
        ...options,
        application: another,
      });

      expect(lost.struck()).toBeDefined();
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({ id: paymentId, status: 'SUCCEEDED' });
      expect(writes).toHaveLength(5);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      expect(instance.processor.chargesWithKey(paymentId)).toBe(1);
      expect((await paymentsOf(tenant, order.id)).map((payment) => payment.id)).toEqual([
        paymentId,
      ]);
      expectReplayOf(replay, first);
    },
  );
});
