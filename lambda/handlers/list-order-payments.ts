import { parseConfig } from '../app/config';
import { createDependencies } from '../app/dependencies';
import { listOrderPaymentsHandler } from '../app/handlers';

/** GET /orders/{orderId}/payments, deployed: built once per container from its environment. */
export const handler = listOrderPaymentsHandler(createDependencies(parseConfig(process.env)));
