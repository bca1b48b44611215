/**
 * Switches that turn the idempotency layer off must never reach a deployed function: the
 * benchmark's is compiled out of the stack's bundles, and the stack sets no such variable.
 */
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { build } from 'esbuild';
import { functionBundling } from '../../lib/bundling';
import { PaymentsStack } from '../../lib/payments-stack';

// Powertools' own switch too: it would turn every POST into one that is not safe to retry.
const FORBIDDEN_VARIABLES = [
  'IDEMPOTENCY_DISABLED',
  'DYNAMODB_CALL_COUNTING',
  'POWERTOOLS_IDEMPOTENCY_DISABLED',
];
/** How the minified bundle reads the off switch (Powertools' variable is another string). */
const OFF_SWITCH_READ = 'env.IDEMPOTENCY_DISABLED';

interface LambdaFunction {
  readonly Properties: { readonly Environment?: { readonly Variables?: Record<string, unknown> } };
}

/** create-order's bundle as the stack builds it, with `define` overridden as given. */
async function createOrderBundle(define: Record<string, string> = {}): Promise<string> {
  const result = await build({
    entryPoints: [path.join(__dirname, '..', '..', 'lambda', 'handlers', 'create-order.ts')],
    bundle: true,
    write: false,
    platform: 'node',
    format: functionBundling.format,
    target: functionBundling.target,
    minify: functionBundling.minify,
    mainFields: [...functionBundling.mainFields],
    define: { ...functionBundling.define, ...define },
    logLevel: 'silent',
  });
  return result.outputFiles[0]?.text ?? '';
}

describe('benchmark switches', () => {
  it('are set on no function of the stack', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const template = Template.fromStack(new PaymentsStack(app, 'PaymentsApi'));

    const functions = Object.values(
      template.findResources('AWS::Lambda::Function'),
    ) as LambdaFunction[];
    const variables = functions.flatMap((fn) =>
      Object.keys(fn.Properties.Environment?.Variables ?? {}),
    );

    expect(functions.length).toBeGreaterThan(0);
    expect(variables).toContain('IDEMPOTENCY_TABLE_NAME');
    for (const name of FORBIDDEN_VARIABLES) expect(variables).not.toContain(name);
  });

  it('leave the off switch out of the deployed bundle', async () => {
    const bundle = await createOrderBundle();

    // Not `toContain`: a failure would print the whole bundle.
    expect(bundle.includes(OFF_SWITCH_READ)).toBe(false);
  });

  it('keep it in a benchmark build, so the check above can fail', async () => {
    const bundle = await createOrderBundle({ __BENCHMARK_BUILD__: 'true' });

    expect(bundle.includes(OFF_SWITCH_READ)).toBe(true);
  });
});
