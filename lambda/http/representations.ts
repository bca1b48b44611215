/**
 * How created orders and payments appear on the wire. Domain objects serialise as they are:
 * the store returns them without storage attributes.
 */
import type { Created } from '../domain/create-order';
import type { Order } from '../domain/order';
import type { Payment } from '../domain/payment';
import { jsonResponse, markReplayed, problemResponse, type HttpResponse } from './response';

/** 201 with the order; marked replayed when the key had already created it. */
export function orderCreatedResponse({ resource, existed }: Created<Order>): HttpResponse {
  const response = jsonResponse(201, resource, { Location: `/orders/${resource.id}` });
  return existed ? markReplayed(response) : response;
}

/**
 * 201 for a SUCCEEDED payment; 402 problem (`card_declined` / `insufficient_funds`) carrying
 * the recorded payment for a DECLINED one. Marked replayed when the key had already paid.
 */
export function paymentCreatedResponse({ resource, existed }: Created<Payment>): HttpResponse {
  const response =
    resource.status === 'SUCCEEDED'
      ? jsonResponse(201, resource, { Location: `/payments/${resource.id}` })
      : problemResponse({
          status: 402,
          code: resource.declineCode ?? 'card_declined',
          title: 'Payment declined',
          detail: `The card was declined (${resource.declineCode}). The order can still be paid with another card.`,
          extensions: { payment: resource },
        });
  return existed ? markReplayed(response) : response;
}
