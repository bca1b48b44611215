/**
 * Typed client of the payments API: `import { createPaymentsClient } from
 * 'idempotent-payments-api/client'`. See docs/client.md.
 */
export {
  createPaymentsClient,
  type CallDescription,
  type CallOptions,
  type ClientEvent,
  type ClientLogger,
  type MutationOptions,
  type Operation,
  type PaymentsClient,
  type PaymentsClientOptions,
} from './client';
export {
  ApiError,
  PaymentDeclinedError,
  PaymentsClientError,
  TransportError,
  type CallFailure,
  type TransportFailure,
} from './errors';
export type { AwsCredentials, ClientAuth } from './auth';
export { parseRetryAfterMs, retryDelayMs, type BackoffPolicy } from './backoff';
export type {
  CreateOrderRequest,
  CreatePaymentRequest,
  DeclinedPayment,
  Order,
  PaidOrder,
  Payment,
  PaymentDeclinedProblem,
  PaymentList,
  PendingOrder,
  Problem,
  SucceededPayment,
} from './types';
