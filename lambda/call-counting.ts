/**
 * Counting DynamoDB calls by operation, for the benchmark: it asserts how many calls a first
 * execution, a replay and a cached replay cost. Off unless `DYNAMODB_CALL_COUNTING=true`.
 *
 * The counts live on `globalThis` because the local server loads every function's bundle into
 * one process, each with its own copy of this module; the benchmark wants the process total.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** Calls made so far, by operation name (`PutItem`, `TransactWriteItems`...). */
export type DynamoDbCallCounts = Record<string, number>;

const COUNTS_KEY = Symbol.for('payments-api.dynamodb-call-counts');

type WithCounts = typeof globalThis & { [COUNTS_KEY]?: DynamoDbCallCounts };

/** The counts of this process, shared by every bundle loaded into it. */
export function dynamoDbCallCounts(): DynamoDbCallCounts {
  const global = globalThis as WithCounts;
  return (global[COUNTS_KEY] ??= {});
}

/**
 * Counts every call `client` makes, once per API call whatever the SDK's retries: the
 * middleware sits in the `initialize` step, before the retry loop.
 */
export function countDynamoDbCalls(client: DynamoDBClient): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = context.commandName?.replace(/Command$/, '') ?? 'unknown';
      const counts = dynamoDbCallCounts();
      counts[operation] = (counts[operation] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: 'countDynamoDbCalls', override: true },
  );
}
