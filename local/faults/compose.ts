import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { IdempotentConfig } from '../../lambda/app/config';
import { createIdempotencyLayer, type IdempotentDependencies } from '../../lambda/app/dependencies';
import {
  FaultInjectingIdempotency,
  FaultInjectingOrdersStore,
  FaultInjectingPersistenceLayer,
  FaultInjectingProcessor,
} from './decorators';
import type { FaultInjector } from './fault-injector';

/**
 * `dependencies` with every fault point of a POST (`FAULT_STEPS`) armed by `faults`: the
 * processor, the store and the idempotency layer decorated, the layer's persistence included
 * (built anew on `client`, so that the result's own write can fail).
 */
export function withFaultInjection(
  dependencies: IdempotentDependencies,
  config: IdempotentConfig,
  client: DynamoDBClient,
  faults: FaultInjector,
): IdempotentDependencies {
  const idempotency = createIdempotencyLayer(
    config,
    client,
    dependencies.clock,
    (options) => new FaultInjectingPersistenceLayer(options, faults),
  );
  return {
    ...dependencies,
    processor: new FaultInjectingProcessor(dependencies.processor, faults),
    store: new FaultInjectingOrdersStore(dependencies.store, faults),
    idempotency: new FaultInjectingIdempotency(idempotency, faults),
  };
}
