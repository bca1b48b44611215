import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stageStack } from '../lib/payments-stack';
import { stageSettings } from '../lib/stage';

const app = new App();

/** An optional CDK context value, as a non-empty string. */
function contextString(key: string): string | undefined {
  const value: unknown = app.node.tryGetContext(key);
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new Error(`Context ${key} must be a string`);
  return value;
}

// `-c stage=prod`; validated here so that a typo fails before anything is synthesized.
const { stage } = stageSettings(contextString('stage'));

// One stack per stage (PaymentsApi-dev, PaymentsApi-prod), so that deploying one stage never
// updates another. Environment-agnostic: deploys to the account and region of the caller's
// credentials. `-c stackName=…` deploys the stage under another name: the stack an earlier
// version of this app deployed as `PaymentsApi`, for instance (docs/operations.md).
stageStack(app, {
  description: `Serverless idempotent payments API (API Gateway, Lambda, DynamoDB), ${stage} stage`,
  stage,
  stackName: contextString('stackName'),
  alarmTopicArn: contextString('alarmTopicArn'),
  corsAllowOrigins: contextString('corsAllowOrigins')
    ?.split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== ''),
});

// cdk-nag 3 is a policy validation plugin: findings fail the synth; the stack acknowledges
// the ones it accepts, each with its reason (lib/nag-acknowledgements.ts).
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
