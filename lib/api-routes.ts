/**
 * The API's route table: one row per route, read by the CDK stack and by the local server,
 * so the deployed API and the one on a developer's machine cannot drift apart.
 *
 * Plain data only (no CDK imports): the local server loads this module too.
 */

export type HttpMethod = 'GET' | 'POST';

/** What a route's function may do to the Orders table. */
export type OrdersTableAccess = 'read' | 'create-order' | 'create-payment';

export interface ApiRoute {
  /** Construct id of the route's function. Part of the deployed contract: renaming it replaces the function. */
  readonly functionId: string;
  readonly method: HttpMethod;
  /** API Gateway resource path, `{name}` for path parameters. */
  readonly path: string;
  /** Handler module, relative to the repository root; it exports `handler`. */
  readonly entry: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  readonly ordersTable: OrdersTableAccess;
  /** POST routes run behind the HTTP idempotency layer and need its table. */
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
    ordersTable: 'create-order',
    idempotent: true,
  },
  {
    functionId: 'GetOrderFunction',
    method: 'GET',
    path: '/orders/{orderId}',
    entry: 'lambda/handlers/get-order.ts',
    timeoutSeconds: 5,
    memoryMb: 256,
    ordersTable: 'read',
    idempotent: false,
  },
  {
    functionId: 'CreatePaymentFunction',
    method: 'POST',
    path: '/payments',
    entry: 'lambda/handlers/create-payment.ts',
    // Must stay below PAYMENT_LEASE_SECONDS (lambda/domain/payment.ts): a live attempt
    // never outlives its claim on the order.
    timeoutSeconds: 15,
    memoryMb: 512,
    ordersTable: 'create-payment',
    idempotent: true,
  },
  {
    functionId: 'GetPaymentFunction',
    method: 'GET',
    path: '/payments/{paymentId}',
    entry: 'lambda/handlers/get-payment.ts',
    timeoutSeconds: 5,
    memoryMb: 256,
    ordersTable: 'read',
    idempotent: false,
  },
  {
    functionId: 'ListOrderPaymentsFunction',
    method: 'GET',
    path: '/orders/{orderId}/payments',
    entry: 'lambda/handlers/list-order-payments.ts',
    timeoutSeconds: 5,
    memoryMb: 256,
    ordersTable: 'read',
    idempotent: false,
  },
];
