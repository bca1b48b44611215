import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { CfnResource } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { apiRoutes, pathsOf } from '../../lib/api-routes';
import { stageSettings } from '../../lib/stage';
import { synthesize, synthesizeAs, synthesizeStages, type Resource } from './support/synthesize';

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
    // One per function (the routes' and the sweeper), plus the access logs.
    expect(logGroups).toHaveLength(apiRoutes.length + 2);
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

describe('two stages in one account and region', () => {
  const both = synthesizeStages();
  const stages = [
    ['dev', both.dev],
    ['prod', both.prod],
  ] as const;
  const resourcesOf = (side: (typeof stages)[number][1]) =>
    Object.values(side.template.toJSON().Resources as Record<string, Resource>);
  const ofType = (side: (typeof stages)[number][1], type: string) =>
    resourcesOf(side).filter((resource) => resource.Type === type);

  /** Every metric namespace the stack's alarms and dashboard read, AWS's own excepted. */
  function namespacesRead(side: (typeof stages)[number][1]): string[] {
    const alarms = ofType(side, 'AWS::CloudWatch::Alarm').flatMap(({ Properties: alarm }) => [
      alarm.Namespace,
      ...((alarm.Metrics ?? []) as { MetricStat?: { Metric: { Namespace: string } } }[]).map(
        (metric) => metric.MetricStat?.Metric.Namespace,
      ),
    ]);
    const dashboards = ofType(side, 'AWS::CloudWatch::Dashboard').flatMap(({ Properties }) => {
      // A JSON text joined with references to the stack's resources: read them as placeholders.
      const [, parts] = (Properties.DashboardBody as { 'Fn::Join': [string, unknown[]] })[
        'Fn::Join'
      ];
      const body = JSON.parse(parts.map((p) => (typeof p === 'string' ? p : 'REF')).join('')) as {
        widgets: { properties: { metrics?: unknown[][] } }[];
      };
      // A metric is [namespace, name, dimensions…, options]; an expression is [{ expression }].
      return body.widgets.flatMap((widget) => (widget.properties.metrics ?? []).map((m) => m[0]));
    });
    const namespaces = [...alarms, ...dashboards].filter(
      (namespace): namespace is string =>
        typeof namespace === 'string' && !namespace.startsWith('AWS/'),
    );
    return [...new Set(namespaces)];
  }

  it('are two stacks, each named after its stage', () => {
    expect([both.dev.stack.stackName, both.prod.stack.stackName]).toEqual([
      'PaymentsApi-dev',
      'PaymentsApi-prod',
    ]);
  });

  it('name their REST APIs apart', () => {
    expect(
      stages.map(([, side]) => ofType(side, 'AWS::ApiGateway::RestApi')[0]?.Properties.Name),
    ).toEqual(['payments-api-dev', 'payments-api-prod']);
  });

  it.each(stages)(
    'the %s functions publish their metrics to the stage namespace, and its alarms and dashboard read only that one',
    (stage, side) => {
      const namespace = `PaymentsApi/${stage}`;
      const functions = ofType(side, 'AWS::Lambda::Function');

      // The routes', and the sweeper.
      expect(functions).toHaveLength(apiRoutes.length + 1);
      for (const fn of functions) {
        expect(fn.Properties.Environment).toMatchObject({
          Variables: { POWERTOOLS_METRICS_NAMESPACE: namespace },
        });
      }
      expect(namespacesRead(side)).toEqual([namespace]);
    },
  );

  it('share no physical name', () => {
    const nameKeys = [
      'Name',
      'TableName',
      'FunctionName',
      'LogGroupName',
      'AlarmName',
      'DashboardName',
      'RoleName',
    ];
    const namesOf = (side: (typeof stages)[number][1]) =>
      resourcesOf(side).flatMap((resource) =>
        nameKeys.map((key) => resource.Properties[key]).filter((name) => typeof name === 'string'),
      );

    const devNames = namesOf(both.dev);
    expect(devNames.length).toBeGreaterThan(0);
    expect(namesOf(both.prod).filter((name) => devNames.includes(name))).toEqual([]);
  });

  it('leave prod its protections: Orders table protected, recoverable and retained, logs kept a year', () => {
    const [orders] = ofType(both.prod, 'AWS::DynamoDB::Table').filter(
      (table) => table.Properties.GlobalSecondaryIndexes !== undefined,
    );
    expect(orders).toMatchObject({
      Properties: {
        DeletionProtectionEnabled: true,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    const logGroups = ofType(both.prod, 'AWS::Logs::LogGroup');
    expect(logGroups).toHaveLength(apiRoutes.length + 2);
    for (const logGroup of logGroups) {
      expect(logGroup).toMatchObject({
        Properties: { RetentionInDays: 365 },
        DeletionPolicy: 'Retain',
      });
    }
  });

  it('leave dev a disposable stage', () => {
    const [orders] = ofType(both.dev, 'AWS::DynamoDB::Table').filter(
      (table) => table.Properties.GlobalSecondaryIndexes !== undefined,
    );
    expect(orders).toMatchObject({
      Properties: { DeletionProtectionEnabled: false },
      DeletionPolicy: 'Delete',
    });
  });

  it.each([
    ['dev', both.dev, 'INFO'],
    ['prod', both.prod, 'ERROR'],
  ] as const)(
    'every %s method setting states the logging level, metrics and data trace: a method setting replaces the stage-wide one, it does not merge with it',
    (_stage, side, loggingLevel) => {
      const [apiStage] = ofType(side, 'AWS::ApiGateway::Stage');
      const methodSettings = apiStage?.Properties.MethodSettings as Record<string, unknown>[];
      // API Gateway's resource path of a method setting: '/' then the path, '/' escaped as '~1'.
      const postPaths = apiRoutes
        .filter((route) => route.method === 'POST')
        .flatMap((route) => pathsOf(route))
        .map((p) => `/${p.replace(/\//g, '~1')}`);

      expect(methodSettings.map((setting) => setting.ResourcePath).sort()).toEqual(
        ['/*', ...postPaths].sort(),
      );
      for (const setting of methodSettings) {
        expect(setting).toMatchObject({
          LoggingLevel: loggingLevel,
          MetricsEnabled: true,
          DataTraceEnabled: false,
        });
      }
    },
  );

  it('leave no cdk-nag finding unacknowledged in either stack', () => {
    expect(new AwsSolutionsChecks().validateScope(both.app).violations).toEqual([]);
  });
});

describe('a stack deployed as PaymentsApi by earlier versions', () => {
  it('is updated in place by the prod stage under -c stackName=PaymentsApi: only the invoke permissions are new', () => {
    const earlier = synthesizeAs('PaymentsApi', { stage: 'prod' });
    const now = synthesize({ stage: 'prod', stackName: 'PaymentsApi' });
    const resourcesOf = (template: { toJSON(): Record<string, unknown> }) =>
      template.toJSON().Resources as Record<string, Resource>;
    const [before, after] = [resourcesOf(earlier.template), resourcesOf(now.template)];
    const onlyIn = (these: Record<string, Resource>, those: Record<string, Resource>) =>
      Object.entries(these)
        .filter(([id]) => !(id in those))
        .map(([, resource]) => resource.Type);

    expect(now.stack.stackName).toBe('PaymentsApi');
    // Their ids derive from the stack's construct id. CloudFormation creates the new ones
    // before it deletes the old ones: API Gateway may invoke the functions throughout, and
    // EventBridge the sweeper.
    // Two per method (the stage's and the console's test invocation), alias paths included.
    const methodCount = apiRoutes.flatMap((route) => pathsOf(route)).length;
    const permissions = Array<string>(2 * methodCount + 1).fill('AWS::Lambda::Permission');
    expect(onlyIn(before, after)).toEqual(permissions);
    expect(onlyIn(after, before)).toEqual(permissions);
  });
});

describe('the CDK app (bin/app.ts)', () => {
  const root = path.resolve(__dirname, '..', '..');

  /** Runs the app as `cdk synth -c stage=…` does; the names of the stacks it synthesizes. */
  async function stacksOfApp(stage: string): Promise<string[]> {
    const outdir = mkdtempSync(path.join(tmpdir(), `payments-app-${stage}-`));
    try {
      const app = spawn(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
        cwd: root,
        env: {
          ...process.env,
          CDK_OUTDIR: outdir,
          // The handlers' bundles are not under test here.
          CDK_CONTEXT_JSON: JSON.stringify({ stage, 'aws:cdk:bundling-stacks': [] }),
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      const [code] = (await once(app, 'exit')) as [number | null];
      expect(code).toBe(0);
      const manifest = JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as {
        artifacts: Record<string, { type: string; properties?: { stackName?: string } }>;
      };
      return Object.entries(manifest.artifacts)
        .filter(([, artifact]) => artifact.type === 'aws:cloudformation:stack')
        .map(([id, artifact]) => artifact.properties?.stackName ?? id);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }

  it('deploys each stage as its own stack: `cdk deploy` after a prod deploy cannot touch prod', async () => {
    const [dev, prod] = await Promise.all([stacksOfApp('dev'), stacksOfApp('prod')]);

    expect(dev).toEqual(['PaymentsApi-dev']);
    expect(prod).toEqual(['PaymentsApi-prod']);
    // Two synths of the whole app, in child processes: slow on a busy machine.
  }, 300_000);
});
