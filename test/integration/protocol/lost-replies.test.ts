/**
 * DynamoDB applies a write and the reply is lost; the SDK sends the write again (issue 12,
 * hole 3). Every write of the protocol must recognise its own earlier success and carry on:
 * here the reply of the n-th write of an operation is lost, for every n the operation reaches.
 */
import { createOrder } from '../../../lambda/domain/create-order';
import { createPayment } from '../../../lambda/domain/create-payment';
import { PAYMENT_LEASE_SECONDS } from '../../../lambda/domain/payment';
import { aKey, aTenant } from '../../support/builders';
import {
  startDynamoDbFaultProxy,
  type DynamoDbCall,
  type DynamoDbFaultProxy,
} from '../support/dynamodb-fault-proxy';
import {
  aProcessor,
  aPaymentCommand,
  aPendingOrder,
  anOrdersStore,
  Crash,
  crashingAt,
  dependencies,
  leaseOf,
} from '../support/domain';

let proxy: DynamoDbFaultProxy;
beforeAll(async () => {
  proxy = await startDynamoDbFaultProxy(process.env.DYNAMODB_ENDPOINT ?? '');
});
afterEach(() => {
  proxy.heal();
  proxy.forgetClientRequestTokens(false);
});
afterAll(() => proxy.close());

const store = anOrdersStore();
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'TransactWriteItems']);
const ORDINALS = [1, 2, 3, 4, 5, 6];

/** From now on, the reply to the `ordinal`-th write (1-based) is lost; reports whether it was. */
function loseReplyOfWrite(ordinal: number): { readonly struck: () => boolean } {
  let writes = 0;
  proxy.setOutage((call: DynamoDbCall) =>
    WRITES.has(call.operation) && ++writes === ordinal ? 'lose-reply' : undefined,
  );
  return { struck: () => writes >= ordinal };
}

describe('a lost reply to the order insert', () => {
  it('still answers the first execution as a creation, not as an existing order', async () => {
    const throughProxy = anOrdersStore(proxy.endpoint);
    const lost = loseReplyOfWrite(1);

    const created = await createOrder(
      throughProxy,
      {
        tenant: aTenant(),
        idempotencyKey: aKey('order'),
        fingerprint: 'order-fingerprint',
        draft: {
          customerId: 'cus_1',
          currency: 'USD',
          items: [{ sku: 'A', quantity: 1, unitAmount: 100 }],
        },
      },
      new Date(),
    );

    expect(lost.struck()).toBe(true);
    expect(created.existed).toBe(false);
  });
});

/**
 * DynamoDB answers a repeated transaction from its first commit when both carry the same
 * ClientRequestToken, as the SDK's own retries do; a repeat with another token, or after the
 * token's 10-minute window, is a new transaction. Both cases, for every transaction.
 */
describe.each([
  ['the SDK repeats the transaction with its ClientRequestToken', false],
  ['the repeat is a new transaction', true],
])('when %s', (_, forgetTokens) => {
  beforeEach(() => proxy.forgetClientRequestTokens(forgetTokens));

  describe('a lost reply to a write of a first payment', () => {
    it.each(ORDINALS)(
      'write %i: one charge, the payment created, the order paid, no lease',
      async (n) => {
        const processor = aProcessor();
        const { tenant, order } = await aPendingOrder(store);
        const command = aPaymentCommand(tenant, order);
        loseReplyOfWrite(n);

        const created = await createPayment(
          dependencies(anOrdersStore(proxy.endpoint), processor, Date.now()),
          command,
        );

        expect(created.existed).toBe(false);
        expect(created.resource).toMatchObject({ orderId: order.id, status: 'SUCCEEDED' });
        expect(processor.chargesMade).toBe(1);
        expect(await store.getOrder(tenant, order.id)).toMatchObject({
          status: 'PAID',
          paymentId: created.resource.id,
        });
        expect(await leaseOf(tenant, order.id)).toBeUndefined();
      },
    );
  });

  describe('a lost reply to a write of a payment that finds an abandoned attempt', () => {
    it.each(ORDINALS)(
      'write %i: the abandoned attempt is finished with its own charge, and the order is not blocked',
      async (n) => {
        const processor = aProcessor();
        const { tenant, order } = await aPendingOrder(store);
        const t0 = Date.now();
        const crashed = aPaymentCommand(tenant, order, 'tok_visa');
        await expect(
          createPayment(dependencies(crashingAt(store, 'recordPayment'), processor, t0), crashed),
        ).rejects.toBeInstanceOf(Crash);
        loseReplyOfWrite(n);

        const outcome = await createPayment(
          dependencies(
            anOrdersStore(proxy.endpoint),
            processor,
            t0 + 10 * PAYMENT_LEASE_SECONDS * 1000,
          ),
          aPaymentCommand(tenant, order, 'tok_visa'),
        ).then(
          () => 'created',
          (error: Error) => error.name,
        );

        expect(outcome).toBe('OrderAlreadyPaid');
        expect(processor.chargesMade).toBe(1);
        expect(await store.getOrder(tenant, order.id)).toMatchObject({ status: 'PAID' });
        expect(await leaseOf(tenant, order.id)).toBeUndefined();
      },
    );
  });
});
