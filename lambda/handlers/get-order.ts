import { parseConfig } from '../app/config';
import { createDependencies } from '../app/dependencies';
import { getOrderHandler } from '../app/handlers';

/** GET /orders/{orderId}, deployed: built once per container from its environment. */
export const handler = getOrderHandler(createDependencies(parseConfig(process.env)));
