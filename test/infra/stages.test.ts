import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import type { CfnResource } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { apiRoutes } from '../../lib/api-routes';
import { stageSettings } from '../../lib/stage';
import { synthesize, type Resource } from './support/synthesize';

const prod = synthesize({ stage: 'prod' });
const prodResources = prod.template.toJSON().Resources as Record<string, Resource>;
const prodId = (construct: { node: { defaultChild?: unknown } }) =>
  prod.stack.getLogicalId(construct.node.defaultChild as CfnResource);

describe('the prod stage', () => {
  const orders = () => prodResources[prodId(prod.stack.ordersTable)];

  it('protects the Orders table: deletion protection, point-in-time recovery, retained', () => {
    expect(orders()?.Properties).toMatchObject({
      DeletionProtectionEnabled: true,
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
    expect(orders()).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('keeps the idempotency table ephemeral: destroyed with the stack', () => {
    expect(prodResources[prodId(prod.stack.idempotencyTable)]).toMatchObject({
      DeletionPolicy: 'Delete',
    });
  });

  it('keeps every log group a year, and keeps it after the stack is deleted', () => {
    const logGroups = Object.values(prodResources).filter((r) => r.Type === 'AWS::Logs::LogGroup');
    // One per function, plus the access logs.
    expect(logGroups).toHaveLength(apiRoutes.length + 1);
    for (const logGroup of logGroups) {
      expect(logGroup).toMatchObject({
        Properties: { RetentionInDays: 365 },
        DeletionPolicy: 'Retain',
      });
    }
  });

  it('logs API Gateway execution errors only, never bodies, and throttles at prod rates', () => {
    prod.template.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: Match.arrayWith([
        Match.objectLike({
          HttpMethod: '*',
          ResourcePath: '/*',
          LoggingLevel: 'ERROR',
          DataTraceEnabled: false,
          ThrottlingRateLimit: 100,
          ThrottlingBurstLimit: 200,
        }),
        Match.objectLike({
          HttpMethod: 'POST',
          ResourcePath: '/~1payments',
          ThrottlingRateLimit: 50,
          ThrottlingBurstLimit: 100,
        }),
      ]),
    });
  });

  it('leaves no cdk-nag finding unacknowledged, and acknowledges no missing PITR', () => {
    expect(new AwsSolutionsChecks().validateScope(prod.app).violations).toEqual([]);
    expect(JSON.stringify(prod.stack.ordersTable.node.metadata)).not.toContain('DDB3');
  });

  it('can still turn deletion protection off explicitly', () => {
    const unprotected = synthesize({ stage: 'prod', ordersTableDeletionProtection: false });
    const resources = unprotected.template.toJSON().Resources as Record<string, Resource>;
    const id = unprotected.stack.getLogicalId(
      unprotected.stack.ordersTable.node.defaultChild as CfnResource,
    );
    expect(resources[id]?.Properties.DeletionProtectionEnabled).toBe(false);
  });
});

describe('the stage setting', () => {
  it('is dev unless told otherwise', () => {
    expect(stageSettings().stage).toBe('dev');
    expect(stageSettings(undefined).stage).toBe('dev');
  });

  it.each(['staging', 'PROD', '', 42, null])('refuses %p, naming the allowed stages', (stage) => {
    expect(() => stageSettings(stage)).toThrow(/^Unknown stage .*: use one of dev, prod/);
  });

  it('makes the CDK app fail before synthesis on an unknown stage', () => {
    const root = path.resolve(__dirname, '..', '..');
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
      cwd: root,
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ stage: 'staging' }) },
      encoding: 'utf8',
    });

    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('Unknown stage "staging": use one of dev, prod');
  });
});
