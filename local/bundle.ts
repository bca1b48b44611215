import path from 'node:path';
import { build } from 'esbuild';
import { apiRoutes } from '../lib/api-routes';
import { functionBundling } from '../lib/bundling';

const repositoryRoot = path.resolve(__dirname, '..');

/** `FAULT_INJECTION=1` builds the bundles with the fault points of `lambda/faults.ts`. */
const faultInjectionRequested = () => process.env.FAULT_INJECTION === '1';

/**
 * Bundles every route's handler with the stack's esbuild settings, into `outdir/<functionId>.js`.
 *
 * @returns the bundle of each function, by `functionId`
 */
export async function bundleFunctions(outdir: string): Promise<Map<string, string>> {
  const entryPoints = Object.fromEntries(
    apiRoutes.map((route) => [route.functionId, path.join(repositoryRoot, route.entry)]),
  );
  await build({
    entryPoints,
    outdir,
    bundle: true,
    platform: 'node',
    format: functionBundling.format,
    // Same code as deployed, but runnable by the local Node.js, which may be older than Lambda's.
    target: `node${process.versions.node.split('.')[0]}`,
    minify: functionBundling.minify,
    sourcemap: functionBundling.sourceMap,
    mainFields: [...functionBundling.mainFields],
    define: {
      ...functionBundling.define,
      // Tests and the exactly-once checker ask for fault points explicitly; never by default.
      ...(faultInjectionRequested() && { __FAULT_INJECTION__: 'true' }),
    },
    logLevel: 'warning',
  });
  return new Map(
    apiRoutes.map((route) => [route.functionId, path.join(outdir, `${route.functionId}.js`)]),
  );
}
