/**
 * The whole API in one process: every route's handler, built by its factory from one set of
 * dependencies. How the local server's variants, the tests and the benchmark run the handlers
 * the stack deploys, each with the dependencies it composes.
 */
import { apiRoutes, type ApiRoute } from '../lib/api-routes';
import type { IdempotentDependencies } from '../lambda/app/dependencies';
import {
  createOrderHandler,
  createPaymentHandler,
  getOrderHandler,
  getPaymentHandler,
  listOrderPaymentsHandler,
} from '../lambda/app/handlers';
import type { LambdaHandler } from '../lambda/http/handler';

/** The factory each deployed entry (`ApiRoute.entry`) composes, by function id. */
const factories: Readonly<Record<string, (dependencies: IdempotentDependencies) => LambdaHandler>> =
  {
    CreateOrderFunction: createOrderHandler,
    GetOrderFunction: getOrderHandler,
    CreatePaymentFunction: createPaymentHandler,
    GetPaymentFunction: getPaymentHandler,
    ListOrderPaymentsFunction: listOrderPaymentsHandler,
  };

/** Every route's handler, by function id. */
export function handlersByFunctionId(
  dependencies: IdempotentDependencies,
  routes: readonly ApiRoute[] = apiRoutes,
): Map<string, LambdaHandler> {
  return new Map(
    routes.map((route) => {
      const factory = factories[route.functionId];
      if (!factory) throw new Error(`no handler factory for ${route.functionId}`);
      return [route.functionId, factory(dependencies)];
    }),
  );
}
