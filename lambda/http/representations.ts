/**
 * How orders and payments appear on the wire. Domain objects serialise as they are (the store
 * returns them without storage attributes); each one passes through a function typed by the
 * response schemas (`response-schemas.ts`), so a domain change that the published contract —
 * the client's types, the OpenAPI document — does not describe fails to compile.
 */
import type { Created } from '../domain/create-order';
import type { Order } from '../domain/order';
import type { DeclinedPayment, Payment, SucceededPayment } from '../domain/payment';
import type { DeclineCode } from '../domain/payment-processor';
import { problems, type ProblemType } from './problems';
import { jsonResponse, markReplayed, problemResponse, type HttpResponse } from './response';
import type {
  DeclinedPaymentRepresentation,
  OrderRepresentation,
  PaymentListRepresentation,
  PaymentRepresentation,
  SucceededPaymentRepresentation,
} from './response-schemas';

/** The schema's output type; readonly, as the domain's objects are. */
type Wire<T> = T extends object ? { readonly [K in keyof T]: Wire<T[K]> } : T;

const orderRepresentation = (order: Order): Wire<OrderRepresentation> => order;
const paymentRepresentation = (payment: Payment): Wire<PaymentRepresentation> => payment;
const succeededRepresentation = (payment: SucceededPayment): Wire<SucceededPaymentRepresentation> =>
  payment;
const declinedRepresentation = (payment: DeclinedPayment): Wire<DeclinedPaymentRepresentation> =>
  payment;

/** The 402 problem of each decline code: its `code` is the payment's `declineCode`. */
export const declineProblems: Readonly<Record<DeclineCode, ProblemType>> = {
  card_declined: problems.cardDeclined,
  insufficient_funds: problems.insufficientFunds,
};

/** 200 with the order. */
export function orderResponse(order: Order): HttpResponse {
  return jsonResponse(200, orderRepresentation(order));
}

/** 200 with the payment. */
export function paymentResponse(payment: Payment): HttpResponse {
  return jsonResponse(200, paymentRepresentation(payment));
}

/** 200 with an order's payments, oldest first. */
export function paymentListResponse(payments: readonly Payment[]): HttpResponse {
  const list: Wire<PaymentListRepresentation> = { data: payments.map(paymentRepresentation) };
  return jsonResponse(200, list);
}

/** 201 with the order; marked replayed when the key had already created it. */
export function orderCreatedResponse({ resource, existed }: Created<Order>): HttpResponse {
  const response = jsonResponse(201, orderRepresentation(resource), {
    Location: `/orders/${resource.id}`,
  });
  return existed ? markReplayed(response) : response;
}

/**
 * 201 for a SUCCEEDED payment; 402 problem (`card_declined` / `insufficient_funds`) carrying
 * the recorded payment for a DECLINED one. Marked replayed when the key had already paid.
 */
export function paymentCreatedResponse({ resource, existed }: Created<Payment>): HttpResponse {
  const response =
    resource.status === 'SUCCEEDED'
      ? jsonResponse(201, succeededRepresentation(resource), {
          Location: `/payments/${resource.id}`,
        })
      : problemResponse({
          ...declineProblems[resource.declineCode],
          detail: `The card was declined (${resource.declineCode}). The order can still be paid with another card.`,
          extensions: { payment: declinedRepresentation(resource) },
        });
  return existed ? markReplayed(response) : response;
}
