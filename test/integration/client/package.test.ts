/**
 * The client as another project gets it: built by `npm run build:client`, loaded through the
 * package's `exports` by a plain Node process (CommonJS and ESM), and type-checked by a separate
 * TypeScript project against the emitted declarations.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { aCreateOrderRequest, aTenant } from '../../support/builders';
import { startLocalApi, type LocalApi } from './local-api';

const run = promisify(execFile);
const repositoryRoot = path.resolve(__dirname, '../../..');
const tsc = path.join(repositoryRoot, 'node_modules/typescript/bin/tsc');

let api: LocalApi;

beforeAll(async () => {
  await run(process.execPath, [tsc, '-p', 'tsconfig.client.json'], { cwd: repositoryRoot });
  api = await startLocalApi();
});
afterAll(() => api?.close());

/** Runs `source` in a fresh Node process from the repository root; returns its stdout. */
async function node(args: string[], source: string): Promise<string> {
  const { stdout } = await run(process.execPath, [...args, '-e', source], {
    cwd: repositoryRoot,
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  return stdout;
}

const createOrderScript = (tenant: string) => `
  const payments = createPaymentsClient({ baseUrl: ${JSON.stringify(api.url)}, auth: { type: 'none', tenant: ${JSON.stringify(tenant)} } });
  payments.createOrder(${JSON.stringify(aCreateOrderRequest())})
    .then((order) => payments.getOrder(order.id))
    .then((order) => console.log(JSON.stringify(order)));
`;

describe('the client package entry point', () => {
  it('is required by a plain Node process and creates an order', async () => {
    const tenant = aTenant();

    const output = await node(
      [],
      `const { createPaymentsClient } = require('idempotent-payments-api/client');${createOrderScript(tenant)}`,
    );

    expect(JSON.parse(output)).toMatchObject({ status: 'PENDING', currency: 'USD', amount: 2500 });
  });

  it('is imported as an ES module', async () => {
    const output = await node(
      ['--input-type=module'],
      `import { createPaymentsClient } from 'idempotent-payments-api/client';${createOrderScript(aTenant())}`,
    );

    expect(JSON.parse(output)).toMatchObject({ status: 'PENDING' });
  });

  it('does not load zod or the AWS SDK when no request is signed', async () => {
    const output = await node(
      [],
      `require('idempotent-payments-api/client');
       console.log(JSON.stringify(Object.keys(require.cache).filter((m) => /node_modules/.test(m))));`,
    );

    expect(JSON.parse(output)).toEqual([]);
  });

  it('type-checks a separate TypeScript project against the emitted declarations', async () => {
    const consumer = path.join(__dirname, 'consumer/tsconfig.json');

    await expect(
      run(process.execPath, [tsc, '-p', consumer], { cwd: repositoryRoot }),
    ).resolves.toBeDefined();
  });
});
