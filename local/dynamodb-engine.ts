/**
 * The DynamoDB-compatible engine for tests, the local server and the checker: Dynoxide or
 * DynamoDB Local started on a free loopback port, or any endpoint `DYNAMODB_ENDPOINT` names
 * (`local/engine-choice.ts` says which).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, statSync } from 'node:fs';
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
import { installedEngines, planEngine, type EngineName, type EnginePlan } from './engine-choice';

export interface DynamoDbEngine {
  /** What serves `endpoint`: an engine this module started, or an endpoint run by someone else. */
  readonly name: EngineName | 'endpoint';
  readonly endpoint: string;
  /** Stops the engine if this module started it; a no-op for an external endpoint. */
  stop(): Promise<void>;
}

export interface TableNames {
  readonly orders: string;
  readonly idempotency: string;
}

export interface EngineOptions {
  /**
   * Where a started engine keeps its data; in memory when unset. Dynoxide keeps it in this file,
   * DynamoDB Local in this directory (created if missing). An external endpoint keeps its own.
   */
  readonly dbPath?: string;
  /** Aborting stops an engine that is still starting, and the start rejects. */
  readonly signal?: AbortSignal;
  /** Starts this engine, whatever `DYNAMODB_ENGINE` and `DYNAMODB_ENDPOINT` say. */
  readonly engine?: EngineName;
}

/** Display names, for messages. */
export const engineTitles: Record<DynamoDbEngine['name'], string> = {
  dynoxide: 'Dynoxide',
  'dynamodb-local': 'DynamoDB Local',
  endpoint: 'DYNAMODB_ENDPOINT',
};

/** A JVM starting on a busy machine takes seconds, Dynoxide milliseconds. */
const STARTUP_TIMEOUT_MS: Record<EngineName, number> = {
  dynoxide: 10_000,
  'dynamodb-local': 60_000,
};
/** How long an external endpoint may take to answer at start-up (a container still starting). */
const ENDPOINT_TIMEOUT_MS = 5_000;

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
 * Starts the engine `DYNAMODB_ENGINE` selects (or the one available), or checks that
 * `DYNAMODB_ENDPOINT` answers, and resolves once it serves requests.
 *
 * @throws EngineUnavailable when no engine can run here (the message names the ways out)
 * @throws Error when the engine exits or stays silent, or the endpoint does not answer
 */
export async function startDynamoDbEngine(options: EngineOptions = {}): Promise<DynamoDbEngine> {
  useLocalAwsDefaults();
  const plan = planEngine(
    options.engine ? { DYNAMODB_ENGINE: options.engine } : process.env,
    installedEngines(),
  );
  if (plan.kind === 'endpoint') {
    await waitUntilAnswering(plan.endpoint, {
      timeoutMs: ENDPOINT_TIMEOUT_MS,
      signal: options.signal,
      failure: (detail) =>
        `DYNAMODB_ENDPOINT=${plan.endpoint} does not answer${detail}. Start the engine there, ` +
        'or unset DYNAMODB_ENDPOINT to have one started here.',
    });
    return { name: 'endpoint', endpoint: plan.endpoint, stop: async () => {} };
  }
  // The port is free when probed but could be taken before the engine binds it: try again.
  for (let attempt = 1; ; attempt++) {
    const port = await freeLoopbackPort();
    const { command, args } = commandLine(plan, port, options.dbPath);
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    // Whatever ends this process (an uncaught error, process.exit) ends the engine too.
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    const stop = async () => {
      await stopProcess(child);
      process.removeListener('exit', killOnExit);
    };
    try {
      await waitUntilServing(child, `http://127.0.0.1:${port}`, plan.kind, options.signal);
      return { name: plan.kind, endpoint: `http://127.0.0.1:${port}`, stop };
    } catch (error) {
      await stop();
      if (!(error instanceof EngineExited) || attempt >= 3) throw error;
    }
  }
}

function commandLine(
  plan: Exclude<EnginePlan, { kind: 'endpoint' }>,
  port: number,
  dbPath: string | undefined,
): { command: string; args: string[] } {
  switch (plan.kind) {
    case 'dynoxide':
      return {
        command: plan.binary,
        args: [
          'serve',
          ...['--host', '127.0.0.1', '--port', String(port)],
          ...(dbPath ? ['--db-path', dbPath] : []),
        ],
      };
    case 'dynamodb-local':
      if (dbPath) ensureDirectory(dbPath);
      return {
        command: plan.java,
        args: [
          // No hsperfdata file in /tmp, which a killed JVM would leave behind.
          '-XX:-UsePerfData',
          // The quick compiler only: starts in about two thirds of the time, fast enough for tests.
          '-XX:TieredStopAtLevel=1',
          `-Djava.library.path=${path.join(plan.directory, 'DynamoDBLocal_lib')}`,
          ...['-jar', path.join(plan.directory, 'DynamoDBLocal.jar')],
          ...['-port', String(port)],
          // One database whatever the client's credentials and region, as with Dynoxide: the
          // handlers, the tests and the AWS CLI may not sign alike, and should see the same tables.
          '-sharedDb',
          '-disableTelemetry',
          ...(dbPath ? ['-dbPath', dbPath] : ['-inMemory']),
        ],
      };
  }
}

