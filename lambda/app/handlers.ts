/**
 * The handler factories: each route's Lambda handler, built from the dependencies it is given.
 * The deployed entries (`lambda/handlers/`) give them the production ones; the local server,
 * the tests and the benchmark give them the same ones, decorated or replaced where they need.
 */
import { CREATE_ORDER_ROUTE, createOrder } from '../domain/create-order';
import { CREATE_PAYMENT_ROUTE, createPayment } from '../domain/create-payment';
import { OrderUnderReconciliation } from '../domain/errors';
import { findOrder, findPayment, listOrderPayments } from '../domain/queries';
import { InvalidRequest } from '../http/errors';
import { httpHandler, pathParameter, type LambdaHandler } from '../http/handler';
import { problems } from '../http/problems';
import {
  orderCreatedResponse,
  orderResponse,
  paymentCreatedResponse,
  paymentListResponse,
  paymentResponse,
} from '../http/representations';
import { tenantOf, validated } from '../http/request';
import { createOrderSchema, createPaymentSchema } from '../http/schemas';
import { idempotentRoute } from '../idempotency/idempotent-route';
import { MetricName } from '../metric-names';
import type { Dependencies, IdempotentDependencies } from './dependencies';

/**
 * The key prefix of each operation's idempotency records. Persisted contracts: every stored
 * record's key starts with one, so changing it would forget every completed response.
 */
export const IDEMPOTENCY_KEY_PREFIXES = {
  createOrder: 'create-order',
  createPayment: 'create-payment',
} as const;

/** POST /orders */
export function createOrderHandler(dependencies: IdempotentDependencies): LambdaHandler {
  const { store, clock, metrics, idempotency } = dependencies;
  return httpHandler(
    dependencies,
    idempotentRoute(idempotency, {
      route: CREATE_ORDER_ROUTE,
      keyPrefix: IDEMPOTENCY_KEY_PREFIXES.createOrder,
      parse: (body) => validated(createOrderSchema, body),
      execute: async ({ input, ...request }) => {
        const created = await createOrder(store, { ...request, draft: input }, clock());
        if (!created.existed) metrics.addMetric(MetricName.OrderCreated, 'Count', 1);
        return orderCreatedResponse(created);
      },
    }),
  );
}

/** POST /payments */
export function createPaymentHandler(dependencies: IdempotentDependencies): LambdaHandler {
  const { store, processor, clock, clockSkewMarginMs, recoverySafeAgeMs } = dependencies;
  const { logger, metrics, idempotency } = dependencies;
  return httpHandler(
    dependencies,
    idempotentRoute(idempotency, {
      route: CREATE_PAYMENT_ROUTE,
      keyPrefix: IDEMPOTENCY_KEY_PREFIXES.createPayment,
      parse: (body) => {
        const draft = validated(createPaymentSchema, body);
        if (!processor.acceptsPaymentMethod(draft.paymentMethod)) {
          throw new InvalidRequest(
            problems.invalidRequest,
            'The payment method cannot be charged.',
            {
              errors: [{ path: 'paymentMethod.token', message: 'unknown card token' }],
            },
          );
        }
        return draft;
      },
      execute: async ({ input, ...request }) => {
        const created = await createPayment(
          { store, processor, clock, clockSkewMarginMs, recoverySafeAgeMs },
          { ...request, draft: input },
        ).catch((error: unknown) => {
          if (error instanceof OrderUnderReconciliation && error.flaggedNow) {
            reportFlagged(dependencies, error);
          }
          throw error;
        });
        if (!created.existed) {
          metrics.addMetric(
            created.resource.status === 'SUCCEEDED'
              ? MetricName.PaymentSucceeded
              : MetricName.PaymentDeclined,
            'Count',
            1,
          );
          logger.info('payment recorded', {
            paymentId: created.resource.id,
            status: created.resource.status,
          });
        }
        return paymentCreatedResponse(created);
      },
    }),
  );
}

/**
 * An order just flagged for reconciliation: the metric the stack alarms on, and the log line an
 * operator starts from (docs/operations.md).
 */
function reportFlagged(
  { logger, metrics }: Pick<Dependencies, 'logger' | 'metrics'>,
  { orderId, paymentId }: { readonly orderId: string; readonly paymentId: string },
): void {
  metrics.addMetric(MetricName.OrderFlaggedForReconciliation, 'Count', 1);
  logger.warn('order flagged for reconciliation', { orderId, paymentId });
}

/** GET /orders/{orderId} */
export function getOrderHandler(dependencies: Dependencies): LambdaHandler {
  const { store } = dependencies;
  return httpHandler(dependencies, async (event) =>
    orderResponse(await findOrder(store, tenantOf(event), pathParameter(event, 'orderId'))),
  );
}

/** GET /payments/{paymentId} */
export function getPaymentHandler(dependencies: Dependencies): LambdaHandler {
  const { store } = dependencies;
  return httpHandler(dependencies, async (event) =>
    paymentResponse(await findPayment(store, tenantOf(event), pathParameter(event, 'paymentId'))),
  );
}

/** GET /orders/{orderId}/payments */
export function listOrderPaymentsHandler(dependencies: Dependencies): LambdaHandler {
  const { store } = dependencies;
  return httpHandler(dependencies, async (event) =>
    paymentListResponse(
      await listOrderPayments(store, tenantOf(event), pathParameter(event, 'orderId')),
    ),
  );
}
