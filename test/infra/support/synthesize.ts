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

export interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
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

/** Renders an ARN expression of the template as text: `{ Fn::GetAtt: [X, Arn] }` is `X.Arn`. */
export function arnText(value: unknown): string {
  if (typeof value === 'string') return value;
  const intrinsic = value as Record<string, unknown>;
  if ('Fn::GetAtt' in intrinsic) return (intrinsic['Fn::GetAtt'] as string[]).join('.');
  if ('Ref' in intrinsic) return intrinsic.Ref as string;
  if ('Fn::Join' in intrinsic) {
    const [separator, parts] = intrinsic['Fn::Join'] as [string, unknown[]];
    return parts.map(arnText).join(separator);
  }
  return JSON.stringify(value);
}
