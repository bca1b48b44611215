/**
 * The client as another project meets it. `npm pack` (which runs `prepare`, the client build)
 * makes the tarball; an empty project installs it from the file — no network for the package
 * itself, its dependencies from npm's cache or registry — with its own TypeScript, and then
 * requires it as CommonJS, imports it as an ES module, type-checks against it, signs with it,
 * and runs the README's client example as written.
 */
import { execFile } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { docExample } from '../../support/doc-examples';
import { aCreateOrderRequest, aTenant } from '../../support/builders';
import { idOf } from '../support/invoke';
import { startLocalApi, type LocalApi } from './local-api';
import { startSigningLocalApi, type SigningLocalApi } from './signing-local-api';

const run = promisify(execFile);
const repositoryRoot = path.resolve(__dirname, '../../..');
const PACKAGE = 'idempotent-payments-api';
/** The import specifier a consumer writes, quoted for the programs below. */
const CLIENT = JSON.stringify(`${PACKAGE}/client`);
// Packing builds the client, and installing copies its dependencies out of npm's cache.
const SLOW_MS = 600_000;

const repositoryPackage = JSON.parse(
  readFileSync(path.join(repositoryRoot, 'package.json'), 'utf8'),
) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };

/** `name@version` as this repository pins it, so the cache has it. */
function pinned(name: string): string {
  const version =
    repositoryPackage.dependencies?.[name] ?? repositoryPackage.devDependencies?.[name];
  if (version === undefined) throw new Error(`package.json does not pin ${name}`);
  return `${name}@${version}`;
}

let directory: string;
let project: string;
let packedFiles: string[];
let api: LocalApi;
let signingApi: SigningLocalApi;

beforeAll(async () => {
  [api, signingApi] = await Promise.all([startLocalApi(), startSigningLocalApi()]);
  directory = mkdtempSync(path.join(tmpdir(), 'client-package-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', directory], {
    cwd: repositoryRoot,
  });
  const [packed] = JSON.parse(stdout) as [{ filename: string; files: { path: string }[] }];
  packedFiles = packed.files.map((file) => file.path).sort();

  project = path.join(directory, 'consumer');
  await run('mkdir', [project]);
  writeFileSync(
    path.join(project, 'package.json'),
    JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }),
  );
  await run(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      path.join(directory, packed.filename),
      pinned('typescript'),
      pinned('@types/node'),
      // What a project that signs (deployed: `auth: { type: 'sigv4' }`) installs besides.
      pinned('@smithy/signature-v4'),
      pinned('@smithy/hash-node'),
      pinned('@aws-sdk/credential-provider-node'),
    ],
    { cwd: project },
  );
  for (const extension of ['mts', 'cts']) {
    copyFileSync(
      path.join(__dirname, 'consumer/consumer.ts'),
      path.join(project, `consumer.${extension}`),
    );
  }
  writeFileSync(
    path.join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'nodenext',
        moduleResolution: 'nodenext',
        lib: ['ES2023'],
        types: ['node'],
        strict: true,
        noEmit: true,
        skipLibCheck: false,
      },
      files: ['consumer.mts', 'consumer.cts'],
    }),
  );
}, SLOW_MS);

afterAll(async () => {
  await Promise.all([api?.close(), signingApi?.close()]);
  if (directory) rmSync(directory, { recursive: true, force: true });
});

/** Runs `source` in a fresh Node process in the consumer project; returns its stdout. */
async function node(args: string[], source: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const { AWS_SESSION_TOKEN: _token, AWS_PROFILE: _profile, ...inherited } = process.env;
  const { stdout } = await run(process.execPath, [...args, '-e', source], {
    cwd: project,
    env: { ...inherited, NODE_OPTIONS: '', ...env },
  });
  return stdout;
}

const createAndReadOrder = (url: string, auth: string) => `
  const payments = createPaymentsClient({ baseUrl: ${JSON.stringify(url)}, auth: ${auth} });
  payments.createOrder(${JSON.stringify(aCreateOrderRequest())})
    .then((order) => payments.getOrder(order.id))
    .then((order) => console.log(JSON.stringify(order)));
`;

/** Where the package is installed in the consumer project. */
const installedPackage = () => path.join(project, 'node_modules', PACKAGE);

