import { parseIdempotentConfig } from '../app/config';
import { createIdempotentDependencies } from '../app/dependencies';
import { createPaymentHandler } from '../app/handlers';

/** POST /payments, deployed: built once per container from its environment. */
export const handler = createPaymentHandler(
  createIdempotentDependencies(parseIdempotentConfig(process.env)),
);
