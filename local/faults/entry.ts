/**
 * The fault-injecting entry: the whole API (`../application.ts`) on the production
 * dependencies, decorated with every fault point. The local server loads it instead of the
 * deployed entries when asked (`FAULT_INJECTION=1`, which the exactly-once checker sets), with
 * random faults from `FAULT_INJECTION_RANDOM` (JSON of `RandomFaults`).
 */
import { parseIdempotentConfig } from '../../lambda/app/config';
import { createDynamoDbClient, createIdempotentDependencies } from '../../lambda/app/dependencies';
import { handlersByFunctionId } from '../application';
import { withFaultInjection } from './compose';
import { FaultInjector, type RandomFaults } from './fault-injector';

const config = parseIdempotentConfig(process.env);
const client = createDynamoDbClient(config);
const faults = new FaultInjector();
if (process.env.FAULT_INJECTION_RANDOM) {
  faults.useRandomFaults(JSON.parse(process.env.FAULT_INJECTION_RANDOM) as RandomFaults);
}

/** Every route's handler, by function id. */
export const handlers = handlersByFunctionId(
  withFaultInjection(createIdempotentDependencies(config, client), config, client, faults),
);
