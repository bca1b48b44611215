import { parseConfig } from '../app/config';
import { createDependencies } from '../app/dependencies';
import { getPaymentHandler } from '../app/handlers';

/** GET /payments/{paymentId}, deployed: built once per container from its environment. */
export const handler = getPaymentHandler(createDependencies(parseConfig(process.env)));
