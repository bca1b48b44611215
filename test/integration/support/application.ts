/**
 * The API under test: every route's handler built by its factory, with the production
 * dependencies on the test run's engine and tables, the processor and the store wrapped in the
 * decorators tests observe them through, and fault points when a test asks for them.
 *
 * Each test file has its own (jest loads modules per file): built on first use with the test
 * run's environment, or by the file itself with `useTestApplication` when it needs another.
 */
import type { ApiRoute } from '../../../lib/api-routes';
import { parseIdempotentConfig } from '../../../lambda/app/config';
import {
  createDynamoDbClient,
  createIdempotentDependencies,
} from '../../../lambda/app/dependencies';
import type { Clock } from '../../../lambda/domain/ports';
import type { LambdaHandler } from '../../../lambda/http/handler';
import { handlersByFunctionId } from '../../../local/application';
import { withFaultInjection } from '../../../local/faults/compose';
import type { FaultInjector } from '../../../local/faults/fault-injector';
import { ObservedProcessor } from './observed-processor';
import { FailingOnDemandStore } from './store';

export interface TestApplication {
  readonly handlerFor: (route: ApiRoute) => LambdaHandler;
  /** The sandbox processor every charge goes to, observed. */
  readonly processor: ObservedProcessor;
  /** The Orders store the handlers use. */
  readonly store: FailingOnDemandStore;
}

export interface TestApplicationOptions {
  /** Variables on top of the test run's environment (engine endpoint, table names). */
  readonly env?: Readonly<Record<string, string>>;
  /** Fault points around the processor, the store and the idempotency layer, armed by these. */
  readonly faults?: FaultInjector;
  /** The instance's clock. @default the wall clock */
  readonly clock?: Clock;
}

export function buildTestApplication(options: TestApplicationOptions = {}): TestApplication {
  const config = parseIdempotentConfig({ ...process.env, ...options.env });
  const client = createDynamoDbClient(config);
  const production = createIdempotentDependencies(config, client, options.clock);
  const processor = new ObservedProcessor(production.processor);
  const store = new FailingOnDemandStore(production.store);
  const observed = { ...production, processor, store };
  const dependencies = options.faults
    ? withFaultInjection(observed, config, client, options.faults)
    : observed;
  const handlers = handlersByFunctionId(dependencies);
  return {
    handlerFor: (route) => {
      const handler = handlers.get(route.functionId);
      if (!handler) throw new Error(`no handler for ${route.functionId}`);
      return handler;
    },
    processor,
    store,
  };
}

let current: TestApplication | undefined;

/** This test file's API. */
export function testApplication(): TestApplication {
  return (current ??= buildTestApplication());
}

/** From now on, this test file's calls reach an API built with `options`. */
export function useTestApplication(options: TestApplicationOptions): TestApplication {
  current = buildTestApplication(options);
  return current;
}

// What a test arms on the processor or the store is for that test only.
afterEach(() => {
  current?.processor.reset();
  current?.store.reset();
});
