/**
 * esbuild settings of every function bundle, shared by the stack (`ApiFunction`) and the local
 * server, which runs the same bundles so that bundling mistakes show up on a laptop too.
 */
export const functionBundling = {
  format: 'cjs',
  /** The deployed runtime; the local server targets the Node.js it runs on instead. */
  target: 'node24',
  minify: true,
  sourceMap: true,
  // ES module builds of the SDK and Powertools tree-shake far better than their CJS ones.
  mainFields: ['module', 'main'],
  // Deployed bundles are built without fault injection: `lambda/faults.ts` and every fault
  // point are dead code to esbuild and removed. Only the local server may define it as true.
  // Likewise, only the benchmark's bundles (bench/bundles.ts) may switch the idempotency layer off.
  define: { __FAULT_INJECTION__: 'false', __BENCHMARK_BUILD__: 'false' },
} as const;
