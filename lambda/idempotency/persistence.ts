import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import {
  IdempotencyItemAlreadyExistsError,
  IdempotencyItemNotFoundError,
  IdempotencyRecordStatus,
  PERSISTENCE_ATTRIBUTE_KEY_MAPPINGS,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';
import type {
  DynamoDBPersistenceOptionsWithClientInstance,
  IdempotencyRecordOptions,
  IdempotencyRecordStatusValue,
} from '@aws-lambda-powertools/idempotency/types';
import type { Clock } from '../domain/ports';
import { idempotencyTableSchema } from '../store/table-schema';

type SaveInProgressArguments = Parameters<DynamoDBPersistenceLayer['saveInProgress']>;
type SaveSuccessArguments = Parameters<DynamoDBPersistenceLayer['saveSuccess']>;

/** Attribute names of an idempotency record: Powertools' own, the key and expiry ours. */
const attribute = {
  key: idempotencyTableSchema.partitionKey,
  expiry: idempotencyTableSchema.ttlAttribute,
  status: PERSISTENCE_ATTRIBUTE_KEY_MAPPINGS.statusAttr,
  inProgressExpiry: PERSISTENCE_ATTRIBUTE_KEY_MAPPINGS.inProgressExpiryAttr,
  data: PERSISTENCE_ATTRIBUTE_KEY_MAPPINGS.dataAttr,
  validation: PERSISTENCE_ATTRIBUTE_KEY_MAPPINGS.validationKeyAttr,
} as const;

/** Where the records of the idempotency layer live, and the time this instance judges them by. */
export interface ResponsePersistenceOptions extends Omit<
  DynamoDBPersistenceOptionsWithClientInstance,
  'awsSdkV3Client'
> {
  readonly tableName: string;
  readonly awsSdkV3Client: DynamoDBClient;
  /** The instance's clock: what it writes expiries from and judges them by. */
  readonly clock: Clock;
}

/** A lock this instance is about to write: how long the invocation has left. */
interface PendingLock {
  readonly remainingMs: number | undefined;
}

/**
 * Powertools' DynamoDB persistence, on the instance's injected clock, and such that a result
 * which fails to save frees its key.
 *
 * The lock (the INPROGRESS record) is written here rather than by Powertools, which reads
 * `Date.now()` wherever it needs the time: here it is the instance's clock.
 *
 * Powertools leaves the record INPROGRESS when saving the result fails, so every retry would
 * get 409 until the in-progress expiry (the rest of the Lambda timeout). Deleting it lets the
 * retry run again at once; that is safe because re-execution finds its own earlier write
 * through the derived resource id and answers with it. If the delete fails too (the store is
 * down), the in-progress expiry still bounds the wait.
 */
export class ResponsePersistenceLayer extends DynamoDBPersistenceLayer {
  readonly #client: DynamoDBClient;
  readonly #tableName: string;
  readonly #clock: Clock;
  /** Locks between `saveInProgress` and their write, by hashed idempotency key. */
  readonly #pendingLocks = new Map<string, PendingLock>();

  constructor(options: ResponsePersistenceOptions) {
    const { clock, ...dynamoDb } = options;
    super({
      ...dynamoDb,
      keyAttr: attribute.key,
      expiryAttr: attribute.expiry,
      statusAttr: attribute.status,
      inProgressExpiryAttr: attribute.inProgressExpiry,
      dataAttr: attribute.data,
      validationKeyAttr: attribute.validation,
    });
    this.#client = options.awsSdkV3Client;
    this.#tableName = options.tableName;
    this.#clock = clock;
  }

  override async saveInProgress(
    ...[data, remainingTimeInMillis]: SaveInProgressArguments
  ): Promise<void> {
    const key = this.getHashedIdempotencyKey(data);
    const lock: PendingLock = { remainingMs: remainingTimeInMillis };
    this.#pendingLocks.set(key, lock);
    try {
      await super.saveInProgress(data, remainingTimeInMillis);
    } finally {
      // Taken by `_putRecord`, unless a cached completed record answered first.
      if (this.#pendingLocks.get(key) === lock) this.#pendingLocks.delete(key);
    }
  }

  override async saveSuccess(...[data, result]: SaveSuccessArguments): Promise<void> {
    try {
      await super.saveSuccess(data, result);
    } catch (error) {
      await this.deleteRecord(data).catch(() => {});
      throw error;
    }
  }

  /** Writes the lock of `record`, unless the key holds a live record. */
  protected override async _putRecord(record: IdempotencyRecord): Promise<void> {
    const lock = this.#pendingLocks.get(record.idempotencyKey);
    this.#pendingLocks.delete(record.idempotencyKey);
    if (!lock) throw new Error('A lock is written only through saveInProgress.');
    const nowMs = this.#clock().getTime();
    const item = {
      ...this.getKey(record.idempotencyKey),
      ...marshall(
        {
          [attribute.expiry]: Math.round(nowMs / 1000 + this.expiresAfterSeconds),
          [attribute.status]: IdempotencyRecordStatus.INPROGRESS,
          [attribute.inProgressExpiry]:
            lock.remainingMs === undefined || lock.remainingMs === 0
              ? undefined
              : nowMs + lock.remainingMs,
          [attribute.validation]: this.isPayloadValidationEnabled()
            ? record.payloadHash
            : undefined,
        },
        { removeUndefinedValues: true },
      ),
    };
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#tableName,
          Item: item,
          ConditionExpression: [
            'attribute_not_exists(#id)',
            '#expiry < :now',
            '(#status = :inprogress AND attribute_exists(#in_progress_expiry) AND #in_progress_expiry < :now_in_millis)',
          ].join(' OR '),
          ExpressionAttributeNames: {
            '#id': attribute.key,
            '#expiry': attribute.expiry,
            '#status': attribute.status,
            '#in_progress_expiry': attribute.inProgressExpiry,
          },
          ExpressionAttributeValues: marshall({
            ':now': nowMs / 1000,
            ':now_in_millis': nowMs,
            ':inprogress': IdempotencyRecordStatus.INPROGRESS,
          }),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const existing = error.Item && unmarshall(error.Item);
      throw new IdempotencyItemAlreadyExistsError(
        `Failed to put record for already existing idempotency key: ${record.idempotencyKey}`,
        existing && this.#recordOf(existing),
      );
    }
  }

  protected override async _getRecord(idempotencyKey: string): Promise<IdempotencyRecord> {
    const { Item } = await this.#client.send(
      new GetItemCommand({
        TableName: this.#tableName,
        Key: this.getKey(idempotencyKey),
        ConsistentRead: true,
      }),
    );
    if (!Item) throw new IdempotencyItemNotFoundError();
    return this.#recordOf(unmarshall(Item));
  }

  #recordOf(item: Record<string, unknown>): IdempotencyRecord {
    return new RecordOnClock(this.#clock, {
      idempotencyKey: item[attribute.key] as string,
      status: item[attribute.status] as IdempotencyRecordStatusValue,
      expiryTimestamp: item[attribute.expiry] as number | undefined,
      inProgressExpiryTimestamp: item[attribute.inProgressExpiry] as number | undefined,
      responseData: item[attribute.data] as IdempotencyRecord['responseData'],
      payloadHash: item[attribute.validation] as string | undefined,
    });
  }
}

/** A record read from the store, whose expiry is judged by the instance's clock. */
class RecordOnClock extends IdempotencyRecord {
  constructor(
    private readonly clock: Clock,
    options: IdempotencyRecordOptions,
  ) {
    super(options);
  }

  override isExpired(): boolean {
    return (
      this.expiryTimestamp !== undefined && this.clock().getTime() / 1000 > this.expiryTimestamp
    );
  }
}

/** Where the records of the idempotency layer live: the table, its client, and the clock. */
export function responsePersistenceOptions(
  tableName: string,
  client: DynamoDBClient,
  clock: Clock,
): ResponsePersistenceOptions {
  return { tableName, awsSdkV3Client: client, clock };
}
