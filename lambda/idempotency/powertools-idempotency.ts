import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import { markReplayed, type HttpResponse } from '../http/response';
import type { IdempotencyLayer, IdempotentOperation, GuardedOperation } from './idempotent-route';
import type { IdempotentCall } from './request';
import { JmesPathFunctionsIntrospectedOnce } from './jmespath-functions';

export interface PowertoolsIdempotencyOptions {
  /**
   * A new persistence layer, one per operation: Powertools binds a layer to the first config it
   * sees.
   */
  readonly persistence: () => BasePersistenceLayer;
  /** How long a completed response is replayed. */
  readonly replayWindowSeconds: number;
  /** Completed records kept in the container's memory; `0` turns the local cache off. */
  readonly localCacheSize: number;
}

/**
 * The idempotency layer of the functions: Powertools' `makeIdempotent` around each operation.
 * The record key is hashed from the call's scope, its fingerprint is validated on every
 * replay, and the in-progress lock expires with the invocation.
 */
export class PowertoolsIdempotency implements IdempotencyLayer {
  constructor(private readonly options: PowertoolsIdempotencyOptions) {}

  /** @throws Error when Powertools' own off switch is set: every retry would charge again */
  guard<Input>(keyPrefix: string, operation: IdempotentOperation<Input>): GuardedOperation<Input> {
    const { replayWindowSeconds, localCacheSize } = this.options;
    const config = new IdempotencyConfig({
      eventKeyJmesPath: 'scope',
      payloadValidationJmesPath: 'fingerprint',
      throwOnNoIdempotencyKey: true,
      expiresAfterSeconds: replayWindowSeconds,
      hashFunction: 'sha256',
      jmesPathOptions: new JmesPathFunctionsIntrospectedOnce(),
      useLocalCache: localCacheSize > 0,
      maxLocalCacheSize: Math.max(localCacheSize, 1),
      // Called only when a completed record answers the request instead of an execution.
      // What it gets is what the operation returned and the record stored: an HttpResponse.
      responseHook: (response) => markReplayed(response as unknown as HttpResponse),
    });
    if (!config.isEnabled()) {
      // Powertools' own off switch (its environment variable, named in docs/configuration.md).
      throw new Error(
        'Powertools idempotency is switched off in this environment: POST routes need it',
      );
    }
    const once = makeIdempotent(({ request }: IdempotentCall<Input>) => operation(request), {
      persistenceStore: this.options.persistence(),
      config,
      keyPrefix,
    });
    return (call, context) => {
      // The in-progress lock then expires with the invocation, so a timed-out request frees its key.
      config.registerLambdaContext(context);
      return once(call);
    };
  }
}
