import { CREATE_PAYMENT_ROUTE, createPayment } from '../domain/create-payment';
import { SandboxPaymentProcessor } from '../domain/payment-processor';
import { InvalidRequest } from '../http/errors';
import { problems } from '../http/problems';
import { httpHandler } from '../http/handler';
import { paymentCreatedResponse } from '../http/representations';
import { validated } from '../http/request';
import { createPaymentSchema } from '../http/schemas';
import { idempotentRoute } from '../idempotency/idempotent-route';
import { reportCharge } from '../faults';
import { ordersStore } from '../store';
import { positiveIntegerEnv } from '../config';
import { logger, metrics } from '../clients';
import { MetricName } from '../metric-names';

/** The function's processor; exported so that tests can count the charges it made. */
export const processor = new SandboxPaymentProcessor(
  positiveIntegerEnv('SANDBOX_LATENCY_MS', 0),
  // Builds with fault injection only (local checker runs): each real charge on stdout.
  typeof __FAULT_INJECTION__ === 'boolean' && __FAULT_INJECTION__
    ? (request, outcome) => reportCharge(request.idempotencyKey, outcome.outcome)
    : undefined,
);

/** POST /payments */
export const handler = httpHandler(
  idempotentRoute({
    route: CREATE_PAYMENT_ROUTE,
    keyPrefix: 'create-payment',
    parse: (body) => {
      const draft = validated(createPaymentSchema, body);
      if (!processor.acceptsPaymentMethod(draft.paymentMethod)) {
        throw new InvalidRequest(problems.invalidRequest, 'The payment method cannot be charged.', {
          errors: [{ path: 'paymentMethod.token', message: 'unknown card token' }],
        });
      }
      return draft;
    },
    execute: async ({ input, ...request }) => {
      const created = await createPayment(
        { store: ordersStore, processor, clock: () => new Date() },
        { ...request, draft: input },
      );
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
