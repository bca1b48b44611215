/**
 * Key schema, indexes and TTL attribute of the two tables, defined once.
 *
 * The CDK stack, the embedded engine used by tests and the local server, and the
 * repositories all read these names, so a table created anywhere has the shape the
 * code expects. Plain data only: this module is imported by infrastructure code too.
 */

/** Orders and payments of every tenant (single-table design). */
export const ordersTableSchema = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Lists an order's payments, oldest first: `gsi1pk` = the order, `gsi1sk` = creation time. */
  paymentsByOrderIndex: {
    indexName: 'payments-by-order',
    partitionKey: 'gsi1pk',
    sortKey: 'gsi1sk',
  },
  /**
   * Sparse: only orders held by a payment attempt are in it. `gsi2pk` is a queue: one of
   * `LEASE#0`..`LEASE#f` (the shard, from the order id) for a live or expired lease, or
   * `RECONCILIATION` for an order flagged for an operator; `gsi2sk` (a number) is the lease's
   * expiry, or when the order was flagged. The sweeper reads expired leases from it, the
   * operator flagged orders.
   */
  leasesByExpiryIndex: {
    indexName: 'leases-by-expiry',
    partitionKey: 'gsi2pk',
    sortKey: 'gsi2sk',
    /** Besides the keys, what settling an attempt needs, so that it takes no other read. */
    projectedAttributes: ['lease'],
  },
} as const;

/** Records of the HTTP idempotency layer (Powertools' default attribute names). */
export const idempotencyTableSchema = {
  partitionKey: 'id',
  /** Epoch seconds after which a record is expired; DynamoDB TTL deletes it some time later. */
  ttlAttribute: 'expiration',
} as const;
