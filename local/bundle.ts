import path from 'node:path';
import { build } from 'esbuild';
import { apiRoutes } from '../lib/api-routes';
import { functionBuildOptions, thisNodeTarget } from '../lib/bundling';

const repositoryRoot = path.resolve(__dirname, '..');

/**
 * Bundles every route's deployed entry with the stack's esbuild settings, into
 * `outdir/<functionId>.js`: the same code as deployed, but runnable by the local Node.js, which
 * may be older than Lambda's.
 *
 * @returns the bundle of each function, by `functionId`
 */
export async function bundleFunctions(outdir: string): Promise<Map<string, string>> {
  const entryPoints = Object.fromEntries(
    apiRoutes.map((route) => [route.functionId, path.join(repositoryRoot, route.entry)]),
  );
  await build({ ...functionBuildOptions(thisNodeTarget), entryPoints, outdir });
  return new Map(
    apiRoutes.map((route) => [route.functionId, path.join(outdir, `${route.functionId}.js`)]),
  );
}

/**
 * Bundles one entry (relative to the repository root) with the same settings, into
 * `outdir/<name>.js`: an entry that composes the whole API, such as the fault-injecting one.
 *
 * @returns the bundle's path
 */
export async function bundleEntry(entry: string, outdir: string): Promise<string> {
  const name = path.basename(entry, path.extname(entry));
  await build({
    ...functionBuildOptions(thisNodeTarget),
    entryPoints: { [name]: path.join(repositoryRoot, entry) },
    outdir,
  });
  return path.join(outdir, `${name}.js`);
}
