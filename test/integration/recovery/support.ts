/**
 * What the recovery tests build on: the real sandbox processor on a clock the test moves, the
 * charges it reports actually making, and processors whose process dies at the charge. The
 * store, orders and payment commands come from the protocol tests' support.
 */
import { randomUUID } from 'node:crypto';
import {
  SandboxPaymentProcessor,
  type SandboxCharge,
} from '../../../lambda/adapters/sandbox-payment-processor';
import {
  CREATE_PAYMENT_ROUTE,
  type CreatePaymentCommand,
} from '../../../lambda/domain/create-payment';
import { deriveResourceId, ID_NAMESPACES } from '../../../lambda/domain/ids';
import type { PaymentProcessor } from '../../../lambda/domain/payment-processor';
import { DynamoDbOrdersStore } from '../../../lambda/store/orders-store';
import { adminClient, createTables } from '../../../local/dynamodb-engine';
import { aDocumentClient, leaseOf } from '../support/domain';

export const MINUTE = 60 * 1000;
export const HOUR = 60 * MINUTE;

/** A clock the test moves by hand, starting now. */
export function aManualClock(start = Date.now()) {
  let now = start;
  return {
    clock: () => new Date(now),
    advance: (ms: number) => (now += ms),
    now: () => now,
  };
}

/**
 * The real sandbox processor on a clock the test moves, and the charges it reports making (its
 * webhook): a key repeated within its retention is no new charge, one repeated after it is.
 */
export function aSandboxOnAManualClock() {
  const { clock, advance, now } = aManualClock();
  const made: SandboxCharge[] = [];
  const processor = new SandboxPaymentProcessor({
    clock,
    onCharge: (_request, charge) => made.push(charge),
  });
  const charges = {
    withKey: (idempotencyKey: string) =>
      made.filter((charge) => charge.idempotencyKey === idempotencyKey).length,
    count: () => made.length,
  };
  return { processor, clock, advance, now, charges };
}

/** The payment id a command's attempt charges under. */
export const paymentIdOf = ({ tenant, idempotencyKey }: CreatePaymentCommand) =>
  deriveResourceId(ID_NAMESPACES.payment.prefix, tenant, CREATE_PAYMENT_ROUTE, idempotencyKey);

/** Thrown where a test makes an attempt's process die: nothing after that point runs. */
export class ProcessDied extends Error {
  override readonly name = 'ProcessDied';
}

/** The processor, but the attempt's process dies as soon as the charge has gone through. */
export const dyingAfterTheCharge = (processor: PaymentProcessor): PaymentProcessor => ({
  acceptsPaymentMethod: (method) => processor.acceptsPaymentMethod(method),
  lookUpCharge: (paymentId) => processor.lookUpCharge(paymentId),
  charge: async (request) => {
    await processor.charge(request);
    throw new ProcessDied('the process died after the charge');
  },
});

/** The processor, but the attempt's process dies on its way to the charge. */
export const dyingBeforeTheCharge = (processor: PaymentProcessor): PaymentProcessor => ({
  acceptsPaymentMethod: (method) => processor.acceptsPaymentMethod(method),
  lookUpCharge: (paymentId) => processor.lookUpCharge(paymentId),
  charge: () => Promise.reject(new ProcessDied('the process died before the charge')),
});

/** The processor, counting the calls made to it. */
export function countingCalls(processor: PaymentProcessor) {
  const counts = { charge: 0, lookUpCharge: 0 };
  const counting: PaymentProcessor & { readonly counts: typeof counts } = {
    counts,
    acceptsPaymentMethod: (method) => processor.acceptsPaymentMethod(method),
    charge: (request) => {
      counts.charge += 1;
      return processor.charge(request);
    },
    lookUpCharge: (paymentId) => {
      counts.lookUpCharge += 1;
      return processor.lookUpCharge(paymentId);
    },
  };
  return counting;
}

/**
 * The real store on an Orders table of its own, created now on the run's engine: what a test
 * that sweeps every tenant's expired leases needs, so that it never settles another test's.
 */
export async function aStoreOnItsOwnTable() {
  const name = `payments-test-sweep-${randomUUID().slice(0, 8)}`;
  const admin = adminClient(process.env.DYNAMODB_ENDPOINT ?? '');
  try {
    await createTables(admin, { orders: name, idempotency: `${name}-idempotency` });
  } finally {
    admin.destroy();
  }
  return {
    tableName: name,
    store: new DynamoDbOrdersStore(aDocumentClient(), name),
    /** The order's lease as stored on this table, if any. */
    leaseOf: (tenant: string, orderId: string) => leaseOf(tenant, orderId, name),
  };
}
