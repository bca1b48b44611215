/**
 * The benchmark's entry, bundled like the functions and loaded by its API server
 * (`./server.ts`): the whole API (`local/application.ts`) on the production dependencies, with
 * the DynamoDB calls counted by a middleware on its own client.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { parseIdempotentConfig } from '../lambda/app/config';
import { createDynamoDbClient, createIdempotentDependencies } from '../lambda/app/dependencies';
import type { LambdaHandler } from '../lambda/http/handler';
import type { IdempotencyLayer } from '../lambda/idempotency/idempotent-route';
import { handlersByFunctionId } from '../local/application';

/** DynamoDB calls made so far, by operation name (`PutItem`, `TransactWriteItems`...). */
export type DynamoDbCallCounts = Record<string, number>;

/**
 * `guarded`: as deployed. `unguarded`: the POST routes without the idempotency layer, the floor
 * its cost is measured against (a POST without it is not safe to retry: never deployed).
 */
export type BenchVariant = 'guarded' | 'unguarded';

/** Runs each operation once per request, storing nothing: no idempotency at all. */
const withoutIdempotency: IdempotencyLayer = {
  guard: (_keyPrefix, operation) => (call) => operation(call.request),
};

/** Every route's handler by function id, and the DynamoDB calls they make. */
export function benchApplication(variant: BenchVariant): {
  readonly handlers: ReadonlyMap<string, LambdaHandler>;
  readonly calls: DynamoDbCallCounts;
} {
  const config = parseIdempotentConfig(process.env);
  const client = createDynamoDbClient(config);
  const calls = countCalls(client);
  const dependencies = createIdempotentDependencies(config, client);
  const handlers = handlersByFunctionId(
    variant === 'guarded' ? dependencies : { ...dependencies, idempotency: withoutIdempotency },
  );
  return { handlers, calls };
}

/**
 * Counts every call `client` makes, once per API call whatever the SDK's retries: the
 * middleware sits in the `initialize` step, before the retry loop.
 */
function countCalls(client: DynamoDBClient): DynamoDbCallCounts {
  const counts: DynamoDbCallCounts = {};
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = context.commandName?.replace(/Command$/, '') ?? 'unknown';
      counts[operation] = (counts[operation] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: 'countDynamoDbCalls', override: true },
  );
  return counts;
}
