import type * as IdempotentRouteModule from '../../../lambda/idempotency/idempotent-route';

describe("Powertools' POWERTOOLS_IDEMPOTENCY_DISABLED", () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('stops a POST route from starting instead of serving it without idempotency', () => {
    process.env.IDEMPOTENCY_TABLE_NAME = 'idempotency';
    process.env.POWERTOOLS_IDEMPOTENCY_DISABLED = 'true';

    jest.isolateModules(() => {
      const { idempotentRoute } =
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        require('../../../lambda/idempotency/idempotent-route') as typeof IdempotentRouteModule;

      expect(() =>
        idempotentRoute({
          route: 'POST /orders',
          keyPrefix: 'create-order',
          parse: (body) => body,
          execute: () => Promise.reject(new Error('never runs')),
        }),
      ).toThrow('POWERTOOLS_IDEMPOTENCY_DISABLED is set');
    });
  });
});
