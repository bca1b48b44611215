import { Validations } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { ApiFunction } from './api-function';

export interface NagAcknowledgementScopes {
  readonly api: apigateway.RestApi;
  readonly ordersTable: dynamodb.Table;
  readonly idempotencyTable: dynamodb.ITable;
  readonly functions: Iterable<ApiFunction>;
}

/**
 * The AWS Solutions (cdk-nag) findings this stack accepts, each on the narrowest construct
 * that carries it and with its reason. Anything not listed here fails the synth.
 *
 * cdk-nag 3 reads CDK's own acknowledgements (`Validations.of(scope).acknowledge`); the
 * `NagSuppressions` API of cdk-nag 2 no longer exists.
 */
export function acknowledgeNagFindings(scopes: NagAcknowledgementScopes): void {
  const api = Validations.of(scopes.api);
  api.acknowledge({
    id: 'AwsSolutions-COG4',
    reason:
      'Callers are AWS principals: every method uses AWS IAM (SigV4) authorization and the ' +
      'tenant is derived from the signed identity, so there is no Cognito user pool.',
  });
  api.acknowledge({
    id: 'AwsSolutions-APIG2',
    reason:
      'Requests are validated in the handlers, which answer with the problem+json errors of ' +
      'the API contract. A gateway validator would change the contract: it treats a blank ' +
      'Idempotency-Key as missing (the contract says idempotency_key_invalid), and a body model ' +
      'cannot express its limits (16 KiB, amount range of the computed total, card tokens).',
  });
  api.acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
    reason:
      "API Gateway's account-level CloudWatch role needs to create and write log groups it " +
      'names itself (API-Gateway-Execution-Logs_*); this AWS managed policy is the documented one.',
  });
  Validations.of(scopes.api.deploymentStage).acknowledge({
    id: 'AwsSolutions-APIG3',
    reason:
      'No WAF web ACL in the reference stack: only IAM-signed requests reach the integrations, ' +
      'and stage throttling caps the rate. Associate a web ACL where the deployment requires one.',
  });

  const ordersPitr = scopes.ordersTable.node.defaultChild as dynamodb.CfnTable;
  const pitr = ordersPitr.pointInTimeRecoverySpecification as
    dynamodb.CfnTable.PointInTimeRecoverySpecificationProperty | undefined;
  if (pitr?.pointInTimeRecoveryEnabled !== true) {
    Validations.of(scopes.ordersTable).acknowledge({
      id: 'AwsSolutions-DDB3',
      reason:
        'Only the dev stage runs without point-in-time recovery: its orders are test data, torn ' +
        'down with the stack. The prod stage turns it on (lib/stage.ts).',
    });
  }

  Validations.of(scopes.idempotencyTable).acknowledge({
    id: 'AwsSolutions-DDB3',
    reason:
      'Idempotency records are ephemeral (a replay window of hours, then TTL): restoring them ' +
      'has no value, and a lost record cannot duplicate a resource because order and payment ' +
      'ids are derived from the key.',
  });

  for (const fn of scopes.functions) {
    if (!fn.role) continue;
    Validations.of(fn.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Active X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no ' +
        'resource-level permissions. Every other statement of the role names its resource.',
    });
  }
}
