import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { PaymentsStack } from '../lib/payments-stack';

const app = new App();

// Environment-agnostic: deploys to the account and region of the caller's credentials.
new PaymentsStack(app, 'PaymentsApi', {
  description: 'Serverless idempotent payments API (API Gateway, Lambda, DynamoDB)',
});

// cdk-nag 3 is a policy validation plugin: findings fail the synth; the stack acknowledges
// the ones it accepts, each with its reason (lib/nag-acknowledgements.ts).
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
