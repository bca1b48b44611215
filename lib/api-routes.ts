/**
 * The API's route table: one row per route, read by the CDK stack and by the local server,
 * so the deployed API and the one on a developer's machine cannot drift apart.
 *
 * Plain data only (no CDK imports): the local server loads this module too.
 */

import { ordersTableSchema } from '../lambda/store/table-schema';

export type HttpMethod = 'GET' | 'POST';

/** A DynamoDB action, as IAM names it. */
export type DynamoDbAction =
  | 'dynamodb:GetItem'
  | 'dynamodb:PutItem'
  | 'dynamodb:UpdateItem'
  | 'dynamodb:DeleteItem'
  | 'dynamodb:ConditionCheckItem'
  | 'dynamodb:Query';

/**
 * What a function may do to one table: exactly the calls its code makes, and nothing more.
 *
 * A `TransactWriteItems` has no IAM action of its own: each item in it is authorised as the
 * `PutItem`, `UpdateItem`, `DeleteItem` or `ConditionCheckItem` it holds, so list those.
 */
export interface TableAccess {
  /** Actions on the table itself. */
  readonly actions: readonly DynamoDbAction[];
  /**
   * Indexes the function queries: a Query of an index is authorised against the index's ARN,
   * not the table's.
   *
   * @default none
   */
  readonly queriedIndexes?: readonly string[];
}

/**
 * What Powertools' DynamoDB persistence layer does to the idempotency table: PutItem to lock a
 * key, GetItem to read a record it could not lock, UpdateItem to store the response and
 * DeleteItem to free the key after a failure.
 */
export const idempotencyTableAccess: TableAccess = {
  actions: ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
};

export interface ApiRoute {
  /** Construct id of the route's function. Part of the deployed contract: renaming it replaces the function. */
  readonly functionId: string;
  readonly method: HttpMethod;
  /** API Gateway resource path, `{name}` for path parameters. */
  readonly path: string;
  /**
   * Other paths the same method serves with the same function: the idempotency scope and
   * fingerprint are the route's (`lambda/app/handlers.ts` names it, not the path), so a key
   * sent to the route and to an alias is one request. `Location` still names the resource under
   * {@link path}.
   *
   * @default none
   */
  readonly aliasPaths?: readonly string[];
  /** Handler module, relative to the repository root; it exports `handler`. */
  readonly entry: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /**
   * The route's calls to the Orders table (`lambda/store/orders-store.ts`): the function is
   * granted these and nothing else.
   */
  readonly ordersTable: TableAccess;
  /**
   * POST routes run behind the HTTP idempotency layer: they get its table, with
   * {@link idempotencyTableAccess}.
   */
  readonly idempotent: boolean;
}

export const apiRoutes: readonly ApiRoute[] = [
  {
    functionId: 'CreateOrderFunction',
    method: 'POST',
    path: '/orders',
    entry: 'lambda/handlers/create-order.ts',
    timeoutSeconds: 10,
    memoryMb: 512,
    // insertOrder: a conditional put, which returns the existing order when it fails.
    ordersTable: { actions: ['dynamodb:PutItem'] },
    idempotent: true,
  },
  {
    functionId: 'GetOrderFunction',
    method: 'GET',
    path: '/orders/{orderId}',
    entry: 'lambda/handlers/get-order.ts',
    timeoutSeconds: 5,
    memoryMb: 256,
    // getOrder
    ordersTable: { actions: ['dynamodb:GetItem'] },
    idempotent: false,
  },
  {
    functionId: 'CreatePaymentFunction',
    method: 'POST',
    path: '/payments',
    // How the clients this API is for describe their call.
    aliasPaths: ['/payment'],
    entry: 'lambda/handlers/create-payment.ts',
    // Must stay below PAYMENT_LEASE_SECONDS (lambda/domain/payment.ts): a live attempt
    // never outlives its claim on the order.
    timeoutSeconds: 15,
    memoryMb: 512,
    ordersTable: {
      // Transactions only, no read: claimOrder (ConditionCheck of the payment, Put of the
      // reservation, Update of the order), renewLease (ConditionCheck, Update), recordPayment
      // (Put of the payment, Update of the order); removeStaleLease is an UpdateItem.
      actions: ['dynamodb:ConditionCheckItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
    },
    idempotent: true,
  },
  {
    functionId: 'GetPaymentFunction',
    method: 'GET',
    path: '/payments/{paymentId}',
    entry: 'lambda/handlers/get-payment.ts',
    timeoutSeconds: 5,
    memoryMb: 256,
    // getPayment
    ordersTable: { actions: ['dynamodb:GetItem'] },
    idempotent: false,
  },
  {
    functionId: 'ListOrderPaymentsFunction',
    method: 'GET',
    path: '/orders/{orderId}/payments',
    entry: 'lambda/handlers/list-order-payments.ts',
    timeoutSeconds: 5,
    memoryMb: 256,
    // getOrder (an unknown order is a 404), then listPayments: a Query of the index.
    ordersTable: {
      actions: ['dynamodb:GetItem'],
      queriedIndexes: [ordersTableSchema.paymentsByOrderIndex.indexName],
    },
    idempotent: false,
  },
];

/** Every path a route serves: its own, then its aliases. */
export function pathsOf(route: ApiRoute): readonly string[] {
  return [route.path, ...(route.aliasPaths ?? [])];
}
