/**
 * What the servers left in the database, read back once they are stopped:
 * the orders and payments by where the store's key layout puts them, and the idempotency
 * records not completed.
 */
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { itemKindOf } from '../../lambda/store/keys';
import { ordersTableSchema } from '../../lambda/store/table-schema';
import { adminClient } from '../../local/dynamodb-engine';

export type Item = Readonly<Record<string, unknown>>;

export interface StoredState {
  /** Order items by partition key. */
  readonly orders: ReadonlyMap<string, Item>;
  /** Payment items by partition key. */
  readonly payments: ReadonlyMap<string, Item>;
  /** Items of no kind the store writes, as `pk sk`. */
  readonly unexpectedItems: readonly string[];
  /** Idempotency records in any state but COMPLETED. */
  readonly incompleteIdempotencyRecords: number;
}

/** Reads both tables from the engine at `endpoint`, once the servers are stopped. */
export async function readStoredState(
  endpoint: string,
  tables: { readonly orders: string; readonly idempotency: string },
): Promise<StoredState> {
  const client = DynamoDBDocumentClient.from(adminClient(endpoint));
  try {
    const orders = new Map<string, Item>();
    const payments = new Map<string, Item>();
    const unexpectedItems: string[] = [];
    const { partitionKey, sortKey } = ordersTableSchema;
    for await (const page of paginateScan(
      { client },
      { TableName: tables.orders, ConsistentRead: true },
    )) {
      for (const item of page.Items ?? []) {
        const kind = itemKindOf(item);
        const pk = String(item[partitionKey]);
        if (kind === 'order') orders.set(pk, item);
        else if (kind === 'payment') payments.set(pk, item);
        else if (kind === undefined) unexpectedItems.push(`${pk} ${String(item[sortKey])}`);
        // A reservation: which request a payment id was first used for.
      }
    }
    let incompleteIdempotencyRecords = 0;
    for await (const page of paginateScan(
      { client },
      { TableName: tables.idempotency, ConsistentRead: true },
    )) {
      incompleteIdempotencyRecords += (page.Items ?? []).filter(
        (item) => item.status !== 'COMPLETED',
      ).length;
    }
    return { orders, payments, unexpectedItems, incompleteIdempotencyRecords };
  } finally {
    client.destroy();
  }
}
