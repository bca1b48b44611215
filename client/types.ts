/**
 * Request and response types, taken from the very schemas the handlers validate with and
 * answer by. Type-only imports: the client needs neither zod nor the schemas at run time.
 */
import type * as z from 'zod/mini';
import type { createOrderSchema, createPaymentSchema } from '../lambda/http/schemas';
import type {
  declinedPaymentSchema,
  orderSchema,
  paidOrderSchema,
  paymentDeclinedProblemSchema,
  paymentListSchema,
  paymentSchema,
  pendingOrderSchema,
  problemSchema,
  succeededPaymentSchema,
} from '../lambda/http/response-schemas';

/** POST /orders body, as the API accepts it (`currency` in any case). */
export type CreateOrderRequest = z.input<typeof createOrderSchema>;
/** POST /payments body. */
export type CreatePaymentRequest = z.input<typeof createPaymentSchema>;

/** `PENDING`, or `PAID` with the `paymentId` that paid it: narrow on `status`. */
export type Order = z.output<typeof orderSchema>;
export type PendingOrder = z.output<typeof pendingOrderSchema>;
export type PaidOrder = z.output<typeof paidOrderSchema>;
/** `SUCCEEDED`, or `DECLINED` with its `declineCode`: narrow on `status`. */
export type Payment = z.output<typeof paymentSchema>;
export type SucceededPayment = z.output<typeof succeededPaymentSchema>;
export type DeclinedPayment = z.output<typeof declinedPaymentSchema>;
export type PaymentList = z.output<typeof paymentListSchema>;
/** An RFC 9457 problem as the API sends it; `code` says what happened. */
export type Problem = z.output<typeof problemSchema>;
export type PaymentDeclinedProblem = z.output<typeof paymentDeclinedProblemSchema>;
