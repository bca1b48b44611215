import { listOrderPayments } from '../domain/queries';
import { httpHandler, pathParameter } from '../http/handler';
import { tenantOf } from '../http/request';
import { paymentListResponse } from '../http/representations';
import { ordersStore } from '../store';

/** GET /orders/{orderId}/payments */
export const handler = httpHandler(async (event) =>
  paymentListResponse(
    await listOrderPayments(ordersStore, tenantOf(event), pathParameter(event, 'orderId')),
  ),
);
