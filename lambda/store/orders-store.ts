import {
  ConditionalCheckFailedException,
  TransactionCanceledException,
  TransactionConflictException,
  TransactionInProgressException,
} from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
  paginateQuery,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { PaymentLeaseLost } from '../domain/errors';
import { isResourceId } from '../domain/ids';
import type { Order } from '../domain/order';
import type {
  ClaimOutcome,
  Fingerprinted,
  InsertOutcome,
  OrdersStore,
  PaymentAttempt,
} from '../domain/ports';
import type { Payment } from '../domain/payment';
import { orderKey, paymentKey, paymentsByOrderKey, reservationKey } from './keys';
import { ordersTableSchema } from './table-schema';

const { paymentsByOrderIndex } = ordersTableSchema;

type Item = Record<string, unknown>;

/** The order's `lease` attribute: the attempt that holds the order, until `expiresAt` (epoch ms). */
interface Lease extends PaymentAttempt {
  readonly expiresAt: number;
}

const MAX_RECORD_ATTEMPTS = 3;

function toOrder(item: Item): Order {
  const { id, status, customerId, currency, amount, items, createdAt, paymentId } =
    item as unknown as Order;
  return {
    id,
    status,
    customerId,
    currency,
    amount,
    // DynamoDB maps do not keep key order: rebuild items so a read serialises like the create.
    items: items.map(({ sku, quantity, unitAmount }) => ({ sku, quantity, unitAmount })),
    createdAt,
    ...(paymentId && { paymentId }),
  };
}

function toPayment(item: Item): Payment {
  const { id, orderId, amount, currency, status, createdAt, declineCode } =
    item as unknown as Payment;
  return { id, orderId, amount, currency, status, createdAt, ...(declineCode && { declineCode }) };
}

const withFingerprint = <T>(resource: T, item: Item): Fingerprinted<T> => ({
  resource,
  fingerprint: String(item.fingerprint),
});

/**
 * Orders and payments in one DynamoDB table. An order item carries the `lease` that claims it
 * for one payment attempt, with what is needed to finish that attempt; payment items are
 * indexed by order for listing.
 */