describe('the client package', () => {
  it('packs the built client and nothing of the repository besides', () => {
    expect(packedFiles).toEqual(
      expect.arrayContaining(['dist/client/index.js', 'dist/client/index.d.ts', 'package.json']),
    );
    expect(
      packedFiles.filter((file) => !/^(dist\/|package\.json$|README\.md$)/.test(file)),
    ).toEqual([]);
  });

  it("installs none of the functions' packages into the consumer's project", () => {
    const installed = (name: string) => existsSync(path.join(project, 'node_modules', name));

    expect(
      [
        '@aws-lambda-powertools/idempotency',
        '@aws-sdk/client-dynamodb',
        '@aws-sdk/lib-dynamodb',
      ].filter(installed),
    ).toEqual([]);
    expect(installed('zod')).toBe(true);
  });

  it(
    'ships no file that a consumer does not load, at run time or to type-check',
    async () => {
      const loaded = JSON.parse(
        await node(
          [],
          `require(${CLIENT}); console.log(JSON.stringify(Object.keys(require.cache)));`,
        ),
      ) as string[];
      const { stdout: listed } = await run(
        process.execPath,
        [path.join(project, 'node_modules/typescript/bin/tsc'), '-p', '.', '--listFilesOnly'],
        { cwd: project },
      );
      const used = new Set(
        [...loaded, ...loaded.map((file) => `${file}.map`), ...listed.split('\n')]
          .filter((file) => file.startsWith(`${installedPackage()}/`))
          .map((file) => path.relative(installedPackage(), file)),
      );

      expect(packedFiles.filter((file) => file.startsWith('dist/') && !used.has(file))).toEqual([]);
    },
    SLOW_MS,
  );

  it('is required by a CommonJS program, which creates and reads an order', async () => {
    const output = await node(
      [],
      `const { createPaymentsClient } = require(${CLIENT});${createAndReadOrder(
        api.url,
        `{ type: 'none', tenant: ${JSON.stringify(aTenant())} }`,
      )}`,
    );

    expect(JSON.parse(output)).toMatchObject({ status: 'PENDING', currency: 'USD', amount: 2500 });
  });

  it('is imported by an ES module program', async () => {
    const output = await node(
      ['--input-type=module'],
      `import { createPaymentsClient } from ${CLIENT};${createAndReadOrder(
        api.url,
        `{ type: 'none', tenant: ${JSON.stringify(aTenant())} }`,
      )}`,
    );

    expect(JSON.parse(output)).toMatchObject({ status: 'PENDING' });
  });

  it('loads no other package, zod and the AWS SDK included, until a request is signed', async () => {
    const output = await node(
      [],
      `require(${CLIENT}); console.log(JSON.stringify(Object.keys(require.cache)));`,
    );

    expect(
      (JSON.parse(output) as string[]).filter((file) => !file.startsWith(installedPackage())),
    ).toEqual([]);
  });

  it('signs with SigV4 through the signing packages the project installed', async () => {
    const output = await node(
      [],
      `const { createPaymentsClient } = require(${CLIENT});${createAndReadOrder(
        signingApi.url,
        `{ type: 'sigv4', region: ${JSON.stringify(signingApi.region)} }`,
      )}`,
      // The AWS SDK's default credential chain reads the environment first.
      {
        AWS_ACCESS_KEY_ID: signingApi.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: signingApi.credentials.secretAccessKey,
      },
    );

    expect(JSON.parse(output)).toMatchObject({ status: 'PENDING' });
  });

  it(
    'type-checks a TypeScript project, ES module and CommonJS, against the shipped declarations',
    async () => {
      await expect(
        run(process.execPath, [path.join(project, 'node_modules/typescript/bin/tsc'), '-p', '.'], {
          cwd: project,
        }),
      ).resolves.toBeDefined();
    },
    SLOW_MS,
  );

  it("runs the README's client example as written, twice, as the curl quick start's tenant", async () => {
    const { code } = docExample('README.md', 'client-quick-start');
    // The one change: the local server of this test listens on a free port, not on 3000.
    expect(code).toContain("'http://127.0.0.1:3000'");
    writeFileSync(
      path.join(project, 'example.mjs'),
      code.replaceAll("'http://127.0.0.1:3000'", JSON.stringify(api.url)),
    );
    const runExample = async () =>
      (await run(process.execPath, ['example.mjs'], { cwd: project })).stdout.trim().split('\n');

    const first = await runExample();
    const second = await runExample();
    // The quick start's curl sends no X-Tenant-Id: the tenant is `local`.
    const asTheQuickStart = await fetch(
      `${api.url}/orders/${idOf('ord', 'local', 'checkout-7f3a-order')}`,
    );

    for (const output of [first, second]) {
      expect(output).toContain('SUCCEEDED PAID');
      expect(output.at(-1)).toBe('1 payment(s)');
    }
    expect(asTheQuickStart.status).toBe(200);
    expect(await asTheQuickStart.json()).toMatchObject({ status: 'PAID' });
  });
});
