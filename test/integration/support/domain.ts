/**
 * The payment protocol driven through its domain functions, on the real store and engine: each
 * test composes the dependencies it needs (a store that stops an attempt at a chosen call, a
 * store whose write fails like a crash, a clock set where the test wants it), and races attempts
 * deterministically by awaiting the gates, never by sleeping.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { createOrder } from '../../../lambda/domain/create-order';
import type {
  CreatePaymentCommand,
  PaymentDependencies,
} from '../../../lambda/domain/create-payment';
import type { Order } from '../../../lambda/domain/order';
import { DEFAULT_CLOCK_SKEW_MARGIN_MS, type PaymentDraft } from '../../../lambda/domain/payment';
import type { OrdersStore } from '../../../lambda/domain/ports';
import { DEFAULT_RECOVERY_SAFE_AGE_MS } from '../../../lambda/domain/recovery';
import { dynamoDbClientConfig } from '../../../lambda/app/dependencies';
import { orderKey } from '../../../lambda/store/keys';
import { DynamoDbOrdersStore } from '../../../lambda/store/orders-store';
import { aKey, aTenant } from '../../support/builders';
import { ObservedProcessor } from './observed-processor';
import { SandboxPaymentProcessor } from '../../../lambda/adapters/sandbox-payment-processor';
import type { PaymentProcessor } from '../../../lambda/domain/payment-processor';

const ordersTable = () => process.env.ORDERS_TABLE_NAME ?? '';

/** A document client with the functions' settings (timeouts, retries) on `endpoint`. */
export function aDocumentClient(endpoint = process.env.DYNAMODB_ENDPOINT): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient({ ...dynamoDbClientConfig, endpoint }), {
    marshallOptions: { removeUndefinedValues: true },
  });
}

/** The real store, on the test run's Orders table, through `endpoint` (a fault proxy, say). */
export function anOrdersStore(endpoint = process.env.DYNAMODB_ENDPOINT): DynamoDbOrdersStore {
  return new DynamoDbOrdersStore(aDocumentClient(endpoint), ordersTable());
}

/** The sandbox processor, observed: `chargesMade` counts the keys it charged. */
export const aProcessor = () => new ObservedProcessor(new SandboxPaymentProcessor());

/** A clock that always reads `epochMs`. */
export const clockAt = (epochMs: number) => () => new Date(epochMs);

/** A new tenant with a PENDING order of 2,500 USD. */
export async function aPendingOrder(store: OrdersStore): Promise<{ tenant: string; order: Order }> {
  const tenant = aTenant();
  const { resource: order } = await createOrder(
    store,
    {
      tenant,
      idempotencyKey: aKey('order'),
      fingerprint: `order-${randomUUID()}`,
      draft: {
        customerId: 'cus_1',
        currency: 'USD',
        items: [{ sku: 'A', quantity: 1, unitAmount: 2500 }],
      },
    },
    new Date(),
  );
  return { tenant, order };
}

/** A payment command for `order` with a fresh key, paid with `token`. */
export function aPaymentCommand(
  tenant: string,
  order: Order,
  token = 'tok_visa',
): CreatePaymentCommand {
  const draft: PaymentDraft = {
    orderId: order.id,
    amount: order.amount,
    currency: order.currency,
    paymentMethod: { type: 'card', token },
  };
  return { tenant, idempotencyKey: aKey('pay'), fingerprint: `payment-${randomUUID()}`, draft };
}

/**
 * Dependencies of one payment attempt: the shared processor, this attempt's store, and its
 * clock reading `nowMs`, with the default margin for clock skew.
 */
export function dependencies(
  store: OrdersStore,
  processor: PaymentProcessor,
  nowMs: number,
): PaymentDependencies {
  return {
    store,
    processor,
    clock: clockAt(nowMs),
    clockSkewMarginMs: DEFAULT_CLOCK_SKEW_MARGIN_MS,
    recoverySafeAgeMs: DEFAULT_RECOVERY_SAFE_AGE_MS,
  };
}

type Method = {
  [K in keyof OrdersStore]: OrdersStore[K] extends (...args: never[]) => unknown ? K : never;
}[keyof OrdersStore];

/**
 * The store, except that the first call of `method` waits until `release()`; `reached` resolves
 * when the call gets there. A decorator: the real store is untouched.
 */
export function pausingAt(store: OrdersStore, method: Method) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let arrive!: () => void;
  const reached = new Promise<void>((resolve) => (arrive = resolve));
  let paused = false;
  const decorated = decorate(store, method, async (call) => {
    if (!paused) {
      paused = true;
      arrive();
      await released;
    }
    return call();
  });
  return { store: decorated, reached, release };
}

/** An attempt's process died at `method`: the call never reaches the store, the attempt stops. */
export class Crash extends Error {
  override readonly name = 'Crash';
}

/** The store, except that every call of `method` crashes the attempt instead of running. */
export function crashingAt(store: OrdersStore, method: Method): OrdersStore {
  return decorate(store, method, () => Promise.reject(new Crash(`crashed at ${method}`)));
}

function decorate(
  store: OrdersStore,
  method: Method,
  around: (call: () => Promise<unknown>) => Promise<unknown>,
): OrdersStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      const bound = (value as (...args: unknown[]) => unknown).bind(target);
      return property === method
        ? (...args: unknown[]) => around(() => Promise.resolve(bound(...args)))
        : bound;
    },
  });
}

/** The order's lease as stored, if any: what no settled order may keep. */
export async function leaseOf(
  tenant: string,
  orderId: string,
  tableName = ordersTable(),
): Promise<unknown> {
  const client = aDocumentClient();
  try {
    const { Item } = await client.send(
      new GetCommand({
        TableName: tableName,
        Key: orderKey(tenant, orderId),
        ConsistentRead: true,
      }),
    );
    return Item?.lease;
  } finally {
    client.destroy();
  }
}
