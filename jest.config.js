/** @type {import('jest').Config} */
const tsJest = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] };

/** Handlers driven with API Gateway proxy events, on the embedded DynamoDB engine. */
const integration = {
  displayName: 'integration',
  testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
  transform: tsJest,
  testEnvironment: 'node',
  globalSetup: '<rootDir>/test/integration/global-setup.ts',
  globalTeardown: '<rootDir>/test/integration/global-teardown.ts',
  setupFiles: ['<rootDir>/test/integration/env.ts'],
  restoreMocks: true,
};

module.exports = {
  // The integration and infra suites start an engine or synthesise a stack: allow for slow CI.
  testTimeout: 60000,
  projects: [
    {
      displayName: 'unit',
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
      transform: tsJest,
      testEnvironment: 'node',
    },
    integration,
    {
      // The same suites again, over real HTTP through the local server (in-process).
      ...integration,
      displayName: 'integration-http',
      // Suites that start their own local server, engines or proxy have nothing to gain from a rerun.
      // Fault tests drive the handlers directly (their own Lambda context, their own engine
      // proxy); HTTP would add nothing but waiting for the local server's timeouts. Protocol
      // tests drive the domain functions, or count the calls behind their own engine proxy.
      testPathIgnorePatterns: [
        '/node_modules/',
        '<rootDir>/test/integration/local-server.test.ts',
        // Builds the proxy event of each deployed URL itself, and starts its own local server.
        '<rootDir>/test/integration/location.test.ts',
        '<rootDir>/test/integration/npm-start-cleanup.test.ts',
        '<rootDir>/test/integration/engines.test.ts',
        // Runs the built bundles in processes of their own, as Lambda does; no HTTP in between.
        '<rootDir>/test/integration/lambda-bundles.test.ts',
        '<rootDir>/test/integration/local-sigv4.test.ts',
        '<rootDir>/test/integration/signed-calls.test.ts',
        '<rootDir>/test/integration/smoke.test.ts',
        // The bench's load runner against an HTTP server of its own: no handler to route.
        '<rootDir>/test/integration/bench/',
        '<rootDir>/test/integration/client/',
        '<rootDir>/test/integration/faults/',
        '<rootDir>/test/integration/protocol/',
        // Recovery tests drive the domain functions and the handlers on a clock they move.
        '<rootDir>/test/integration/recovery/',
      ],
      setupFilesAfterEnv: ['<rootDir>/test/integration/support/over-http.ts'],
    },
    {
      // The exactly-once checker, a small run: it starts and kills its own local servers.
      displayName: 'checker',
      testMatch: ['<rootDir>/test/checker/**/*.test.ts'],
      transform: tsJest,
      testEnvironment: 'node',
    },
    {
      displayName: 'infra',
      testMatch: ['<rootDir>/test/infra/**/*.test.ts'],
      transform: tsJest,
      testEnvironment: 'node',
    },
  ],
};
