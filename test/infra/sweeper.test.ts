/**
 * The sweeper in the stack: a function on an EventBridge schedule that may do exactly what its
 * code does to the Orders table (test/integration/table-grants.test.ts holds the code to the
 * declaration), and nothing to the idempotency table.
 */
import type { CfnResource } from 'aws-cdk-lib';
import { sweeperFunction } from '../../lib/sweeper';
import { synthesize, type Resource } from './support/synthesize';

const { stack, template } = synthesize();
const resources = template.toJSON().Resources as Record<string, Resource>;
const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as CfnResource);
const sweeperId = logicalId(stack.sweeper);
const ordersTableId = logicalId(stack.ordersTable);
const sweeper = () => resources[sweeperId]?.Properties ?? {};

describe('the sweeper function', () => {
  it('runs Node.js 24 on arm64 with the declared timeout and memory', () => {
    expect(sweeper()).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      Timeout: sweeperFunction.timeoutSeconds,
      MemorySize: sweeperFunction.memoryMb,
    });
  });

  it('is told the Orders table only: it has no idempotency table', () => {
    expect(sweeper().Environment).toEqual({
      Variables: {
        POWERTOOLS_SERVICE_NAME: 'payments-api',
        POWERTOOLS_METRICS_NAMESPACE: 'PaymentsApi/dev',
        NODE_OPTIONS: '--enable-source-maps',
        ORDERS_TABLE_NAME: { Ref: ordersTableId },
      },
    });
  });

  it('runs every two minutes, invoked by EventBridge, with no retry of a failed run', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(2 minutes)',
      State: 'ENABLED',
      Targets: [
        {
          Arn: { 'Fn::GetAtt': [sweeperId, 'Arn'] },
          Id: 'Target0',
          RetryPolicy: { MaximumRetryAttempts: 0 },
        },
      ],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [sweeperId, 'Arn'] },
      Principal: 'events.amazonaws.com',
    });
  });

  it('may write its log group, send traces, query the leases-by-expiry index and write orders and payments, nothing else', () => {
    const roleRef = { Ref: logicalId(stack.sweeper.role!) };
    const policies = Object.values(resources).filter(
      (resource) =>
        resource.Type === 'AWS::IAM::Policy' &&
        (resource.Properties.Roles as unknown[]).some(
          (role) => JSON.stringify(role) === JSON.stringify(roleRef),
        ),
    );
    const logGroupId = (sweeper().LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
    const orders = { 'Fn::GetAtt': [ordersTableId, 'Arn'] };
    const allow = (Action: string | string[], Resource: unknown) => ({
      Action,
      Effect: 'Allow',
      Resource,
    });

    expect(policies).toHaveLength(1);
    expect(policies[0]?.Properties.PolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        allow(['logs:CreateLogStream', 'logs:PutLogEvents'], { 'Fn::GetAtt': [logGroupId, 'Arn'] }),
        allow(['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], '*'),
        allow(['dynamodb:ConditionCheckItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], orders),
        allow('dynamodb:Query', { 'Fn::Join': ['', [orders, '/index/leases-by-expiry']] }),
      ],
    });
  });
});