export class DynamoDbOrdersStore implements OrdersStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async insertOrder(
    tenant: string,
    order: Order,
    fingerprint: string,
  ): Promise<InsertOutcome<Order>> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...orderKey(tenant, order.id), ...order, fingerprint },
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { inserted: true };
    } catch (error) {
      const existing = conditionFailureItem(error);
      if (!existing) throw error;
      return { inserted: false, existing: withFingerprint(toOrder(existing), existing) };
    }
  }

  async getOrder(tenant: string, orderId: string): Promise<Order | undefined> {
    if (!isResourceId('ord', orderId)) return undefined;
    const item = await this.get(orderKey(tenant, orderId));
    return item && toOrder(item);
  }

  async getPayment(tenant: string, paymentId: string): Promise<Fingerprinted<Payment> | undefined> {
    if (!isResourceId('pay', paymentId)) return undefined;
    const item = await this.get(paymentKey(tenant, paymentId));
    return item && withFingerprint(toPayment(item), item);
  }

  async reservePaymentId(tenant: string, paymentId: string, fingerprint: string): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...reservationKey(tenant, paymentId), fingerprint },
          ConditionExpression: 'attribute_not_exists(pk) OR fingerprint = :fingerprint',
          ExpressionAttributeValues: { ':fingerprint': fingerprint },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async listPayments(tenant: string, orderId: string): Promise<Payment[]> {
    const payments: Payment[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        IndexName: paymentsByOrderIndex.indexName,
        KeyConditionExpression: '#order = :order',
        ExpressionAttributeNames: { '#order': paymentsByOrderIndex.partitionKey },
        ExpressionAttributeValues: { ':order': orderKey(tenant, orderId).pk },
        ScanIndexForward: true,
      },
    );
    for await (const page of pages) payments.push(...(page.Items ?? []).map(toPayment));
    return payments;
  }

  async claimOrder(
    tenant: string,
    attempt: PaymentAttempt,
    leaseExpiresAt: number,
    now: number,
  ): Promise<ClaimOutcome> {
    const lease: Lease = { ...attempt, expiresAt: leaseExpiresAt };
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: orderKey(tenant, attempt.draft.orderId),
          UpdateExpression: 'SET #lease = :lease',
          // The lease of this very request (same payment id, same fingerprint) is renewed; the
          // same key with another body must not take over an attempt that may have charged.
          ConditionExpression:
            'attribute_exists(pk) AND #status = :pending AND (attribute_not_exists(#lease) OR ' +
            '(#lease.paymentId = :payment AND #lease.fingerprint = :fingerprint))',
          ExpressionAttributeNames: { '#lease': 'lease', '#status': 'status' },
          ExpressionAttributeValues: {
            ':lease': lease,
            ':payment': attempt.paymentId,
            ':fingerprint': attempt.fingerprint,
            ':pending': 'PENDING',
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { kind: 'claimed' };
    } catch (error) {
      // Another write to the order (a payment being recorded) is in flight: it is busy.
      if (error instanceof TransactionConflictException)
        return { kind: 'claimed_by_another_attempt' };
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const order = conditionFailureItem(error);
      if (!order) return { kind: 'not_found' };
      if (order.status === 'PAID') return { kind: 'paid' };
      const held = order.lease as Lease;
      if (held.paymentId === attempt.paymentId) return { kind: 'held_for_another_request' };
      if (held.expiresAt >= now) return { kind: 'claimed_by_another_attempt' };
      return this.renewAbandonedLease(tenant, held, leaseExpiresAt);
    }
  }

  /** Extends an expired lease for the attempt that held it, unless another caller got there first. */
  private async renewAbandonedLease(
    tenant: string,
    held: Lease,
    leaseExpiresAt: number,
  ): Promise<ClaimOutcome> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: orderKey(tenant, held.draft.orderId),
          UpdateExpression: 'SET #lease.expiresAt = :until',
          ConditionExpression:
            '#status = :pending AND #lease.paymentId = :payment AND #lease.expiresAt = :expired',
          ExpressionAttributeNames: { '#lease': 'lease', '#status': 'status' },
          ExpressionAttributeValues: {
            ':until': leaseExpiresAt,
            ':payment': held.paymentId,
            ':expired': held.expiresAt,
            ':pending': 'PENDING',
          },
        }),
      );
      const { paymentId, fingerprint, draft } = held;
      return { kind: 'abandoned', attempt: { paymentId, fingerprint, draft } };
    } catch (error) {
      if (
        error instanceof ConditionalCheckFailedException ||
        error instanceof TransactionConflictException
      ) {
        return { kind: 'claimed_by_another_attempt' };
      }
      throw error;
    }
  }

  async recordPayment(tenant: string, payment: Payment, fingerprint: string): Promise<Payment> {
    const succeeded = payment.status === 'SUCCEEDED';
    const order = orderKey(tenant, payment.orderId);
    // No ClientRequestToken of our own: the SDK fills one in on every `send` (the field's
    // idempotencyToken trait) and keeps it across its own retries, so a retry after a lost
    // reply is answered from the committed transaction instead of failing its conditions
    // (test/integration/faults/outages.test.ts). A retry of ours, after a conflict
    // cancelled the transaction, is a new transaction and rightly gets a new token. A fixed
    // token (the payment id) would be wrong: whoever finishes an abandoned attempt records it
    // with another timestamp, which DynamoDB refuses as IdempotentParameterMismatch.
    const input: TransactWriteCommandInput = {
      TransactItems: [
        {
          Put: {
            TableName: this.tableName,
            Item: {
              ...paymentKey(tenant, payment.id),
              ...paymentsByOrderKey(tenant, payment),
              ...payment,
              fingerprint,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Update: {
            TableName: this.tableName,
            Key: order,
            UpdateExpression: succeeded
              ? 'SET #status = :paid, paymentId = :payment REMOVE #lease'
              : 'REMOVE #lease',
            ConditionExpression: succeeded
              ? '#lease.paymentId = :payment AND #status = :pending'
              : '#lease.paymentId = :payment',
            ExpressionAttributeNames: {
              '#lease': 'lease',
              ...(succeeded && { '#status': 'status' }),
            },
            ExpressionAttributeValues: {
              ':payment': payment.id,
              ...(succeeded && { ':paid': 'PAID', ':pending': 'PENDING' }),
            },
          },
        },
      ],
    };
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(new TransactWriteCommand(input));
        return payment;
      } catch (error) {
        // A concurrent claim touched the order mid-transaction: the charge is made, so retry
        // the recording rather than failing after the money moved.
        if (isTransactionConflict(error) && attempt < MAX_RECORD_ATTEMPTS) {
          await new Promise((resolve) => setTimeout(resolve, 25 * attempt));
          continue;
        }
        if (!isConditionFailure(error)) throw error;
        // Either the payment was already recorded (return it as stored), or the attempt lost
        // its lease and must not record anything.
        const stored = await this.getPayment(tenant, payment.id);
        if (stored) return stored.resource;
        throw new PaymentLeaseLost(payment.id);
      }
    }
  }

  private async get(key: Item): Promise<Item | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    return Item;
  }
}

/** The item a failed condition check returned (`ReturnValuesOnConditionCheckFailure`). */
function conditionFailureItem(error: unknown): Item | undefined {
  if (!(error instanceof ConditionalCheckFailedException)) return undefined;
  return error.Item && unmarshall(error.Item);
}

function cancellationCodes(error: unknown): string[] {
  if (!(error instanceof TransactionCanceledException)) return [];
  return (error.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None');
}

function isConditionFailure(error: unknown): boolean {
  return cancellationCodes(error).includes('ConditionalCheckFailed');
}

function isTransactionConflict(error: unknown): boolean {
  return (
    error instanceof TransactionInProgressException ||
    (cancellationCodes(error).includes('TransactionConflict') && !isConditionFailure(error))
  );
}
