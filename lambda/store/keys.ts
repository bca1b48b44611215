/**
 * Where each item lives in the Orders table: the key layout, defined once. The store writes and
 * reads by it; the exactly-once checker and the tests find items by it instead of spelling it
 * again. Changing it moves every stored item: it is a persisted contract.
 *
 * Plain functions without AWS imports.
 */
import { ordersTableSchema } from './table-schema';

const { sortKey, paymentsByOrderIndex } = ordersTableSchema;

/** The kinds of item in the table, by sort key. */
export const itemKinds = {
  order: 'ORDER',
  payment: 'PAYMENT',
  /** Beside the payment it names: which request the payment id was first used for. */
  reservation: 'RESERVATION',
} as const;

export type ItemKind = keyof typeof itemKinds;

/** An item's primary key, named as the table's key schema names it. */
export type ItemKey = Readonly<
  Record<typeof ordersTableSchema.partitionKey | typeof ordersTableSchema.sortKey, string>
>;

/**
 * Every key of a tenant starts with this. Tenants are opaque strings (an IAM principal, or any
 * local header value): encoding them keeps a '#' in one from forging another tenant's key.
 */
export const tenantPrefix = (tenant: string) => `TENANT#${encodeURIComponent(tenant)}`;

export const orderKey = (tenant: string, orderId: string): ItemKey => ({
  pk: `${tenantPrefix(tenant)}#ORDER#${orderId}`,
  sk: itemKinds.order,
});

export const paymentKey = (tenant: string, paymentId: string): ItemKey => ({
  pk: `${tenantPrefix(tenant)}#PAYMENT#${paymentId}`,
  sk: itemKinds.payment,
});

export const reservationKey = (tenant: string, paymentId: string): ItemKey => ({
  pk: paymentKey(tenant, paymentId).pk,
  sk: itemKinds.reservation,
});

/** A payment's attributes in the payments-by-order index: its order, then creation time. */
export const paymentsByOrderKey = (
  tenant: string,
  payment: { readonly id: string; readonly orderId: string; readonly createdAt: string },
) => ({
  [paymentsByOrderIndex.partitionKey]: orderKey(tenant, payment.orderId).pk,
  [paymentsByOrderIndex.sortKey]: `${payment.createdAt}#${payment.id}`,
});

/**
 * The queues of the leases-by-expiry index (its partition key) that leased orders are in.
 * Sixteen, so that claims and records, which write the index, spread over sixteen index
 * partitions instead of one (about 1,000 writes per second each).
 */
export const LEASE_QUEUES: readonly string[] = Array.from(
  { length: 16 },
  (_, shard) => `LEASE#${shard.toString(16)}`,
);

/** An order's lease queue: its id's first hex digit, uniform because ids are hashes. */
export const leaseQueue = (orderId: string) => `LEASE#${orderId.charAt('ord_'.length)}`;

/** The queue of orders flagged for reconciliation, by when they were flagged. */
export const RECONCILIATION_QUEUE = 'RECONCILIATION';

/** The tenant whose order `pk` this is (the inverse of {@link orderKey}). */
export function tenantOfOrderKey(pk: string): string {
  const prefix = tenantPrefix('');
  const end = pk.lastIndexOf('#ORDER#');
  if (!pk.startsWith(prefix) || end < prefix.length) throw new Error(`not an order key: ${pk}`);
  return decodeURIComponent(pk.slice(prefix.length, end));
}

/** What kind of item a stored item is, by its sort key; `undefined` for none of ours. */
export function itemKindOf(item: Readonly<Record<string, unknown>>): ItemKind | undefined {
  const kinds = Object.entries(itemKinds) as [ItemKind, string][];
  return kinds.find(([, value]) => item[sortKey] === value)?.[0];
}
