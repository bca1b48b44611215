/**
 * esbuild settings of every function bundle, defined once: the stack (`ApiFunction`) deploys
 * with them, and the local server and the benchmark build their bundles with them, so that
 * bundling mistakes show up on a laptop too.
 *
 * Plain data and types only: the local server and the benchmark load this module too.
 */
import path from 'node:path';
import type { BuildOptions } from 'esbuild';

export const functionBundling = {
  format: 'cjs',
  /** The deployed runtime; bundles run locally target the Node.js that runs them instead. */
  target: 'node24',
  minify: true,
  sourceMap: true,
  // ES module builds of the SDK and Powertools tree-shake far better than their CJS ones.
  mainFields: ['module', 'main'],
  /**
   * Packages replaced by a module of ours (a path relative to the repository root) in every
   * bundle, for what a Lambda function never uses. The SDK's default credential chain becomes
   * the environment alone, where Lambda puts the function's credentials
   * (`lambda/app/lambda-credentials.ts`).
   */
  substitutes: {
    '@aws-sdk/credential-provider-node': './lambda/app/lambda-credentials.ts',
  },
} as const;

/** The Node.js running this process, as an esbuild target: what locally run bundles target. */
export const thisNodeTarget = `node${process.versions.node.split('.')[0]}`;

const repositoryRoot = path.resolve(__dirname, '..');

/**
 * {@link functionBundling} as esbuild build options, for bundles built outside CDK.
 *
 * @param target the deployed runtime unless given, e.g. {@link thisNodeTarget}
 * @param options.substitutes false to bundle the packages {@link functionBundling} substitutes,
 *   as any other function would: the benchmark's floor
 */
export function functionBuildOptions(
  target: string = functionBundling.target,
  options: { readonly substitutes?: boolean } = {},
): BuildOptions {
  return {
    bundle: true,
    platform: 'node',
    format: functionBundling.format,
    target,
    minify: functionBundling.minify,
    sourcemap: functionBundling.sourceMap,
    mainFields: [...functionBundling.mainFields],
    ...(options.substitutes !== false && {
      alias: Object.fromEntries(
        Object.entries(functionBundling.substitutes).map(([name, module]) => [
          name,
          path.join(repositoryRoot, module),
        ]),
      ),
    }),
    logLevel: 'warning',
  };
}
