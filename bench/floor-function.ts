/**
 * The floor every function is measured against: a bare AWS SDK v3 DynamoDB client making one
 * `GetItem`, and nothing else. `./bundles.ts` bundles it with the functions' esbuild settings
 * (`lib/bundling.ts`) but without their substitutions, as any function using the SDK would be
 * bundled; its size and cold start, measured in the same run as the functions', are what their
 * ratios are taken against.
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';

const endpoint = process.env.DYNAMODB_ENDPOINT;
const client = new DynamoDBClient(endpoint ? { endpoint } : {});

export const handler = async (): Promise<{ statusCode: number; body: string }> => {
  const { Item } = await client.send(
    new GetItemCommand({
      TableName: process.env.ORDERS_TABLE_NAME,
      Key: { pk: { S: 'FLOOR' }, sk: { S: 'FLOOR' } },
    }),
  );
  return { statusCode: Item ? 200 : 404, body: '' };
};