function ensureDirectory(dbPath: string): void {
  const existing = statSync(dbPath, { throwIfNoEntry: false });
  if (existing && !existing.isDirectory()) {
    throw new Error(
      `DB_PATH=${dbPath} is a file: DynamoDB Local keeps its data in a directory (Dynoxide in a ` +
        'file). Name a directory, or use the engine that wrote this file.',
    );
  }
  mkdirSync(dbPath, { recursive: true });
}

/** A client for administering the engine (creating tables); not the one the handlers use. */
export function adminClient(endpoint: string): DynamoDBClient {
  useLocalAwsDefaults();
  return new DynamoDBClient({ endpoint, maxAttempts: 2 });
}

/** Creates both tables, unless they exist, with the key schema, index and TTL the stack deploys. */
export async function createTables(client: DynamoDBClient, names: TableNames): Promise<void> {
  const { partitionKey, sortKey, paymentsByOrderIndex, leasesByExpiryIndex } = ordersTableSchema;
  await createTableIfMissing(client, {
    TableName: names.orders,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      ...[
        partitionKey,
        sortKey,
        paymentsByOrderIndex.partitionKey,
        paymentsByOrderIndex.sortKey,
        leasesByExpiryIndex.partitionKey,
      ].map((name) => ({ AttributeName: name, AttributeType: 'S' as const })),
      { AttributeName: leasesByExpiryIndex.sortKey, AttributeType: 'N' },
    ],
    KeySchema: [
      { AttributeName: partitionKey, KeyType: 'HASH' },
      { AttributeName: sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: paymentsByOrderIndex.indexName,
        KeySchema: [
          { AttributeName: paymentsByOrderIndex.partitionKey, KeyType: 'HASH' },
          { AttributeName: paymentsByOrderIndex.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
      {
        IndexName: leasesByExpiryIndex.indexName,
        KeySchema: [
          { AttributeName: leasesByExpiryIndex.partitionKey, KeyType: 'HASH' },
          { AttributeName: leasesByExpiryIndex.sortKey, KeyType: 'RANGE' },
        ],
        Projection: {
          ProjectionType: 'INCLUDE',
          NonKeyAttributes: [...leasesByExpiryIndex.projectedAttributes],
        },
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

class EngineExited extends Error {
  override name = 'EngineExited';
}

/** A client that gives up quickly, for probing whether an engine answers yet. */
function probeClient(endpoint: string): DynamoDBClient {
  useLocalAwsDefaults();
  return new DynamoDBClient({
    endpoint,
    maxAttempts: 1,
    requestHandler: {
      connectionTimeout: 1_000,
      requestTimeout: 5_000,
      throwOnRequestTimeout: true,
    },
  });
}

/** Resolves once `endpoint` answers `ListTables`. */
async function waitUntilAnswering(
  endpoint: string,
  options: {
    timeoutMs: number;
    signal?: AbortSignal;
    /** Rejects with this instead of waiting further (the engine process exited). */
    gaveUp?: Promise<never>;
    failure: (detail: string) => string;
  },
): Promise<void> {
  const client = probeClient(endpoint);
  const aborted = new Promise<never>((_, reject) => {
    const signal = options.signal;
    const abort = () => reject(new Error('interrupted while waiting for DynamoDB'));
    if (signal?.aborted) abort();
    signal?.addEventListener('abort', abort, { once: true });
  });
  aborted.catch(() => {});
  const interrupted = options.gaveUp ? Promise.race([aborted, options.gaveUp]) : aborted;
  const deadline = Date.now() + options.timeoutMs;
  let lastError = '';
  try {
    while (Date.now() < deadline) {
      const answered = client.send(new ListTablesCommand({ Limit: 1 })).then(
        () => true,
        (error: Error) => {
          lastError = error.message || error.name;
          return false;
        },
      );
      if (await Promise.race([answered, interrupted])) return;
      await Promise.race([new Promise((resolve) => setTimeout(resolve, 100)), interrupted]);
    }
    throw new Error(
      options.failure(` within ${options.timeoutMs} ms${lastError ? ` (${lastError})` : ''}`),
    );
  } finally {
    client.destroy();
  }
}

async function waitUntilServing(
  child: ChildProcess,
  endpoint: string,
  engine: EngineName,
  signal: AbortSignal | undefined,
): Promise<void> {
  // The end of what the engine printed, to explain a failure.
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4_000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const title = engineTitles[engine];
  const exited = once(child, 'exit').then(([code, exitSignal]) => {
    throw new EngineExited(
      `${title} exited (${String(code ?? exitSignal)}) before serving: ${output.trim()}`,
    );
  });
  exited.catch(() => {});
  await waitUntilAnswering(endpoint, {
    timeoutMs: STARTUP_TIMEOUT_MS[engine],
    signal,
    gaveUp: exited,
    failure: (detail) => `${title} did not answer on ${endpoint}${detail}: ${output.trim()}`,
  });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  // No pid: it never started (the command was not found).
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
