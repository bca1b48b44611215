import { randomUUID } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
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
type DeleteRecordArguments = Parameters<DynamoDBPersistenceLayer['deleteRecord']>;
/** What Powertools hashes a request's key from: the same object through one invocation. */
type CallPayload = SaveInProgressArguments[0];

/** Attribute names of an idempotency record: Powertools' own, the key and expiry ours. */
const attribute = {
  key: idempotencyTableSchema.partitionKey,
  expiry: idempotencyTableSchema.ttlAttribute,
  status: PERSISTENCE_ATTRIBUTE_KEY_MAPPINGS.statusAttr,
  inProgressExpiry: PERSISTENCE_ATTRIBUTE_KEY_MAPPINGS.inProgressExpiryAttr,
  data: PERSISTENCE_ATTRIBUTE_KEY_MAPPINGS.dataAttr,
  validation: PERSISTENCE_ATTRIBUTE_KEY_MAPPINGS.validationKeyAttr,
  /** Ours: which write of which request took the lock. */
  lockToken: 'lock_token',
} as const;

/**
 * The shortest lock: what an invocation reporting no time left (or none known) gets. Powertools
 * writes no in-progress expiry then, and such a lock would hold the key for the whole replay
 * window; in Lambda the invocation is about to be stopped, so a short lock is enough.
 */
export const MIN_LOCK_MS = 1_000;

/** Where the records of the idempotency layer live, and the time this instance judges them by. */
export interface ResponsePersistenceOptions extends Omit<
  DynamoDBPersistenceOptionsWithClientInstance,
  'awsSdkV3Client'
> {
  readonly tableName: string;
  readonly awsSdkV3Client: DynamoDBClient;
  /** The instance's clock: what it writes expiries from and judges them by. */
  readonly clock: Clock;
  /**
   * How far apart the instances' clocks may be (ms): a record is taken for expired only this
   * long after the expiry another instance wrote.
   */
  readonly clockSkewMarginMs: number;
}

/** A lock this instance is about to write. */
interface PendingLock {
  /** How long the lock holds: the time the invocation has left, at least {@link MIN_LOCK_MS}. */
  readonly durationMs: number;
  /** Written with the lock, the same in every send of the write: how it knows its own lock. */
  readonly token: string;
}

