import { CREATE_ORDER_ROUTE, createOrder } from '../domain/create-order';
import { httpHandler } from '../http/handler';
import { orderCreatedResponse } from '../http/representations';
import { validated } from '../http/request';
import { createOrderSchema } from '../http/schemas';
import { idempotentRoute } from '../idempotency/idempotent-route';
import { ordersStore } from '../store';
import { metrics } from '../clients';
import { MetricName } from '../metric-names';

/** POST /orders */
export const handler = httpHandler(
  idempotentRoute({
    route: CREATE_ORDER_ROUTE,
    keyPrefix: 'create-order',
    parse: (body) => validated(createOrderSchema, body),
    execute: async ({ input, ...request }) => {
      const created = await createOrder(ordersStore, { ...request, draft: input }, new Date());
      if (!created.existed) metrics.addMetric(MetricName.OrderCreated, 'Count', 1);
      return orderCreatedResponse(created);
    },
  }),
);
