import { randomUUID } from 'node:crypto';
import {
  adminClient,
  createTables,
  engineTitles,
  startDynamoDbEngine,
  type DynamoDbEngine,
} from '../../local/dynamodb-engine';

declare global {
  var dynamoDbEngine: DynamoDbEngine | undefined;
}

/**
 * Starts the engine DYNAMODB_ENGINE selects once for the whole integration run (or uses
 * DYNAMODB_ENDPOINT) and creates tables with names unique to this run. Test workers inherit the
 * environment set here.
 */
export default async function globalSetup(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  // Both integration projects name this setup; the first one to run prepares the engine.
  if (globalThis.dynamoDbEngine) return;
  const engine = await startDynamoDbEngine();
  console.log(`\nIntegration tests on ${engineTitles[engine.name]} at ${engine.endpoint}`);
  const run = randomUUID().slice(0, 8);
  const tables = {
    orders: `payments-test-${run}-orders`,
    idempotency: `payments-test-${run}-idempotency`,
  };
  const client = adminClient(engine.endpoint);
  try {
    await createTables(client, tables);
  } finally {
    client.destroy();
  }
  process.env.DYNAMODB_ENDPOINT = engine.endpoint;
  process.env.ORDERS_TABLE_NAME = tables.orders;
  process.env.IDEMPOTENCY_TABLE_NAME = tables.idempotency;
  globalThis.dynamoDbEngine = engine;
}
