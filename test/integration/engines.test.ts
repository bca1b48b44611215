/**
 * The engines the launcher starts (Dynoxide, DynamoDB Local), each on its own: they start on a
 * free loopback port, keep data in memory or under DB_PATH, and stop; and each behaves as the
 * store and the table set-up rely on, or differs from the other where a test says so.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  UpdateTimeToLiveCommand,
  type TransactWriteItemsCommandInput,
} from '@aws-sdk/client-dynamodb';
import {
  adminClient,
  createTables,
  startDynamoDbEngine,
  type DynamoDbEngine,
} from '../../local/dynamodb-engine';
import {
  ENGINE_NAMES,
  installedEngines,
  planEngine,
  type EngineName,
} from '../../local/engine-choice';

const installed = installedEngines();
const runsHere = (engine: EngineName) => {
  try {
    return planEngine({ DYNAMODB_ENGINE: engine }, installed).kind === engine;
  } catch {
    return false;
  }
};
// A run on one engine (DYNAMODB_ENGINE set, as in CI's second pass) tests that engine only.
const selected = ENGINE_NAMES.filter(
  (engine) => !process.env.DYNAMODB_ENGINE || process.env.DYNAMODB_ENGINE === engine,
);
const JVM_STARTS = 180_000;

const aTable = async (client: DynamoDBClient): Promise<string> => {
  const name = `engine-test-${randomUUID()}`;
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    }),
  );
  return name;
};

const rejection = async (promise: Promise<unknown>): Promise<Error> =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: Error) => error,
  );

describe.each(selected)('%s', (engineName) => {
  // Not installed here (Dynoxide off Linux x64, or no Java 17): the fallback tests cover why.
  const test = runsHere(engineName) ? it : it.skip;
  let engine: DynamoDbEngine;
  let client: DynamoDBClient;

  beforeAll(async () => {
    if (!runsHere(engineName)) return;
    engine = await startDynamoDbEngine({ engine: engineName });
    client = adminClient(engine.endpoint);
  }, JVM_STARTS);

  afterAll(async () => {
    client?.destroy();
    await engine?.stop();
  });

  test('serves on a free loopback port, in memory', async () => {
    const { TableNames } = await client.send(new ListTablesCommand({}));

    expect(engine.name).toBe(engineName);
    expect(engine.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(TableNames).toEqual([]);
  });

  test(
    'keeps tables and items under DB_PATH across a restart, and stops answering once stopped',
    async () => {
      const dataDir = mkdtempSync(path.join(tmpdir(), `engine-${engineName}-`));
      const dbPath = path.join(dataDir, 'payments.db');
      try {
        const first = await startDynamoDbEngine({ engine: engineName, dbPath });
        const firstClient = adminClient(first.endpoint);
        const table = await aTable(firstClient);
        await firstClient.send(
          new PutItemCommand({ TableName: table, Item: { pk: { S: 'kept' } } }),
        );
        firstClient.destroy();
        await first.stop();
        const afterStop = await rejection(fetch(first.endpoint));

        const second = await startDynamoDbEngine({ engine: engineName, dbPath });
        const secondClient = adminClient(second.endpoint);
        const { Item } = await secondClient.send(
          new GetItemCommand({ TableName: table, Key: { pk: { S: 'kept' } } }),
        );
        secondClient.destroy();
        await second.stop();

        expect(afterStop.message).toBe('fetch failed');
        expect(Item).toEqual({ pk: { S: 'kept' } });
        // Dynoxide keeps a database file, DynamoDB Local a directory of them.
        const kept = statSync(dbPath);
        expect(engineName === 'dynoxide' ? kept.isFile() : kept.isDirectory()).toBe(true);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
    2 * JVM_STARTS,
  );

  test('shows the same tables whatever credentials and region a client signs with', async () => {
    const table = await aTable(client);
    const stranger = new DynamoDBClient({
      endpoint: engine.endpoint,
      region: 'eu-west-3',
      credentials: { accessKeyId: 'SomeoneElse', secretAccessKey: 'other' },
    });

    const { TableNames } = await stranger.send(new ListTablesCommand({}));
    stranger.destroy();

    // DynamoDB Local keeps one database per key and region unless started with -sharedDb.
    expect(TableNames).toContain(table);
  });

  test(
    engineName === 'dynoxide'
      ? 'accepts any access key id'
      : 'refuses an access key id with anything but letters and digits',
    async () => {
      const signedAs = (accessKeyId: string) => {
        const other = new DynamoDBClient({
          endpoint: engine.endpoint,
          credentials: { accessKeyId, secretAccessKey: 'local' },
        });
        return other
          .send(new ListTablesCommand({}))
          .then(
            () => 'answered',
            (error: Error) => error.name,
          )
          .finally(() => other.destroy());
      };

      const answers = [await signedAs('local'), await signedAs('local-dev')];

      expect(answers).toEqual(
        engineName === 'dynoxide'
          ? ['answered', 'answered']
          : ['answered', 'UnrecognizedClientException'],
      );
    },
  );

  test(
    engineName === 'dynoxide'
      ? 'accepts enabling TTL twice; createTables runs twice'
      : 'refuses enabling TTL twice, as DynamoDB does; createTables runs twice',
    async () => {
      const table = await aTable(client);
      const enableTtl = () =>
        client.send(
          new UpdateTimeToLiveCommand({
            TableName: table,
            TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
          }),
        );
      await enableTtl();
      const tables = { orders: `orders-${randomUUID()}`, idempotency: `idem-${randomUUID()}` };

      const again = await enableTtl().then(
        () => 'accepted',
        (error: Error) => `${error.name}: ${error.message}`,
      );
      await createTables(client, tables);
      await createTables(client, tables);

      expect(again).toBe(
        engineName === 'dynoxide'
          ? 'accepted'
          : 'ValidationException: TimeToLive is already enabled',
      );
    },
  );

  test('returns the item a failed condition found (ReturnValuesOnConditionCheckFailure)', async () => {
    const table = await aTable(client);
    const item = { pk: { S: 'order' }, status: { S: 'PENDING' } };
    await client.send(new PutItemCommand({ TableName: table, Item: item }));

    const error = await rejection(
      client.send(
        new PutItemCommand({
          TableName: table,
          Item: { pk: { S: 'order' } },
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );

    expect(error).toMatchObject({ name: 'ConditionalCheckFailedException', Item: item });
  });

  test('replays a transaction sent again with its ClientRequestToken, and refuses the token for another', async () => {
    const table = await aTable(client);
    const transaction = (id: string): TransactWriteItemsCommandInput => ({
      ClientRequestToken: 'token-of-one-payment',
      TransactItems: [
        {
          Put: {
            TableName: table,
            Item: { pk: { S: id } },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ],
    });
    await client.send(new TransactWriteItemsCommand(transaction('pay-1')));

    // The SDK's retry after a lost reply: answered from the committed transaction, not refused
    // by its own condition.
    const retried = await client.send(new TransactWriteItemsCommand(transaction('pay-1')));
    const other = await rejection(client.send(new TransactWriteItemsCommand(transaction('pay-2'))));

    expect(retried.$metadata.httpStatusCode).toBe(200);
    expect(other.name).toBe('IdempotentParameterMismatchException');
  });
});
