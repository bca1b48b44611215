import { findPayment } from '../domain/queries';
import { httpHandler, pathParameter } from '../http/handler';
import { tenantOf } from '../http/request';
import { paymentResponse } from '../http/representations';
import { ordersStore } from '../store';

/** GET /payments/{paymentId} */
export const handler = httpHandler(async (event) =>
  paymentResponse(
    await findPayment(ordersStore, tenantOf(event), pathParameter(event, 'paymentId')),
  ),
);
