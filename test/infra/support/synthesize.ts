import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { PaymentsStack, type PaymentsStackProps } from '../../../lib/payments-stack';

export interface Resource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

/** The feature flags of cdk.json, so the tests synthesize what `cdk synth` does. */
function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(
    readFileSync(path.join(__dirname, '..', '..', '..', 'cdk.json'), 'utf8'),
  ) as { context?: Record<string, unknown> };
  return cdkJson.context ?? {};
}

export function synthesize(props: PaymentsStackProps = {}) {
  const app = new App({
    context: {
      ...cdkJsonContext(),
      // The handlers' bundles are not under test here; `npm run synth` builds them.
      'aws:cdk:bundling-stacks': [],
    },
  });
  const stack = new PaymentsStack(app, 'PaymentsApi', props);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  // Synthesis runs the cdk-nag plugin: any unacknowledged finding, even a warning, throws.
  const template = Template.fromStack(stack);
  return { app, stack, template };
}
