/**
 * The checks, as pure functions of what the run observed: the answers every client got, the
 * charges the processor made, and what the database holds. Each returns the
 * violations it finds, as lines a person can act on.
 */
import type { SandboxCharge } from '../../lambda/adapters/sandbox-payment-processor';
import { problemTypeOf } from '../../lambda/http/problems';
import { orderKey, paymentKey } from '../../lambda/store/keys';
import { localPrincipal } from '../../local/proxy-event';
import type { ReportedFlag } from './server-process';
import type { Item, StoredState } from './stored-state';
import { describeRequest, type Exchange, type LogicalRequest, type Answer } from './workload';

/** Every answer a key got, by any client, at any time, is the first one byte for byte. */
export function verifyAnswersAgree(exchanges: readonly Exchange[]): string[] {
  const violations: string[] = [];
  for (const { request, answers } of exchanges) {
    const [first, ...later] = answers;
    if (!first) continue;
    for (const answer of later) {
      if (
        answer.status !== first.status ||
        answer.body !== first.body ||
        answer.contentType !== first.contentType ||
        answer.location !== first.location
      ) {
        violations.push(
          `${describeRequest(request)}: answered ${first.status} ${first.body} then ${answer.status} ${answer.body}`,
        );
      }
    }
  }
  return violations;
}

/**
 * The processor's side, from its own ledger (every charge it made, the one processor all the
 * servers shared): which payment ids captured money, by order, and that none was charged twice.
 * The processor charges a key again only once it has forgotten the key (after its retention):
 * a second capture, which no recovery may ever cause.
 *
 * @param ledger every charge the processor made: payment id → charges, oldest first
 */
export function verifyCharges(
  ledger: ReadonlyMap<string, readonly SandboxCharge[]>,
  exchanges: readonly Exchange[],
): {
  readonly chargedByOrder: ReadonlyMap<string, readonly string[]>;
  readonly violations: string[];
} {
  const violations: string[] = [];
  const requestOf = new Map(exchanges.map(({ request }) => [request.resourceId, request]));
  const chargedByOrder = new Map<string, string[]>();
  for (const [paymentId, charges] of ledger) {
    const request = requestOf.get(paymentId);
    if (!request) {
      violations.push(`${paymentId}: charged, but no key derives it`);
      continue;
    }
    const captures = charges.filter(({ outcome }) => outcome.outcome === 'succeeded').length;
    const times = charges.map(({ at }) => new Date(at).toISOString()).join(', ');
    if (captures > 1) violations.push(`${paymentId}: captured ${captures} times (${times})`);
    else if (charges.length > 1)
      violations.push(
        `${paymentId}: charged ${charges.length} times under one processor key (${times})`,
      );
    if (captures === 0) continue;
    const orderId = (request.body as { orderId: string }).orderId;
    chargedByOrder.set(orderId, [...(chargedByOrder.get(orderId) ?? []), paymentId]);
  }
  return { chargedByOrder, violations };
}

/**
 * Every flag was called for: when the order was flagged, the processor had not charged the
 * attempt's payment id, or a lookup would have found the charge. (A charge after the flag is
 * possible: an attempt still running when it was flagged, which only the checker's clock jumps
 * make old enough, or the key paying again once the operator found it not charged.)
 *
 * @param flags every flag the servers and the operator saw, at the flagger's time
 * @param skewMarginMs how far the flagger's clock may be from the processor's
 */
export function verifyFlags(
  flags: readonly ReportedFlag[],
  ledger: ReadonlyMap<string, readonly SandboxCharge[]>,
  skewMarginMs: number,
): string[] {
  return flags.flatMap(({ orderId, paymentId, at }) => {
    const before = ledger.get(paymentId)?.find((charge) => charge.at < at - skewMarginMs);
    return before
      ? [
          `${orderId}: flagged for reconciliation at ${new Date(at).toISOString()}, though the ` +
            `processor had charged ${paymentId} at ${new Date(before.at).toISOString()}`,
        ]
      : [];
  });
}

/**
 * A payment was answered 409 `order_under_reconciliation` only if its order was flagged at some
 * point (`flaggedOrderIds`: every flag the servers reported, and those the operator found).
 */
