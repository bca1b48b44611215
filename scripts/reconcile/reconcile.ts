/**
 * The operator's path for orders flagged for reconciliation (docs/operations.md): list them,
 * then settle each with what the processor's own records say. Runs against the table that
 * `ORDERS_TABLE_NAME` names, in AWS with the caller's credentials, or on a local engine with
 * `DYNAMODB_ENDPOINT`.
 */
import { parseArgs } from 'node:util';
import { PaymentLeaseLost } from '../../lambda/domain/errors';
import { DECLINE_CODES } from '../../lambda/domain/payment-processor';
import type { Clock, HeldLease, OrdersStore } from '../../lambda/domain/ports';
import { reconcileFlaggedAttempt, type ReconciliationFinding } from '../../lambda/domain/recovery';

export const usage = `Usage:
  npm run reconcile -- list
      every order flagged for reconciliation, one JSON line each, longest waiting first
  npm run reconcile -- settle --order <orderId> --outcome captured
  npm run reconcile -- settle --order <orderId> --outcome declined --decline-code <card_declined|insufficient_funds>
  npm run reconcile -- settle --order <orderId> --outcome not-charged
      records what the processor's records say about the flagged attempt's payment id
      (captured pays the order; not-charged makes it payable again). Charges nothing.

Environment: ORDERS_TABLE_NAME (required), DYNAMODB_ENDPOINT (a local engine), AWS credentials.`;

export interface ReconcileDependencies {
  readonly store: Pick<OrdersStore, 'flaggedLeases' | 'recordPayment' | 'releaseFlaggedLease'>;
  readonly clock: Clock;
  /** Where results go, one line each. */
  readonly print: (line: string) => void;
}

/** Thrown for a command line this script does not understand; the message says why. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Runs one command of the operator's path. */
export async function reconcile(
  args: readonly string[],
  { store, clock, print }: ReconcileDependencies,
): Promise<void> {
  const { positionals, values } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      order: { type: 'string' },
      outcome: { type: 'string' },
      'decline-code': { type: 'string' },
    },
  });
  const [command] = positionals;
  if (command === 'list') {
    for await (const held of store.flaggedLeases()) print(JSON.stringify(describe(held)));
    return;
  }
  if (command !== 'settle') throw new UsageError(`unknown command ${command ?? '(none)'}`);
  const { order } = values;
  if (!order) throw new UsageError('settle needs --order');
  const finding = findingOf(values.outcome, values['decline-code']);
  const held = await find(store, order);
  if (!held) throw new UsageError(`order ${order} is not flagged for reconciliation`);
  try {
    const settled = await reconcileFlaggedAttempt({ store, clock }, held, finding);
    print(
      JSON.stringify(
        settled === 'released'
          ? { ...describe(held), settled: 'released: the order is payable again' }
          : { ...describe(held), settled: 'recorded', payment: settled },
      ),
    );
  } catch (error) {
    if (error instanceof PaymentLeaseLost) {
      throw new UsageError(`order ${order} was settled meanwhile: list again`);
    }
    throw error;
  }
}

function findingOf(
  outcome: string | undefined,
  declineCode: string | undefined,
): ReconciliationFinding {
  if (outcome === 'captured') return { outcome: 'captured' };
  if (outcome === 'not-charged') return { outcome: 'not_charged' };
  if (outcome !== 'declined') {
    throw new UsageError('--outcome must be captured, declined or not-charged');
  }
  const code = DECLINE_CODES.find((known) => known === declineCode);
  if (!code) throw new UsageError(`--decline-code must be one of ${DECLINE_CODES.join(', ')}`);
  return { outcome: 'declined', declineCode: code };
}

/** The flagged lease of `orderId`: order ids are unique across tenants (they hash the tenant). */
async function find(
  store: Pick<OrdersStore, 'flaggedLeases'>,
  orderId: string,
): Promise<HeldLease | undefined> {
  for await (const held of store.flaggedLeases()) {
    if (held.lease.draft.orderId === orderId) return held;
  }
  return undefined;
}

/** What an operator needs to look the attempt up in the processor's records. */
function describe({ tenant, lease }: HeldLease) {
  const { paymentId, draft, startedAt, flaggedAt } = lease;
  return {
    tenant,
    orderId: draft.orderId,
    paymentId,
    amount: draft.amount,
    currency: draft.currency,
    startedAt: new Date(startedAt).toISOString(),
    ...(flaggedAt !== undefined && { flaggedAt: new Date(flaggedAt).toISOString() }),
  };
}
