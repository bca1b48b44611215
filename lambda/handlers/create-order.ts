import { parseIdempotentConfig } from '../app/config';
import { createIdempotentDependencies } from '../app/dependencies';
import { createOrderHandler } from '../app/handlers';

/** POST /orders, deployed: built once per container from its environment. */
export const handler = createOrderHandler(
  createIdempotentDependencies(parseIdempotentConfig(process.env)),
);