export function verifyReconciliationAnswers(
  exchanges: readonly Exchange[],
  flaggedOrderIds: ReadonlySet<string>,
): string[] {
  return exchanges
    .filter(({ request, underReconciliation }) => {
      const orderId = (request.body as { orderId?: string }).orderId ?? '';
      return (underReconciliation ?? 0) > 0 && !flaggedOrderIds.has(orderId);
    })
    .map(
      ({ request }) =>
        `${describeRequest(request)}: answered order_under_reconciliation, yet its order was never flagged`,
    );
}

const CONFLICTS = new Set(['order_already_paid', 'payment_in_progress']);
const conflictCode = (answer: Answer) => {
  try {
    return (JSON.parse(answer.body) as Item).code;
  } catch {
    return undefined;
  }
};
const isConflict = (answer: Answer) =>
  answer.status === 409 && CONFLICTS.has(String(conflictCode(answer)));

/** The tenant under which the store keeps `order` (its partition key names it). */
const tenantOfOrder = (order: Item) => decodeURIComponent(String(order.pk).split('#')[1] ?? '');

/**
 * Every key's first execution answered someone as a first answer, not marked replayed, unless
 * something legitimately kept its answer from the clients: a fault struck the request, a server
 * died while it was in flight, or a client gave up waiting (`Exchange.disturbed`).
 */
export function verifyFirstAnswers(exchanges: readonly Exchange[]): string[] {
  const violations: string[] = [];
  for (const { request, answers, initialAnswers, disturbed, underReconciliation } of exchanges) {
    if (disturbed || initialAnswers === undefined || initialAnswers === 0) continue;
    if (answers.slice(0, initialAnswers).every((answer) => answer.replayed)) {
      const stopped = underReconciliation
        ? ` (sent again after ${underReconciliation} order_under_reconciliation)`
        : '';
      violations.push(
        `${describeRequest(request)}: its first answer was marked replayed${stopped}`,
      );
    }
  }
  return violations;
}

/** Where the resource a request's key may create lives in the store. */
export const itemKeyOf = ({ path, tenant, resourceId }: LogicalRequest) =>
  (path === '/orders' ? orderKey : paymentKey)(localPrincipal(tenant), resourceId);

/**
 * The database against the run: no key made a resource another way than its derived id, under
 * its own tenant; at most one SUCCEEDED payment per order, the order PAID by exactly that one
 * and charged by it alone; no lease or in-progress record left behind; and every first answer
 * is what is stored.
 */
