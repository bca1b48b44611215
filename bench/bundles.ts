/**
 * The function bundles, built with the stack's esbuild settings: measured as deployed (Lambda's
 * Node.js target) and written runnable for this machine's Node.js, in two variants: the AWS SDK
 * bundled (what the stack deploys) or left to the runtime (what Lambda's Node.js image provides);
 * and the floor they are measured against (`./floor-function.ts`).
 */
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { apiRoutes } from '../lib/api-routes';
import { functionBuildOptions, thisNodeTarget } from '../lib/bundling';
import { bundleEntry } from '../local/bundle';

const repositoryRoot = path.resolve(__dirname, '..');

export type SdkPlacement = 'bundled' | 'runtime';

export interface BundleInput {
  /** A package name, or a path inside this repository. */
  readonly name: string;
  readonly bytes: number;
}

export interface FunctionBundleSize {
  readonly functionId: string;
  readonly sdk: SdkPlacement;
  /** Minified bytes of the deployed `index.js`. */
  readonly bytes: number;
  readonly gzipBytes: number;
  /** The heaviest packages (or source folders) in the minified output, heaviest first. */
  readonly biggestInputs: readonly BundleInput[];
}

const entryPoints = () =>
  Object.fromEntries(
    apiRoutes.map((route) => [route.functionId, path.join(repositoryRoot, route.entry)]),
  );

const settings = (sdk: SdkPlacement, target?: string): BuildOptions => ({
  ...functionBuildOptions(target),
  entryPoints: entryPoints(),
  // Sizes are of the minified code alone.
  sourcemap: false,
  // What NodejsFunction leaves out with `bundleAwsSDK: false`: Lambda's Node.js runtimes ship
  // the AWS SDK v3 packages.
  external: sdk === 'runtime' ? ['@aws-sdk/*'] : [],
});

/** Minified size of every function as the stack would deploy it, and what weighs in it. */
export async function measureBundleSizes(
  sdk: SdkPlacement,
  outdir: string,
): Promise<FunctionBundleSize[]> {
  const result = await build({ ...settings(sdk), outdir, metafile: true });
  return apiRoutes.map((route) => {
    const file = path.join(outdir, `${route.functionId}.js`);
    const output = outputOf(result.metafile, file);
    return {
      functionId: route.functionId,
      sdk,
      bytes: output.bytes,
      gzipBytes: gzipSync(readFileSync(file)).byteLength,
      biggestInputs: biggestInputs(output.inputs),
    };
  });
}

/** The floor's name among the functions. */
export const FLOOR = 'Floor';

/** The floor's function (`./floor-function.ts`): the functions' settings, no substitutions. */
const floorSettings = (target?: string): BuildOptions => ({
  ...functionBuildOptions(target, { substitutes: false }),
  entryPoints: { [FLOOR]: path.join(repositoryRoot, 'bench/floor-function.ts') },
  sourcemap: false,
});

/** Minified size of the floor, as deployed, and what weighs in it. */
export async function measureFloorSize(outdir: string): Promise<FunctionBundleSize> {
  const result = await build({ ...floorSettings(), outdir, metafile: true });
  const file = path.join(outdir, `${FLOOR}.js`);
  const output = outputOf(result.metafile, file);
  return {
    functionId: FLOOR,
    sdk: 'bundled',
    bytes: output.bytes,
    gzipBytes: gzipSync(readFileSync(file)).byteLength,
    biggestInputs: biggestInputs(output.inputs),
  };
}

/** Writes the floor this machine's Node.js runs; returns its path. */
export async function buildRunnableFloor(outdir: string): Promise<string> {
  await build({ ...floorSettings(thisNodeTarget), outdir });
  return path.join(outdir, `${FLOOR}.js`);
}

/** Writes the bundles this machine's Node.js runs, `outdir/<functionId>.js`. */
export async function buildRunnableBundles(
  sdk: SdkPlacement,
  outdir: string,
): Promise<Map<string, string>> {
  await build({ ...settings(sdk, thisNodeTarget), outdir });
  return new Map(
    apiRoutes.map((route) => [route.functionId, path.join(outdir, `${route.functionId}.js`)]),
  );
}

/** Writes the bench entry (`./entry.ts`) this machine's Node.js runs, which the API server loads. */
export function buildBenchEntry(outdir: string): Promise<string> {
  return bundleEntry('bench/entry.ts', outdir);
}

function outputOf(metafile: Metafile, file: string): Metafile['outputs'][string] {
  const key = path.relative(process.cwd(), file);
  const output = metafile.outputs[key];
  if (!output) throw new Error(`esbuild wrote no ${key}`);
  return output;
}

/** Sums the output bytes by package (`node_modules/<pkg>`), or by folder for our own sources. */
function biggestInputs(inputs: Metafile['outputs'][string]['inputs'], top = 8): BundleInput[] {
  const byName = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(inputs)) {
    const name = packageOf(input);
    byName.set(name, (byName.get(name) ?? 0) + bytesInOutput);
  }
  return [...byName]
    .map(([name, bytes]) => ({ name, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, top);
}

function packageOf(input: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  if (match?.[1]) return match[1];
  return path.dirname(input);
}
