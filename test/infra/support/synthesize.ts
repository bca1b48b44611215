import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stageStack, PaymentsStack, type PaymentsStackProps } from '../../../lib/payments-stack';

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

/** An app as `cdk synth` makes it, without bundling the handlers (`npm run synth` does). */
function testApp(): App {
  return new App({
    context: {
      ...cdkJsonContext(),
      'aws:cdk:bundling-stacks': [],
    },
  });
}

/** Synthesis runs the cdk-nag plugin: any unacknowledged finding, even a warning, throws. */
function templateOf(app: App, stack: PaymentsStack) {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return Template.fromStack(stack);
}

/** The stack of one stage (dev unless `props.stage` says otherwise), as `bin/app.ts` adds it. */
export function synthesize(props: PaymentsStackProps = {}) {
  const app = testApp();
  const stack = stageStack(app, props);
  return { app, stack, template: templateOf(app, stack) };
}

/** The stack under a construct id of the caller's choosing, as earlier versions of the app named it. */
export function synthesizeAs(id: string, props: PaymentsStackProps = {}) {
  const app = testApp();
  const stack = new PaymentsStack(app, id, props);
  return { app, stack, template: templateOf(app, stack) };
}

/** Both stages in one app: what two `cdk deploy`s put side by side in one account and region. */
export function synthesizeStages() {
  const app = testApp();
  const dev = stageStack(app, { stage: 'dev' });
  const prod = stageStack(app, { stage: 'prod' });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return {
    app,
    dev: { stack: dev, template: Template.fromStack(dev) },
    prod: { stack: prod, template: Template.fromStack(prod) },
  };
}
