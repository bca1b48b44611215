import { findPayment } from '../domain/queries';
import { httpHandler, pathParameter } from '../http/handler';
import { tenantOf } from '../http/request';
import { jsonResponse } from '../http/response';
import { ordersStore } from '../store';

/** GET /payments/{paymentId} */
export const handler = httpHandler(async (event) =>
  jsonResponse(
    200,
    await findPayment(ordersStore, tenantOf(event), pathParameter(event, 'paymentId')),
  ),
);
