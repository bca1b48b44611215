import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBPersistenceOptions } from '@aws-lambda-powertools/idempotency/types';
import { idempotencyTableSchema } from '../store/table-schema';

type SaveSuccessArguments = Parameters<DynamoDBPersistenceLayer['saveSuccess']>;

/**
 * Powertools' DynamoDB persistence, except that a result which fails to save frees its key.
 *
 * Powertools leaves the record INPROGRESS when saving the result fails, so every retry would
 * get 409 until the in-progress expiry (the rest of the Lambda timeout). Deleting it lets the
 * retry run again at once; that is safe because re-execution finds its own earlier write
 * through the derived resource id and answers with it. If the delete fails too (the store is
 * down), the in-progress expiry still bounds the wait.
 */
export class ResponsePersistenceLayer extends DynamoDBPersistenceLayer {
  override async saveSuccess(...[data, result]: SaveSuccessArguments): Promise<void> {
    try {
      await super.saveSuccess(data, result);
    } catch (error) {
      await this.deleteRecord(data).catch(() => {});
      throw error;
    }
  }
}

/** Where the records of the idempotency layer live: the table, its client and key attributes. */
export function responsePersistenceOptions(
  tableName: string,
  client: DynamoDBClient,
): DynamoDBPersistenceOptions {
  return {
    tableName,
    awsSdkV3Client: client,
    keyAttr: idempotencyTableSchema.partitionKey,
    expiryAttr: idempotencyTableSchema.ttlAttribute,
  };
}
