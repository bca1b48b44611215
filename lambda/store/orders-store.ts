import { randomUUID } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  TransactionCanceledException,
  TransactionInProgressException,
  type CancellationReason,
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
  HeldLease,
  InsertOutcome,
  Lease,
  LeaseRenewal,
  OrdersStore,
  PaymentAttempt,
} from '../domain/ports';
import { paymentOf, type Payment } from '../domain/payment';
import {
  LEASE_QUEUES,
  leaseQueue,
  orderKey,
  paymentKey,
  paymentsByOrderKey,
  RECONCILIATION_QUEUE,
  reservationKey,
  tenantOfOrderKey,
} from './keys';
import { ordersTableSchema } from './table-schema';

const { paymentsByOrderIndex, leasesByExpiryIndex } = ordersTableSchema;

/** The attributes that put a leased order in its queue of the leases-by-expiry index. */
const leaseIndexNames = {
  '#queue': leasesByExpiryIndex.partitionKey,
  '#due': leasesByExpiryIndex.sortKey,
};

type Item = Record<string, unknown>;

/**
 * The order's `lease` attribute: the attempt that holds the order, until `expiresAt` (epoch
 * ms), and the token of the write that last set it.
 */
interface StoredLease extends Lease {
  readonly token: string;
}

/**
 * Every conditional write carries a token of its own, stored with what it writes. When DynamoDB
 * applies a write and its reply is lost, the SDK sends the same write again, which then fails
 * its condition against its own result: finding its token there, it knows it had succeeded.
 */
const aWriteToken = (): string => randomUUID();

const MAX_RECORD_ATTEMPTS = 3;

// Each item is rebuilt member by member, in the order the create wrote them: a read then
// serialises like the create, and storage attributes (keys, fingerprint, lease) stay behind.

function toOrder(item: Item): Order {
  const stored = item as unknown as Order;
  const { id, customerId, currency, amount, createdAt } = stored;
  // DynamoDB maps do not keep key order: rebuild items too.
  const items = stored.items.map(({ sku, quantity, unitAmount }) => ({
    sku,
    quantity,
    unitAmount,
  }));
  return stored.status === 'PAID'
    ? {
        id,
        status: 'PAID',
        customerId,
        currency,
        amount,
        items,
        createdAt,
        paymentId: stored.paymentId,
      }
    : { id, status: 'PENDING', customerId, currency, amount, items, createdAt };
}

