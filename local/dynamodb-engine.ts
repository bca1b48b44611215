/**
 * The embedded DynamoDB-compatible engine for tests and the local server: Dynoxide on a free
 * loopback port, or whatever `DYNAMODB_ENDPOINT` points at (DynamoDB Local, for instance).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import path from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { idempotencyTableSchema, ordersTableSchema } from '../lambda/store/table-schema';

export interface DynamoDbEngine {
  readonly endpoint: string;
  /** Stops the engine if this module started it; a no-op for an external endpoint. */
  stop(): Promise<void>;
}

export interface TableNames {
  readonly orders: string;
  readonly idempotency: string;
}

const DYNOXIDE_PACKAGE = `@dynoxide/${process.platform}-${process.arch}`;
const STARTUP_TIMEOUT_MS = 10_000;

/**
 * The SDK insists on a region and credentials even for a local engine; supply harmless ones
 * unless the environment already has them.
 */
export function useLocalAwsDefaults(): void {
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
}

/**
 * Uses `DYNAMODB_ENDPOINT` when set; otherwise starts Dynoxide (in memory, or in `dbPath`).
 *
 * @throws Error when Dynoxide is not installed for this platform and no endpoint is set
 */
export async function startDynamoDbEngine(
  options: { dbPath?: string } = {},
): Promise<DynamoDbEngine> {
  useLocalAwsDefaults();
  const external = process.env.DYNAMODB_ENDPOINT;
  if (external) return { endpoint: external, stop: async () => {} };

  const binary = dynoxideBinary();
  // The port is free when probed but could be taken before Dynoxide binds it: try again.
  for (let attempt = 1; ; attempt++) {
    const port = await freeLoopbackPort();
    const args = ['serve', '--host', '127.0.0.1', '--port', String(port)];
    if (options.dbPath) args.push('--db-path', options.dbPath);
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const endpoint = `http://127.0.0.1:${port}`;
    try {
      await waitUntilServing(child, endpoint);
      return { endpoint, stop: () => stopProcess(child) };
    } catch (error) {
      await stopProcess(child);
      if (attempt >= 3) throw error;
    }
  }
}

/** A client for administering the engine (creating tables); not the one the handlers use. */
export function adminClient(endpoint: string): DynamoDBClient {
  useLocalAwsDefaults();
  return new DynamoDBClient({ endpoint, maxAttempts: 2 });
}

/** Creates both tables, unless they exist, with the key schema, index and TTL the stack deploys. */
export async function createTables(client: DynamoDBClient, names: TableNames): Promise<void> {
  const { partitionKey, sortKey, paymentsByOrderIndex: index } = ordersTableSchema;
  await createTableIfMissing(client, {
    TableName: names.orders,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [partitionKey, sortKey, index.partitionKey, index.sortKey].map(
      (name) => ({
        AttributeName: name,
        AttributeType: 'S',
      }),
    ),
    KeySchema: [
      { AttributeName: partitionKey, KeyType: 'HASH' },
      { AttributeName: sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: index.indexName,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  });
  await createTableIfMissing(client, {
    TableName: names.idempotency,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: idempotencyTableSchema.partitionKey, AttributeType: 'S' },
    ],
    KeySchema: [{ AttributeName: idempotencyTableSchema.partitionKey, KeyType: 'HASH' }],
  });
  await client
    .send(
      new UpdateTimeToLiveCommand({
        TableName: names.idempotency,
        TimeToLiveSpecification: {
          AttributeName: idempotencyTableSchema.ttlAttribute,
          Enabled: true,
        },
      }),
    )
    .catch((error: Error) => {
      // Enabling TTL twice is refused; the table already has it.
      if (!/already enabled/i.test(error.message)) throw error;
    });
}

async function createTableIfMissing(
  client: DynamoDBClient,
  input: ConstructorParameters<typeof CreateTableCommand>[0],
): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: input.TableName }));
    return;
  } catch (error) {
    if ((error as Error).name !== 'ResourceNotFoundException') throw error;
  }
  try {
    await client.send(new CreateTableCommand(input));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  await waitUntilTableExists(
    { client, maxWaitTime: 60, minDelay: 1 },
    { TableName: input.TableName },
  );
}

function dynoxideBinary(): string {
  try {
    return path.join(path.dirname(require.resolve(`${DYNOXIDE_PACKAGE}/package.json`)), 'dynoxide');
  } catch {
    throw new Error(
      `The embedded DynamoDB engine (${DYNOXIDE_PACKAGE}) is not installed: Dynoxide ships ` +
        `binaries for some platforms only. Point DYNAMODB_ENDPOINT at a DynamoDB-compatible ` +
        `endpoint instead, e.g. DynamoDB Local: DYNAMODB_ENDPOINT=http://127.0.0.1:8000`,
    );
  }
}

/** A loopback port that was free when probed (someone may still take it before it is bound). */
export async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no loopback port');
  return address.port;
}

async function waitUntilServing(child: ChildProcess, endpoint: string): Promise<void> {
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`Dynoxide exited with code ${String(code)} before serving: ${output.trim()}`);
  });
  exited.catch(() => {});
  const client = adminClient(endpoint);
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  try {
    while (Date.now() < deadline) {
      const ready = client.send(new ListTablesCommand({ Limit: 1 })).then(
        () => true,
        () => false,
      );
      if (await Promise.race([ready, exited])) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(
      `Dynoxide did not answer on ${endpoint} within ${STARTUP_TIMEOUT_MS} ms: ${output.trim()}`,
    );
  } finally {
    client.destroy();
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
