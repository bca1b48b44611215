import { findOrder } from '../domain/queries';
import { httpHandler, pathParameter } from '../http/handler';
import { tenantOf } from '../http/request';
import { jsonResponse } from '../http/response';
import { ordersStore } from '../store';

/** GET /orders/{orderId} */
export const handler = httpHandler(async (event) =>
  jsonResponse(200, await findOrder(ordersStore, tenantOf(event), pathParameter(event, 'orderId'))),
);