function toPayment(item: Item): Payment {
  const stored = item as unknown as Payment;
  return paymentOf(
    stored,
    stored.status === 'SUCCEEDED'
      ? { outcome: 'succeeded' }
      : { outcome: 'declined', declineCode: stored.declineCode },
  );
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
    const writeToken = aWriteToken();
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...orderKey(tenant, order.id), ...order, fingerprint, writeToken },
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { inserted: true };
    } catch (error) {
      const existing = conditionFailureItem(error);
      if (!existing) throw error;
      if (existing.writeToken === writeToken) return { inserted: true };
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
    attempt: PaymentAttempt,
    leaseExpiresAt: number,
  ): Promise<ClaimOutcome> {
    const { paymentId, fingerprint, draft } = attempt;
    if (!isResourceId('ord', draft.orderId)) return { kind: 'order_not_found' };
    const lease: StoredLease = { ...attempt, expiresAt: leaseExpiresAt, token: aWriteToken() };
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              // The id names no payment yet: a recorded attempt is never claimed again.
              ConditionCheck: {
                TableName: this.tableName,
                Key: paymentKey(tenant, paymentId),
                ConditionExpression: 'attribute_not_exists(pk)',
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
            {
              // The id is this request's, before anything is charged under it.
              Put: {
                TableName: this.tableName,
                Item: { ...reservationKey(tenant, paymentId), fingerprint },
                ConditionExpression: 'attribute_not_exists(pk) OR fingerprint = :fingerprint',
                ExpressionAttributeValues: { ':fingerprint': fingerprint },
              },
            },
            {
              Update: {
                TableName: this.tableName,
                Key: orderKey(tenant, draft.orderId),
                // The order joins its lease queue of the leases-by-expiry index, due at the
                // lease's expiry: how the sweeper finds it if the attempt dies.
                UpdateExpression: 'SET #lease = :lease, #queue = :queue, #due = :until',
                ConditionExpression:
                  'attribute_exists(pk) AND #status = :pending AND #amount = :amount AND ' +
                  '#currency = :currency AND attribute_not_exists(#lease)',
                ExpressionAttributeNames: {
                  '#lease': 'lease',
                  '#status': 'status',
                  '#amount': 'amount',
                  '#currency': 'currency',
                  ...leaseIndexNames,
                },
                ExpressionAttributeValues: {
                  ':lease': lease,
                  ':queue': leaseQueue(draft.orderId),
                  ':until': leaseExpiresAt,
                  ':pending': 'PENDING',
                  ':amount': draft.amount,
                  ':currency': draft.currency,
                },
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
          ],
        }),
      );
      return { kind: 'claimed' };
    } catch (error) {
      const [payment, reservation, order] = cancellationReasons(error);
      if (!payment || !reservation || !order) {
        if (error instanceof TransactionInProgressException) return { kind: 'busy' };
        throw error;
      }
      if (payment.Code === 'ConditionalCheckFailed') {
        const item = reasonItem(payment);
        if (item)
          return { kind: 'payment_exists', payment: withFingerprint(toPayment(item), item) };
      }
      if (reservation.Code === 'ConditionalCheckFailed') return { kind: 'payment_id_taken' };
      if (order.Code === 'ConditionalCheckFailed') {
        const item = reasonItem(order);
        if (!item) return { kind: 'order_not_found' };
        const held = item.lease as StoredLease | undefined;
        // This very claim, applied once already: the SDK sent it again after losing the reply.
        if (held?.token === lease.token) return { kind: 'claimed' };
        return {
          kind: 'order_refused',
          order: toOrder(item),
          ...(held && { lease: toLease(held) }),
        };
      }
      if (isTransactionConflict(error)) return { kind: 'busy' };
      throw error;
    }
  }

  async renewLease(tenant: string, lease: Lease, leaseExpiresAt: number): Promise<LeaseRenewal> {
    const token = aWriteToken();
    const order = orderKey(tenant, lease.draft.orderId);
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              // A lease whose attempt was recorded is stale: it must not be finished again.
              ConditionCheck: {
                TableName: this.tableName,
                Key: paymentKey(tenant, lease.paymentId),
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              // The expiry found is the lease's version: whoever changes it first wins.
              Update: {
                TableName: this.tableName,
                Key: order,
                UpdateExpression:
                  'SET #lease.expiresAt = :until, #lease.#token = :token, #queue = :queue, ' +
                  '#due = :until',
                // A flagged lease waits for an operator: nothing settles it again meanwhile.
                ConditionExpression:
                  '#status = :pending AND #lease.paymentId = :payment AND ' +
                  '#lease.expiresAt = :found AND attribute_not_exists(#lease.flaggedAt)',
                ExpressionAttributeNames: {
                  '#lease': 'lease',
                  '#status': 'status',
                  '#token': 'token',
                  ...leaseIndexNames,
                },
                ExpressionAttributeValues: {
                  ':queue': leaseQueue(lease.draft.orderId),
                  ':until': leaseExpiresAt,
                  ':token': token,
                  ':payment': lease.paymentId,
                  ':found': lease.expiresAt,
                  ':pending': 'PENDING',
                },
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
          ],
        }),
      );
      return { kind: 'renewed' };
    } catch (error) {
      const [payment, renewal] = cancellationReasons(error);
      if (payment?.Code === 'ConditionalCheckFailed') {
        await this.removeStaleLease(tenant, lease.draft.orderId, lease.paymentId);
        return { kind: 'recorded' };
      }
      if (renewal?.Code === 'ConditionalCheckFailed') {
        const held = reasonItem(renewal)?.lease as StoredLease | undefined;
        // This very renewal, applied once already and sent again after its reply was lost.
        return { kind: held?.token === token ? 'renewed' : 'lost' };
      }
      if (isTransactionConflict(error) || error instanceof TransactionInProgressException) {
        return { kind: 'lost' };
      }
      throw error;
    }
  }

  async recordPayment(tenant: string, payment: Payment, fingerprint: string): Promise<Payment> {
    const succeeded = payment.status === 'SUCCEEDED';
    const order = orderKey(tenant, payment.orderId);
    const writeToken = aWriteToken();
    // No ClientRequestToken of our own: the SDK fills one in on every `send` (the field's
    // idempotencyToken trait) and keeps it across its own retries, so a retry after a lost
    // reply is answered from the committed transaction (test/integration/faults/outages.test.ts).
    // The write token recognises the same case where the ClientRequestToken cannot (our own
    // retry after a conflict, or a repeat outside the token's window). A fixed
    // ClientRequestToken (the payment id) would be wrong: whoever finishes an abandoned attempt
    // records it with another timestamp, which DynamoDB refuses as IdempotentParameterMismatch.
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
              writeToken,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        {
          Update: {
            TableName: this.tableName,
            Key: order,
            UpdateExpression: succeeded
              ? 'SET #status = :paid, paymentId = :payment REMOVE #lease, #queue, #due'
              : 'REMOVE #lease, #queue, #due',
            ConditionExpression: succeeded
              ? '#lease.paymentId = :payment AND #status = :pending'
              : '#lease.paymentId = :payment',
            ExpressionAttributeNames: {
              '#lease': 'lease',
              ...leaseIndexNames,
              ...(succeeded && { '#status': 'status' }),
            },
            ExpressionAttributeValues: {
              ':payment': payment.id,
              ...(succeeded && { ':paid': 'PAID', ':pending': 'PENDING' }),
            },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
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
        const [existing, orderReason] = cancellationReasons(error);
        if (existing?.Code !== 'ConditionalCheckFailed') {
          if (orderReason?.Code === 'ConditionalCheckFailed')
            throw new PaymentLeaseLost(payment.id);
          throw error;
        }
        const stored = reasonItem(existing);
        if (!stored) throw error;
        // Recorded by this very write, applied once already: its lease went with it.
        if (stored.writeToken === writeToken) return payment;
        // Recorded by whoever finished the attempt first. A lease its id still holds (taken by
        // a retry that claimed before that) would block the order for ever: it goes now.
        const leaseStillHeld =
          orderReason?.Code === 'None' ||
          (reasonItem(orderReason)?.lease as StoredLease | undefined)?.paymentId === payment.id;
        if (leaseStillHeld) await this.removeStaleLease(tenant, payment.orderId, payment.id);
        return toPayment(stored);
      }
    }
  }

  async flagForReconciliation(
    tenant: string,
    attempt: PaymentAttempt,
    flaggedAt: number,
  ): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: orderKey(tenant, attempt.draft.orderId),
          // Kept if set already: flagging again (this write repeated, or a second settler) is
          // no new event. The order moves to the reconciliation queue of the index, where the
          // sweeper does not look and the operator does.
          UpdateExpression:
            'SET #lease.flaggedAt = if_not_exists(#lease.flaggedAt, :at), #queue = :queue, ' +
            '#due = if_not_exists(#lease.flaggedAt, :at)',
          ConditionExpression: '#lease.paymentId = :payment',
          ExpressionAttributeNames: { '#lease': 'lease', ...leaseIndexNames },
          ExpressionAttributeValues: {
            ':payment': attempt.paymentId,
            ':at': flaggedAt,
            ':queue': RECONCILIATION_QUEUE,
          },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new PaymentLeaseLost(attempt.paymentId);
      }
      throw error;
    }
  }

  async *expiredLeases(before: number): AsyncIterable<HeldLease> {
    for (const queue of LEASE_QUEUES) {
      yield* this.leasesIn(queue, {
        expression: '#due < :before',
        values: { ':before': before },
      });
    }
  }

  flaggedLeases(): AsyncIterable<HeldLease> {
    return this.leasesIn(RECONCILIATION_QUEUE);
  }

  async releaseFlaggedLease(tenant: string, lease: Lease): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: orderKey(tenant, lease.draft.orderId),
          UpdateExpression: 'REMOVE #lease, #queue, #due',
          ConditionExpression:
            '#status = :pending AND #lease.paymentId = :payment AND ' +
            'attribute_exists(#lease.flaggedAt)',
          ExpressionAttributeNames: { '#lease': 'lease', '#status': 'status', ...leaseIndexNames },
          ExpressionAttributeValues: { ':payment': lease.paymentId, ':pending': 'PENDING' },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new PaymentLeaseLost(lease.paymentId);
      }
      throw error;
    }
  }

  /**
   * The leases in one queue of the leases-by-expiry index, earliest due first; `due` narrows
   * them by their due time. The index is eventually consistent: a lease read here may have
   * changed since, which every write that acts on it checks.
   */
  private async *leasesIn(
    queue: string,
    due?: { readonly expression: string; readonly values: Item },
  ): AsyncIterable<HeldLease> {
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        IndexName: leasesByExpiryIndex.indexName,
        KeyConditionExpression: `#queue = :queue${due ? ` AND ${due.expression}` : ''}`,
        ExpressionAttributeNames: {
          '#queue': leaseIndexNames['#queue'],
          ...(due && { '#due': leaseIndexNames['#due'] }),
        },
        ExpressionAttributeValues: { ':queue': queue, ...due?.values },
        ScanIndexForward: true,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const stored = item.lease as StoredLease | undefined;
        if (!stored) continue;
        yield { tenant: tenantOfOrderKey(String(item.pk)), lease: toLease(stored) };
      }
    }
  }

  /** Removes the order's lease if the payment `paymentId`, already recorded, still holds it. */
  private async removeStaleLease(
    tenant: string,
    orderId: string,
    paymentId: string,
  ): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: orderKey(tenant, orderId),
          UpdateExpression: 'REMOVE #lease, #queue, #due',
          ConditionExpression: '#lease.paymentId = :payment',
          ExpressionAttributeNames: { '#lease': 'lease', ...leaseIndexNames },
          ExpressionAttributeValues: { ':payment': paymentId },
        }),
      );
    } catch (error) {
      // Gone already, or held by another attempt now: either way not this payment's.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
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

/** Why a transaction was cancelled, one reason per item in order; empty for any other error. */
function cancellationReasons(error: unknown): CancellationReason[] {
  if (!(error instanceof TransactionCanceledException)) return [];
  return error.CancellationReasons ?? [];
}

/** The item a failed condition check of a transaction returned (`ALL_OLD`). */
function reasonItem(reason: CancellationReason | undefined): Item | undefined {
  return reason?.Item && unmarshall(reason.Item);
}

function isConditionFailure(error: unknown): boolean {
  return cancellationReasons(error).some((reason) => reason.Code === 'ConditionalCheckFailed');
}

function isTransactionConflict(error: unknown): boolean {
  return (
    error instanceof TransactionInProgressException ||
    (cancellationReasons(error).some((reason) => reason.Code === 'TransactionConflict') &&
      !isConditionFailure(error))
  );
}

/** A lease as stored, without its token; one written before `startedAt` existed is taken as old as can be. */
function toLease(stored: StoredLease): Lease {
  const { paymentId, fingerprint, draft, startedAt, expiresAt, flaggedAt } = stored;
  // Unknown age: the oldest, so that nothing judges it young enough to charge blindly.
  const lease = { paymentId, fingerprint, draft, startedAt: startedAt ?? 0, expiresAt };
  return flaggedAt === undefined ? lease : { ...lease, flaggedAt };
}
