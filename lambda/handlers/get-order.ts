import { findOrder } from '../domain/queries';
import { httpHandler, pathParameter } from '../http/handler';
import { tenantOf } from '../http/request';
import { orderResponse } from '../http/representations';
import { ordersStore } from '../store';

/** GET /orders/{orderId} */
export const handler = httpHandler(async (event) =>
  orderResponse(await findOrder(ordersStore, tenantOf(event), pathParameter(event, 'orderId'))),
);
