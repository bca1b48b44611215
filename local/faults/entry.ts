/**
 * The fault-injecting entry: the whole API (`../application.ts`) on the production
 * dependencies, decorated with every fault point. The local server loads it instead of the
 * deployed entries when asked (`FAULT_INJECTION=1`, which the exactly-once checker sets), with
 * random faults from `FAULT_INJECTION_RANDOM` (JSON of `RandomFaults`), on the clock that
 * `LOCAL_CLOCK_SKEW_MS` and `LOCAL_CLOCK_JUMPS_FILE` describe (the wall clock without them), and
 * with the sandbox processor that `LOCAL_SANDBOX_PROCESSOR_URL` serves to every server of a run
 * (one of this process's own without it).
 */
import { parseIdempotentConfig } from '../../lambda/app/config';
import {
  createDynamoDbClient,
  createIdempotentDependencies,
  systemClock,
} from '../../lambda/app/dependencies';
import { sweeperHandler, type SweeperHandler } from '../../lambda/app/sweeper';
import { handlersByFunctionId } from '../application';
import { RemoteSandboxProcessor } from '../shared-sandbox-processor';
import { withFaultInjection } from './compose';
import type { LambdaHandler } from '../../lambda/http/handler';
import {
  CRASH_HEADER,
  FAULT_STEPS,
  FaultInjector,
  type FaultStep,
  type RandomFaults,
} from './fault-injector';
import { simulatedClock, simulatedClockSettings } from './simulated-clock';

const config = parseIdempotentConfig(process.env);
// The checker runs instances on skewed clocks that jump together (`./simulated-clock.ts`).
const clockSettings = simulatedClockSettings(process.env);
const clock = clockSettings ? simulatedClock(clockSettings) : systemClock;
const client = createDynamoDbClient(config);
const faults = new FaultInjector();
if (process.env.FAULT_INJECTION_RANDOM) {
  faults.useRandomFaults(JSON.parse(process.env.FAULT_INJECTION_RANDOM) as RandomFaults);
}

const processorUrl = process.env.LOCAL_SANDBOX_PROCESSOR_URL;
const dependencies = withFaultInjection(
  {
    ...createIdempotentDependencies(config, client, clock),
    ...(processorUrl && { processor: new RemoteSandboxProcessor(processorUrl, clock) }),
  },
  config,
  client,
  faults,
);

/**
 * Every route's handler, by function id. A request that carries `X-Checker-Crash: <step>` dies
 * at that step (once: its retries do not carry the header): how the checker makes an attempt
 * die after its charge wherever it lands, whatever restarts happened.
 */
export const handlers = new Map(
  [...handlersByFunctionId(dependencies)].map(([functionId, handler]) => [
    functionId,
    crashingWhenAsked(handler),
  ]),
);

/** The sweeper, on the same decorated processor, store and clock; each run's summary reported. */
const sweep = sweeperHandler(dependencies);
export const sweeper: SweeperHandler = async (event, context) => {
  const summary = await sweep(event, context);
  faults.reportSweep(summary);
  return summary;
};

function crashingWhenAsked(handler: LambdaHandler): LambdaHandler {
  return (event, context) => {
    const step = event.headers[CRASH_HEADER] as FaultStep | undefined;
    const idempotencyKey = event.headers['idempotency-key'];
    if (step && idempotencyKey && FAULT_STEPS.includes(step)) {
      faults.inject({ step, action: { kind: 'crash' }, idempotencyKey });
    }
    return handler(event, context);
  };
}
