/**
 * What the function bundles carry, built as the stack deploys them (`lib/bundling.ts`'s settings,
 * Lambda's Node.js target, the AWS SDK bundled): no X-Ray SDK, which reaches end of support on
 * 2027-02-25 and cost every bundle about 100 KB and every cold start its load. Active tracing
 * stays on in the stack (`payments-stack.test.ts`); the Lambda runtime sends the function's
 * segment itself.
 */
import path from 'node:path';
import { build, type Metafile } from 'esbuild';
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
});