/**
 * Powertools' DynamoDB persistence, except for how the lock is taken and that a result which
 * fails to save frees its key.
 *
 * The lock (the INPROGRESS record) is written here rather than by Powertools (issue 12):
 * - on the instance's injected clock, where Powertools reads `Date.now()`;
 * - a record, the lock included, is taken for expired only the clock skew margin after its
 *   expiry, so that an instance whose clock runs ahead (within the margin) does not take over
 *   a live lock, and both requests would run and answer as the first execution;
 * - the lock always expires, at least {@link MIN_LOCK_MS} after it was taken;
 * - it carries a token of the write: when DynamoDB applied the write but its reply was lost,
 *   the SDK's repeat fails its condition against this very lock, and the token, sent back with
 *   the failure, tells that the request holds the lock. Without it the request would get 409
 *   for its own lock, and the key would stay locked until the lock expired.
 *
 * The result is saved, and the record of a failed request deleted, only while the record is still
 * the request's own lock (its token), where Powertools writes unconditionally (a result is also
 * saved where the record is gone: whoever took the key over failed and freed it). A request that
 * outlived its lock (a process paused past it, a clock skewed past the margin) would otherwise
 * overwrite or delete the lock of the request that took the key over, and a third request could
 * then run alongside that one. Such a request's result is not saved, but it is still its
 * client's answer: it was a first execution (it may have been the one that charged), and the
 * key's holder reads the same resources, so its stored answer is the same.
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
  readonly #clockSkewMarginMs: number;
  /** Locks between `saveInProgress` and their write, by hashed idempotency key. */
  readonly #pendingLocks = new Map<string, PendingLock>();
  /** The token of the lock each request's payload took (or tried to take). */
  readonly #lockTokens = new WeakMap<object, string>();
  /**
   * The token an update or delete of a record is conditioned on, by hashed idempotency key: set
   * just before Powertools' `saveSuccess` or `deleteRecord`, which call `_updateRecord` or
   * `_deleteRecord` before anything else can run, and taken there.
   */
  readonly #writeTokens = new Map<string, string>();

  constructor(options: ResponsePersistenceOptions) {
    const { clock, clockSkewMarginMs, ...dynamoDb } = options;
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
    this.#clockSkewMarginMs = clockSkewMarginMs;
  }

  override async saveInProgress(
    ...[data, remainingTimeInMillis]: SaveInProgressArguments
  ): Promise<void> {
    const key = this.getHashedIdempotencyKey(data);
    const lock: PendingLock = {
      durationMs: Math.max(remainingTimeInMillis ?? 0, MIN_LOCK_MS),
      token: randomUUID(),
    };
    this.#pendingLocks.set(key, lock);
    if (isObject(data)) this.#lockTokens.set(data, lock.token);
    try {
      await super.saveInProgress(data, lock.durationMs);
    } finally {
      // Taken by `_putRecord`, unless a cached completed record answered first.
      if (this.#pendingLocks.get(key) === lock) this.#pendingLocks.delete(key);
    }
  }

  override async saveSuccess(...[data, result]: SaveSuccessArguments): Promise<void> {
    try {
      this.#conditionNextWriteOnLockOf(data);
      await super.saveSuccess(data, result);
    } catch (error) {
      // Another request holds the key now: its record stands, and this request's answer is
      // still its own first execution's (both read the same resources).
      if (error instanceof IdempotencyLockLost) return;
      await this.deleteRecord(data).catch(() => {});
      throw error;
    }
  }

  override async deleteRecord(...[data]: DeleteRecordArguments): Promise<void> {
    this.#conditionNextWriteOnLockOf(data);
    await super.deleteRecord(data);
  }

  #conditionNextWriteOnLockOf(data: CallPayload): void {
    const token = isObject(data) ? this.#lockTokens.get(data) : undefined;
    if (token === undefined)
      throw new Error('Only the request that took a lock writes its record.');
    this.#writeTokens.set(this.getHashedIdempotencyKey(data), token);
  }

  #takeWriteToken(idempotencyKey: string): string {
    const token = this.#writeTokens.get(idempotencyKey);
    this.#writeTokens.delete(idempotencyKey);
    if (token === undefined)
      throw new Error('A record is written through saveSuccess or deleteRecord only.');
    return token;
  }

  protected override _updateRecord(record: IdempotencyRecord): Promise<void> {
    return this.saveOwnRecord(record, this.#takeWriteToken(record.idempotencyKey));
  }

  /**
   * Saves the result `record` holds, if the record is still the lock `lockToken` names, or is
   * gone (the request that took the key over failed, and freed it). Its replay window starts by
   * the instance's clock, as its lock's did.
   *
   * @throws IdempotencyLockLost when another request holds the key
   */
  protected async saveOwnRecord(record: IdempotencyRecord, lockToken: string): Promise<void> {
    const fields = {
      [attribute.expiry]: Math.round(this.#clock().getTime() / 1000 + this.expiresAfterSeconds),
      [attribute.status]: record.getStatus(),
      ...(record.responseData !== undefined && { [attribute.data]: record.responseData }),
      ...(this.isPayloadValidationEnabled() && { [attribute.validation]: record.payloadHash }),
    };
    const names = Object.keys(fields);
    try {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#tableName,
          Key: this.getKey(record.idempotencyKey),
          UpdateExpression: `SET ${names.map((_, index) => `#f${index} = :f${index}`).join(', ')}`,
          ConditionExpression: 'attribute_not_exists(#id) OR #lock_token = :lock_token',
          ExpressionAttributeNames: {
            ...Object.fromEntries(names.map((name, index) => [`#f${index}`, name])),
            '#id': attribute.key,
            '#lock_token': attribute.lockToken,
          },
          ExpressionAttributeValues: marshall(
            {
              ...Object.fromEntries(names.map((name, index) => [`:f${index}`, fields[name]])),
              ':lock_token': lockToken,
            },
            { removeUndefinedValues: true },
          ),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new IdempotencyLockLost(record.idempotencyKey);
      }
      throw error;
    }
  }

  /**
   * Deletes the record, if it is still this request's lock: a record that is not is another
   * request's (or gone already, when the SDK repeats a delete whose reply was lost).
   */
  protected override async _deleteRecord(record: IdempotencyRecord): Promise<void> {
    const token = this.#takeWriteToken(record.idempotencyKey);
    try {
      await this.#client.send(
        new DeleteItemCommand({
          TableName: this.#tableName,
          Key: this.getKey(record.idempotencyKey),
          ConditionExpression: '#lock_token = :lock_token',
          ExpressionAttributeNames: { '#lock_token': attribute.lockToken },
          ExpressionAttributeValues: marshall({ ':lock_token': token }),
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /**
   * Writes the lock of `record`, unless the key holds a record that has not surely expired.
   * Carries on when the record it finds is its own lock.
   */
  protected override async _putRecord(record: IdempotencyRecord): Promise<void> {
    const lock = this.#pendingLocks.get(record.idempotencyKey);
    this.#pendingLocks.delete(record.idempotencyKey);
    if (!lock) throw new Error('A lock is written only through saveInProgress.');
    const nowMs = this.#clock().getTime();
    // Expired for sure, whatever the clock of the instance that wrote the expiry.
    const expiredBeforeMs = nowMs - this.#clockSkewMarginMs;
    const item = {
      ...this.getKey(record.idempotencyKey),
      ...marshall(
        {
          [attribute.expiry]: Math.round(nowMs / 1000 + this.expiresAfterSeconds),
          [attribute.status]: IdempotencyRecordStatus.INPROGRESS,
          [attribute.inProgressExpiry]: nowMs + lock.durationMs,
          [attribute.validation]: this.isPayloadValidationEnabled()
            ? record.payloadHash
            : undefined,
          [attribute.lockToken]: lock.token,
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
            ':now': expiredBeforeMs / 1000,
            ':now_in_millis': expiredBeforeMs,
            ':inprogress': IdempotencyRecordStatus.INPROGRESS,
          }),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const existing = error.Item && unmarshall(error.Item);
      // This write applied earlier, its reply lost: the SDK's repeat found the lock it took.
      if (existing?.[attribute.lockToken] === lock.token) return;
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
    return new RecordOnClock(this.#clock, this.#clockSkewMarginMs, {
      idempotencyKey: item[attribute.key] as string,
      status: item[attribute.status] as IdempotencyRecordStatusValue,
      expiryTimestamp: item[attribute.expiry] as number | undefined,
      inProgressExpiryTimestamp: item[attribute.inProgressExpiry] as number | undefined,
      responseData: item[attribute.data] as IdempotencyRecord['responseData'],
      payloadHash: item[attribute.validation] as string | undefined,
    });
  }
}

/**
 * The request's lock was taken over (it had expired) before its result was saved: the result is
 * not saved, and the key replays what the request that took it over stores.
 */
class IdempotencyLockLost extends Error {
  override readonly name = 'IdempotencyLockLost';

  constructor(idempotencyKey: string) {
    super(
      `The lock of idempotency key ${idempotencyKey} was taken over before its result was saved`,
    );
  }
}

const isObject = (value: unknown): value is object => typeof value === 'object' && value !== null;

/**
 * A record read from the store, whose expiry is judged as the lock's write judges it: by the
 * instance's clock, the margin after the expiry. Otherwise Powertools would find a record the
 * write did not take for expired to be expired, and fail the request as inconsistent.
 */
class RecordOnClock extends IdempotencyRecord {
  constructor(
    private readonly clock: Clock,
    private readonly clockSkewMarginMs: number,
    options: IdempotencyRecordOptions,
  ) {
    super(options);
  }

  override isExpired(): boolean {
    return (
      this.expiryTimestamp !== undefined &&
      (this.clock().getTime() - this.clockSkewMarginMs) / 1000 > this.expiryTimestamp
    );
  }
}

/**
 * Where the records of the idempotency layer live (the table, its client), and the time they
 * are judged by (the instance's clock, the margin for the skew between instances).
 */
export function responsePersistenceOptions(
  tableName: string,
  client: DynamoDBClient,
  clock: Clock,
  clockSkewMarginMs: number,
): ResponsePersistenceOptions {
  return { tableName, awsSdkV3Client: client, clock, clockSkewMarginMs };
}
