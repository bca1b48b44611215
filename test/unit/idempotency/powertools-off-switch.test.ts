import { PowertoolsIdempotency } from '../../../lambda/idempotency/powertools-idempotency';

describe("Powertools' POWERTOOLS_IDEMPOTENCY_DISABLED", () => {
  const saved = process.env.POWERTOOLS_IDEMPOTENCY_DISABLED;
  afterEach(() => {
    if (saved === undefined) delete process.env.POWERTOOLS_IDEMPOTENCY_DISABLED;
    else process.env.POWERTOOLS_IDEMPOTENCY_DISABLED = saved;
  });

  it('stops a POST route from starting instead of serving it without idempotency', () => {
    const layer = new PowertoolsIdempotency({
      persistence: () => {
        throw new Error('never built');
      },
      replayWindowSeconds: 60,
      localCacheSize: 0,
    });
    process.env.POWERTOOLS_IDEMPOTENCY_DISABLED = 'true';

    expect(() =>
      layer.guard('create-order', () => Promise.reject(new Error('never runs'))),
    ).toThrow('Powertools idempotency is switched off in this environment');
  });
});