export function verifyStoredState(
  state: StoredState,
  exchanges: readonly Exchange[],
  chargedByOrder: ReadonlyMap<string, readonly string[]>,
): { readonly succeeded: number; readonly violations: string[] } {
  const violations = state.unexpectedItems.map((item) => `unexpected item ${item}`);
  const requestAt = new Map(exchanges.map(({ request }) => [itemKeyOf(request).pk, request]));
  /** The order a payment (or a payment request's body) names, as its tenant's store holds it. */
  const orderOf = (tenant: string, payment: unknown) =>
    state.orders.get(orderKey(localPrincipal(tenant), String((payment as Item).orderId)).pk);

  for (const [pk, item] of [...state.orders, ...state.payments]) {
    if (!requestAt.has(pk)) violations.push(`${String(item.id)}: a resource no key derives`);
  }
  const succeededByOrder = new Map<string, string[]>();
  for (const [pk, payment] of state.payments) {
    const request = requestAt.get(pk);
    if (payment.status !== 'SUCCEEDED' || !request) continue;
    if (!orderOf(request.tenant, payment))
      violations.push(`${String(payment.id)}: paid an order its tenant does not have`);
    const orderId = String(payment.orderId);
    succeededByOrder.set(orderId, [...(succeededByOrder.get(orderId) ?? []), String(payment.id)]);
  }
  for (const order of state.orders.values()) {
    const succeeded = succeededByOrder.get(String(order.id)) ?? [];
    if (succeeded.length > 1)
      violations.push(`${String(order.id)}: ${succeeded.length} SUCCEEDED payments`);
    const paidBy = order.status === 'PAID' ? String(order.paymentId) : undefined;
    if (paidBy !== succeeded[0]) {
      violations.push(
        `${String(order.id)}: ${String(order.status)} by ${paidBy}, succeeded: ${succeeded.join(', ')}`,
      );
    }
    // Charged once: one successful charge per order, the very payment recorded SUCCEEDED.
    const charged = chargedByOrder.get(String(order.id)) ?? [];
    if (charged.length > 1 || charged[0] !== succeeded[0]) {
      violations.push(
        `${String(order.id)}: charged by ${charged.join(', ') || 'nobody'}, ` +
          `succeeded: ${succeeded.join(', ') || 'none'}`,
      );
    }
    // No lease left on an order whose attempt is recorded, and none at all once the run settled.
    const lease = order.lease as Item | undefined;
    if (lease && state.payments.has(paymentKey(tenantOfOrder(order), String(lease.paymentId)).pk))
      violations.push(
        `${String(order.id)}: a lease left behind by ${String(lease.paymentId)}, which is recorded`,
      );
    else if (lease)
      violations.push(`${String(order.id)}: a payment attempt's lease was left behind`);
  }
  for (const { request, answers } of exchanges) {
    const answer = answers[0];
    if (!answer) continue;
    const stored = (request.path === '/orders' ? state.orders : state.payments).get(
      itemKeyOf(request).pk,
    );
    const order = request.path === '/payments' ? orderOf(request.tenant, request.body) : undefined;
    const problem = verifyAnswer(request, answer, stored, order);
    if (problem) violations.push(`${describeRequest(request)}: ${problem}`);
    // The key whose payment exists gets that payment, never a conflict: whichever answer.
    const conflict = stored && answers.find((later) => isConflict(later));
    if (conflict) {
      violations.push(
        `${describeRequest(request)}: its payment exists, yet it was answered ${String(conflictCode(conflict))}`,
      );
    }
  }
  // Nothing stuck in progress: every key answered its final replay from a completed record.
  if (state.incompleteIdempotencyRecords > 0) {
    violations.push(`${state.incompleteIdempotencyRecords} idempotency records not COMPLETED`);
  }
  const succeeded = [...succeededByOrder.values()].reduce((sum, ids) => sum + ids.length, 0);
  return { succeeded, violations };
}

const ORDER_FIELDS = ['id', 'customerId', 'currency', 'amount', 'createdAt'] as const;
const PAYMENT_FIELDS = [
  'id',
  'orderId',
  'amount',
  'currency',
  'status',
  'createdAt',
  'declineCode',
] as const;

/**
 * What is wrong with the answer a logical request got, given the item its key made (`stored`)
 * and, for a payment, the order the request names.
 */
export function verifyAnswer(
  request: LogicalRequest,
  answer: Answer,
  stored: Item | undefined,
  order: Item | undefined,
): string | undefined {
  const body = JSON.parse(answer.body) as Item;
  const differs = (resource: Item, fields: readonly string[]) =>
    fields.find((field) => JSON.stringify(resource[field]) !== JSON.stringify(stored?.[field]));
  // A client stops at what the API stores, and only a stored answer can be replayed.
  if (answer.status >= 400 && !problemTypeOf(String(body.code))?.stored) {
    return `answered ${answer.status} ${String(body.code)}, which the API does not store`;
  }
  if (request.path === '/orders') {
    if (answer.status !== 201) return `answered ${answer.status}`;
    if (!stored) return 'answered 201 but the order does not exist';
    const field = differs(body, ORDER_FIELDS);
    return (
      field &&
      `answered ${field}=${JSON.stringify(body[field])}, stored ${JSON.stringify(stored[field])}`
    );
  }
  switch (answer.status) {
    case 201:
    case 402: {
      const payment = (answer.status === 201 ? body : body.payment) as Item | undefined;
      if (!stored || !payment) return `answered ${answer.status} but the payment does not exist`;
      const field = differs(payment, PAYMENT_FIELDS);
      if (field)
        return `answered ${field}=${JSON.stringify(payment[field])}, stored ${JSON.stringify(stored[field])}`;
      if (answer.status === 201 && order?.paymentId !== stored.id)
        return 'answered 201 but the order is not paid by it';
      return undefined;
    }
    case 409: {
      if (body.code !== 'order_already_paid') return `answered 409 ${String(body.code)}`;
      if (stored) return 'answered order_already_paid but a payment with its id exists';
      return order?.status === 'PAID'
        ? undefined
        : 'answered order_already_paid for an unpaid order';
    }
    default:
      return `answered ${answer.status} ${answer.body}`;
  }
}
