/**
 * The scheduled sweeper, declared like a route of `api-routes.ts`: the stack deploys it from
 * this, the local server runs the same entry, and a test holds its code to the table calls
 * declared here.
 *
 * Plain data only (no CDK imports): the local server loads this module too.
 */
import { ordersTableSchema } from '../lambda/store/table-schema';
import type { TableAccess } from './api-routes';

export interface ScheduledFunction {
  /** Construct id of the function. Part of the deployed contract: renaming it replaces the function. */
  readonly functionId: string;
  /** Handler module, relative to the repository root; it exports `handler`. */
  readonly entry: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /** How often the schedule invokes it, in minutes. */
  readonly everyMinutes: number;
  /** Its calls to the Orders table: it is granted these and nothing else. */
  readonly ordersTable: TableAccess;
}

/**
 * Settles the payment attempts whose process died holding an order's lease
 * (`lambda/domain/sweep.ts`). Every two minutes: an abandoned attempt is settled within about
 * two and a half minutes of its death (its 30-second lease, the clock skew margin, the period),
 * well inside the recovery safe age, so that it is settled by a charge under its own key, which
 * the processor still remembers, rather than by lookup.
 */
export const sweeperFunction: ScheduledFunction = {
  functionId: 'SweepAbandonedAttemptsFunction',
  entry: 'lambda/handlers/sweep-abandoned-attempts.ts',
  // A sweep settles one attempt after another, each in milliseconds; a sweep cut short leaves
  // the rest to the next one.
  timeoutSeconds: 60,
  memoryMb: 256,
  everyMinutes: 2,
  ordersTable: {
    // expiredLeases and flaggedLeases: Queries of the leases-by-expiry index, nothing read from
    // the table. Per attempt: renewLease (ConditionCheck of the payment, Update of the order),
    // recordPayment (Put of the payment, Update of the order) or flagForReconciliation
    // (UpdateItem); removeStaleLease is an UpdateItem.
    actions: ['dynamodb:ConditionCheckItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
    queriedIndexes: [ordersTableSchema.leasesByExpiryIndex.indexName],
  },
};
