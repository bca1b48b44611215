/**
 * What the API answers, as schemas: the handlers' representations are typed by them, the client
 * SDK takes its response types from them and the OpenAPI document is generated from them, so
 * the three cannot drift apart. Kept apart from the request schemas (`schemas.ts`): those
 * validate and normalise input, these describe output.
 *
 * zod/mini: these modules are bundled into the functions, and the client imports only types.
 */
import * as z from 'zod/mini';
import { MAX_AMOUNT, MIN_AMOUNT } from '../domain/money';
import { DECLINE_CODES } from '../domain/payment-processor';

const amount = z.int().check(z.minimum(MIN_AMOUNT), z.maximum(MAX_AMOUNT));
const currency = z
  .string()
  .check(z.regex(/^[A-Z]{3}$/))
  .register(z.globalRegistry, { description: 'ISO 4217 code, upper case', example: 'USD' });
const timestamp = z.iso.datetime().register(z.globalRegistry, {
  description: 'When the resource was created (ISO 8601, UTC)',
});
const declineCode = z.enum(DECLINE_CODES);
const orderId = z.string().check(z.regex(/^ord_[0-9a-f]{32}$/));
const paymentId = z.string().check(z.regex(/^pay_[0-9a-f]{32}$/));

// Members in the order the API writes them, status second: the schemas read like the bodies.
const orderFields = {
  customerId: z.string(),
  currency,
  amount,
  items: z.array(
    z.strictObject({
      sku: z.string(),
      quantity: z.int().check(z.minimum(1), z.maximum(1000)),
      unitAmount: amount,
    }),
  ),
  createdAt: timestamp,
};

export const pendingOrderSchema = z
  .strictObject({ id: orderId, status: z.literal('PENDING'), ...orderFields })
  .register(z.globalRegistry, {
    id: 'PendingOrder',
    description: 'No payment has succeeded for the order yet.',
  });

export const paidOrderSchema = z
  .strictObject({ id: orderId, status: z.literal('PAID'), ...orderFields, paymentId })
  .register(z.globalRegistry, {
    id: 'PaidOrder',
    description: 'A payment succeeded for the order: `paymentId` names it.',
  });

export const orderSchema = z
  .discriminatedUnion('status', [pendingOrderSchema, paidOrderSchema])
  .register(z.globalRegistry, {
    id: 'Order',
    description:
      '`PENDING` until a payment succeeds, then `PAID` with the `paymentId` that paid it.',
  });

const paymentFields = { id: paymentId, orderId, amount, currency };

export const succeededPaymentSchema = z
  .strictObject({ ...paymentFields, status: z.literal('SUCCEEDED'), createdAt: timestamp })
  .register(z.globalRegistry, {
    id: 'SucceededPayment',
    description: 'The charge went through; the order is PAID by this payment.',
  });

export const declinedPaymentSchema = z
  .strictObject({
    ...paymentFields,
    status: z.literal('DECLINED'),
    createdAt: timestamp,
    declineCode,
  })
  .register(z.globalRegistry, {
    id: 'DeclinedPayment',
    description: 'The card was declined, for `declineCode`; the order stays payable.',
  });

export const paymentSchema = z
  .discriminatedUnion('status', [succeededPaymentSchema, declinedPaymentSchema])
  .register(z.globalRegistry, {
    id: 'Payment',
    description: '`SUCCEEDED`, or `DECLINED` with its `declineCode`.',
  });

export const paymentListSchema = z
  .strictObject({ data: z.array(paymentSchema) })
  .register(z.globalRegistry, {
    id: 'PaymentList',
    description: "The order's payments, oldest first.",
  });

/** RFC 9457 problem details; further extension members may appear. */
export const problemSchema = z
  .looseObject({
    type: z.string(),
    title: z.string(),
    status: z.int().check(z.minimum(400), z.maximum(599)),
    detail: z.string(),
    code: z.string().check(z.regex(/^[a-z][a-z0-9_]*$/)),
    errors: z.optional(z.array(z.strictObject({ path: z.string(), message: z.string() }))),
  })
  .register(z.globalRegistry, {
    id: 'Problem',
    description:
      'RFC 9457 problem details with a snake_case `code`; `errors` lists the failed fields of a 400 `invalid_request`.',
  });

/** 402: the declined payment was recorded and comes with the problem; `code` says why. */
export const paymentDeclinedProblemSchema = z
  .looseObject({ ...problemSchema.shape, code: declineCode, payment: declinedPaymentSchema })
  .register(z.globalRegistry, {
    id: 'PaymentDeclinedProblem',
    description: 'A 402 problem carrying the recorded `DECLINED` payment.',
  });

export type OrderRepresentation = z.output<typeof orderSchema>;
export type PaymentRepresentation = z.output<typeof paymentSchema>;
export type SucceededPaymentRepresentation = z.output<typeof succeededPaymentSchema>;
export type DeclinedPaymentRepresentation = z.output<typeof declinedPaymentSchema>;
export type PaymentListRepresentation = z.output<typeof paymentListSchema>;
export type ProblemRepresentation = z.output<typeof problemSchema>;
export type PaymentDeclinedProblemRepresentation = z.output<typeof paymentDeclinedProblemSchema>;
