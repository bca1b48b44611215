import {
  ConditionalCheckFailedException,
  IdempotentParameterMismatchException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
  paginateQuery,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { PaymentLeaseLost } from '../domain/errors';
import { isResourceId } from '../domain/ids';
import type { Order } from '../domain/order';
import type { ClaimRefusal, Fingerprinted, InsertOutcome, OrdersStore } from '../domain/ports';
import type { Payment } from '../domain/payment';
import { ordersTableSchema } from './table-schema';

const { paymentsByOrderIndex } = ordersTableSchema;

// Tenants are opaque strings (an IAM principal, or any local header value): encoding them
// keeps a '#' in one from forging another tenant's key.
const tenantPrefix = (tenant: string) => `TENANT#${encodeURIComponent(tenant)}`;
const orderKey = (tenant: string, orderId: string) => ({
  pk: `${tenantPrefix(tenant)}#ORDER#${orderId}`,
  sk: 'ORDER',
});
const paymentKey = (tenant: string, paymentId: string) => ({
  pk: `${tenantPrefix(tenant)}#PAYMENT#${paymentId}`,
  sk: 'PAYMENT',
});

type Item = Record<string, unknown>;

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
 * Orders and payments in one DynamoDB table. An order item carries the lease that claims it
 * for one payment attempt (`leaseId` = the payment id, `leaseExpiresAt` in epoch ms); payment
 * items are indexed by order for listing.
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
    orderId: string,
    paymentId: string,
    leaseExpiresAt: number,
    now: number,
  ): Promise<ClaimRefusal | undefined> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: orderKey(tenant, orderId),
          UpdateExpression: 'SET leaseId = :payment, leaseExpiresAt = :until',
          ConditionExpression:
            'attribute_exists(pk) AND #status = :pending AND ' +
            '(attribute_not_exists(leaseId) OR leaseId = :payment OR leaseExpiresAt < :now)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':payment': paymentId,
            ':until': leaseExpiresAt,
            ':now': now,
            ':pending': 'PENDING',
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return undefined;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const order = conditionFailureItem(error);
      if (!order) return 'not_found';
      return order.status === 'PAID' ? 'paid' : 'claimed_by_another_attempt';
    }
  }

  async recordPayment(tenant: string, payment: Payment, fingerprint: string): Promise<Payment> {
    const succeeded = payment.status === 'SUCCEEDED';
    const order = orderKey(tenant, payment.orderId);
    try {
      await this.client.send(
        new TransactWriteCommand({
          // Makes an SDK-level retry of this exact write a no-op instead of a conflict.
          ClientRequestToken: payment.id,
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...paymentKey(tenant, payment.id),
                  [paymentsByOrderIndex.partitionKey]: order.pk,
                  [paymentsByOrderIndex.sortKey]: `${payment.createdAt}#${payment.id}`,
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
                  ? 'SET #status = :paid, paymentId = :payment REMOVE leaseId, leaseExpiresAt'
                  : 'REMOVE leaseId, leaseExpiresAt',
                ConditionExpression: succeeded
                  ? 'leaseId = :payment AND #status = :pending'
                  : 'leaseId = :payment',
                ExpressionAttributeNames: succeeded ? { '#status': 'status' } : undefined,
                ExpressionAttributeValues: succeeded
                  ? { ':payment': payment.id, ':paid': 'PAID', ':pending': 'PENDING' }
                  : { ':payment': payment.id },
              },
            },
          ],
        }),
      );
      return payment;
    } catch (error) {
      if (!isWriteConflict(error)) throw error;
      // Either this write had already committed (the payment exists: return it as stored),
      // or the attempt lost its lease and must not record anything.
      const stored = await this.getPayment(tenant, payment.id);
      if (stored) return stored.resource;
      throw new PaymentLeaseLost(payment.id);
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

function isWriteConflict(error: unknown): boolean {
  return (
    (error instanceof TransactionCanceledException &&
      (error.CancellationReasons ?? []).some(
        (reason) => reason.Code === 'ConditionalCheckFailed',
      )) ||
    error instanceof IdempotentParameterMismatchException
  );
}
