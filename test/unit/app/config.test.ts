import {
  parseConfig,
  parseIdempotentConfig,
  parseRecoveryConfig,
} from '../../../lambda/app/config';

const reader = { ORDERS_TABLE_NAME: 'orders' };
const writer = { ...reader, IDEMPOTENCY_TABLE_NAME: 'idempotency' };

describe('parseConfig', () => {
  it('applies the documented defaults', () => {
    expect(parseConfig(reader)).toEqual({
      ordersTableName: 'orders',
      dynamoDbEndpoint: undefined,
      serviceName: 'payments-api',
      metricsNamespace: 'PaymentsApi',
      logLevel: undefined,
      corsAllowOrigins: [],
    });
  });

  it('reads every variable it knows', () => {
    const config = parseConfig({
      ...reader,
      DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000',
      POWERTOOLS_SERVICE_NAME: 'payments-api-staging',
      POWERTOOLS_METRICS_NAMESPACE: 'PaymentsApi-staging',
      POWERTOOLS_LOG_LEVEL: 'warn',
      CORS_ALLOW_ORIGINS: ' https://shop.example.com, ,https://admin.example.com ',
    });

    expect(config).toEqual({
      ordersTableName: 'orders',
      dynamoDbEndpoint: 'http://127.0.0.1:8000',
      serviceName: 'payments-api-staging',
      metricsNamespace: 'PaymentsApi-staging',
      logLevel: 'WARN',
      corsAllowOrigins: ['https://shop.example.com', 'https://admin.example.com'],
    });
  });

  it.each([{}, { ORDERS_TABLE_NAME: '' }])('names a missing table: %j', (environment) => {
    expect(() => parseConfig(environment)).toThrow(
      expect.objectContaining({
        name: 'InvalidConfiguration',
        message: 'ORDERS_TABLE_NAME environment variable is not set',
      }),
    );
  });
});

describe('parseIdempotentConfig', () => {
  it('applies the documented defaults', () => {
    expect(parseIdempotentConfig(writer)).toMatchObject({
      ordersTableName: 'orders',
      idempotency: { tableName: 'idempotency', replayWindowSeconds: 86_400, localCacheSize: 1000 },
      sandboxLatencyMs: 0,
      recoverySafeAgeSeconds: 3600,
    });
  });

  it.each([
    ['1', 1],
    ['43200', 43_200],
  ])('reads PAYMENT_RECOVERY_SAFE_AGE_SECONDS=%s', (raw, seconds) => {
    const config = parseIdempotentConfig({ ...writer, PAYMENT_RECOVERY_SAFE_AGE_SECONDS: raw });

    expect(config.recoverySafeAgeSeconds).toBe(seconds);
  });

  it.each(['0', '43201', '1h'])(
    'refuses PAYMENT_RECOVERY_SAFE_AGE_SECONDS=%s: past half the key retention, the processor may have forgotten the key',
    (raw) => {
      expect(() =>
        parseIdempotentConfig({ ...writer, PAYMENT_RECOVERY_SAFE_AGE_SECONDS: raw }),
      ).toThrow(
        `PAYMENT_RECOVERY_SAFE_AGE_SECONDS environment variable must be a whole number of at least 1 and at most 43200, got "${raw}"`,
      );
    },
  );

  it('accepts SANDBOX_LATENCY_MS=0, its documented default, and no local cache', () => {
    const config = parseIdempotentConfig({
      ...writer,
      SANDBOX_LATENCY_MS: '0',
      IDEMPOTENCY_LOCAL_CACHE_SIZE: '0',
    });

    expect(config.sandboxLatencyMs).toBe(0);
    expect(config.idempotency.localCacheSize).toBe(0);
  });

  it('reads whole numbers', () => {
    const config = parseIdempotentConfig({
      ...writer,
      IDEMPOTENCY_TTL_SECONDS: '3600',
      IDEMPOTENCY_LOCAL_CACHE_SIZE: '50',
      SANDBOX_LATENCY_MS: '250',
    });

    expect(config).toMatchObject({
      idempotency: { replayWindowSeconds: 3600, localCacheSize: 50 },
      sandboxLatencyMs: 250,
    });
  });

  it('names every variable that is missing or invalid, in one error', () => {
    const parse = () =>
      parseIdempotentConfig({
        IDEMPOTENCY_TTL_SECONDS: '0',
        IDEMPOTENCY_LOCAL_CACHE_SIZE: '1.5',
        SANDBOX_LATENCY_MS: '-1',
        POWERTOOLS_LOG_LEVEL: 'LOUD',
      });

    expect(parse).toThrow(
      [
        'ORDERS_TABLE_NAME environment variable is not set',
        'POWERTOOLS_LOG_LEVEL environment variable must be one of TRACE, DEBUG, INFO, WARN, ERROR, SILENT, CRITICAL, got "LOUD"',
        'SANDBOX_LATENCY_MS environment variable must be a whole number, got "-1"',
        'IDEMPOTENCY_TABLE_NAME environment variable is not set',
        'IDEMPOTENCY_TTL_SECONDS environment variable must be a whole number of at least 1, got "0"',
        'IDEMPOTENCY_LOCAL_CACHE_SIZE environment variable must be a whole number, got "1.5"',
      ].join('; '),
    );
  });
});

describe('parseRecoveryConfig', () => {
  it("reads the sweeper's variables: the Orders table, the processor and the margins, no idempotency table", () => {
    expect(
      parseRecoveryConfig({
        ORDERS_TABLE_NAME: 'orders',
        PAYMENT_RECOVERY_SAFE_AGE_SECONDS: '600',
        CLOCK_SKEW_MARGIN_MS: '2000',
      }),
    ).toMatchObject({
      ordersTableName: 'orders',
      sandboxLatencyMs: 0,
      clockSkewMarginMs: 2000,
      recoverySafeAgeSeconds: 600,
    });
  });
});
