/**
 * What the function bundles carry, built as the stack deploys them (`lib/bundling.ts`'s settings,
 * Lambda's Node.js target, the AWS SDK bundled): no X-Ray SDK, which reaches end of support on
 * 2027-02-25 and cost every bundle about 100 KB and every cold start its load. Active tracing
 * stays on in the stack (`payments-stack.test.ts`); the Lambda runtime sends the function's
 * segment itself.
 *
 * Nor the AWS SDK's default credential chain beyond the environment, where Lambda puts the
 * function's credentials (`lambda/app/lambda-credentials.ts`): `lambda-bundles.test.ts` runs the
 * bundles as Lambda does and shows they need nothing more. And CDK's own bundling, which builds
 * what is deployed, makes the same substitution.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { build, type Metafile } from 'esbuild';
import { measureBundleSizes, measureFloorSize } from '../../bench/bundles';
import { FLOOR_TARGETS } from '../../bench/targets';
import { ApiFunction } from '../../lib/api-function';
import { apiRoutes } from '../../lib/api-routes';
import { functionBuildOptions } from '../../lib/bundling';

const repositoryRoot = path.resolve(__dirname, '../..');

/** Packages (`node_modules/<name>`) whose code ends up in each function's bundle. */
async function bundledPackages(): Promise<Map<string, ReadonlySet<string>>> {
  const outdir = path.join(repositoryRoot, 'cdk.out', 'bundle-contents');
  const result = await build({
    ...functionBuildOptions(),
    entryPoints: Object.fromEntries(
      apiRoutes.map((route) => [route.functionId, path.join(repositoryRoot, route.entry)]),
    ),
    outdir,
    sourcemap: false,
    metafile: true,
    write: false,
  });
  return new Map(
    apiRoutes.map((route) => {
      const output = outputFor(result.metafile, path.join(outdir, `${route.functionId}.js`));
      const packages = Object.entries(output.inputs)
        .filter(([, input]) => input.bytesInOutput > 0)
        .map(([input]) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1])
        .filter((name): name is string => name !== undefined);
      return [route.functionId, new Set(packages)];
    }),
  );
}

function outputFor(metafile: Metafile, file: string): Metafile['outputs'][string] {
  const output = metafile.outputs[path.relative(process.cwd(), file)];
  if (!output) throw new Error(`esbuild wrote no ${file}`);
  return output;
}

describe('function bundles', () => {
  let packages: Map<string, ReadonlySet<string>>;

  beforeAll(async () => {
    packages = await bundledPackages();
  });

  it.each(apiRoutes.map((route) => route.functionId))(
    '%s bundles the DynamoDB client and no X-Ray SDK',
    (functionId) => {
      const bundled = packages.get(functionId);

      expect(bundled).toContain('@aws-sdk/client-dynamodb');
      expect([...bundled!].filter((name) => /xray/i.test(name))).toEqual([]);
    },
  );

  it.each(apiRoutes.map((route) => route.functionId))(
    '%s takes credentials from the environment and carries no other credential provider',
    (functionId) => {
      const bundled = [...packages.get(functionId)!];

      expect(bundled).toContain('@aws-sdk/credential-provider-env');
      expect(bundled.filter((name) => defaultChainOnly.test(name))).toEqual([]);
    },
  );

  it('are no larger than the floor for GET, at most 1.15 times it for POST (the bench measures the same)', async () => {
    const outdir = mkdtempSync(path.join(tmpdir(), 'bundle-sizes-'));
    try {
      const floor = await measureFloorSize(path.join(outdir, 'floor'));
      const sizes = await measureBundleSizes('bundled', path.join(outdir, 'functions'));
      const overTarget = sizes
        .map((size) => {
          const method = apiRoutes.find((route) => route.functionId === size.functionId)?.method;
          const limit = method === 'GET' ? FLOOR_TARGETS.getBundle : FLOOR_TARGETS.postBundle;
          return { functionId: size.functionId, ratio: size.bytes / floor.bytes, limit };
        })
        .filter(({ ratio, limit }) => ratio > limit);

      expect(sizes).toHaveLength(apiRoutes.length);
      expect(overTarget).toEqual([]);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  it("is what CDK's bundling deploys: the same substitution in the asset", () => {
    const outdir = mkdtempSync(path.join(tmpdir(), 'function-asset-'));
    try {
      const app = new App({ outdir });
      const route = apiRoutes[0]!;
      new ApiFunction(new Stack(app, 'Bundled'), route.functionId, {
        entry: route.entry,
        serviceName: 'payments-api',
        metricsNamespace: 'PaymentsApi',
      });
      app.synth();
      const code = readdirSync(outdir)
        .filter((name) => name.startsWith('asset.'))
        .map((asset) => readFileSync(path.join(outdir, asset, 'index.js'), 'utf8'));

      expect(code).toHaveLength(1);
      expect(code[0]).toContain('Unable to find environment variable credentials');
      expect(code[0]).not.toContain('Could not load credentials from any providers');
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }, 120_000);
});

/** What `@aws-sdk/credential-provider-node`'s chain brings beyond the environment. */
const defaultChainOnly =
  /^@aws-sdk\/(credential-provider-(node|ini|sso|process|web-identity|http|login)|nested-clients|token-providers)$|^@smithy\/credential-provider-imds$/;
