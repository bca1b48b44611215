import { Duration, Validations, type CfnResource } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { PAYMENT_LEASE_SECONDS } from '../../lambda/domain/payment';
import { apiRoutes, type ApiRoute, type OrdersTableAccess } from '../../lib/api-routes';
import { arnText, synthesize, type Resource, type Statement } from './support/synthesize';

const { app, stack, template } = synthesize();
const resources = template.toJSON().Resources as Record<string, Resource>;

const logicalId = (construct: { node: { defaultChild?: unknown } }): string =>
  stack.getLogicalId(construct.node.defaultChild as CfnResource);
const ordersTableId = logicalId(stack.ordersTable);
const idempotencyTableId = logicalId(stack.idempotencyTable);

function functionOf(route: ApiRoute) {
  const fn = stack.functions.get(route.functionId);
  if (!fn) throw new Error(`no function for ${route.functionId}`);
  return fn;
}

function functionResource(route: ApiRoute): Resource {
  const resource = resources[logicalId(functionOf(route))];
  if (!resource) throw new Error(`no resource for ${route.functionId}`);
  return resource;
}

/** Everything the route's function may do: actions by resource, across all of its policies. */
function permissionsOf(route: ApiRoute): Record<string, string[]> {
  const role = functionOf(route).role;
  if (!role) throw new Error(`${route.functionId} has no role`);
  const roleId = logicalId(role);
  const permissions: Record<string, Set<string>> = {};
  for (const resource of Object.values(resources)) {
    if (resource.Type !== 'AWS::IAM::Policy') continue;
    const roles = resource.Properties.Roles as unknown[];
    if (!roles.some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId }))) continue;
    const document = resource.Properties.PolicyDocument as { Statement: Statement[] };
    for (const statement of document.Statement) {
      expect(statement.Effect).toBe('Allow');
      const actions = [statement.Action].flat();
      for (const arn of [statement.Resource].flat()) {
        const granted = (permissions[arnText(arn)] ??= new Set());
        actions.forEach((action) => granted.add(action));
      }
    }
  }
  return Object.fromEntries(
    Object.entries(permissions).map(([arn, actions]) => [arn, [...actions].sort()]),
  );
}

/** The API Gateway path of a resource of the template, rebuilt from its parents. */
function apiPathOf(resourceRef: unknown): string {
  const ref = resourceRef as { Ref?: string };
  if (ref.Ref === undefined) return ''; // the root resource: Fn::GetAtt RootResourceId
  const resource = resources[ref.Ref];
  if (!resource) throw new Error(`no resource ${ref.Ref}`);
  return `${apiPathOf(resource.Properties.ParentId)}/${String(resource.Properties.PathPart)}`;
}

const postRoutes = apiRoutes.filter((route) => route.method === 'POST');
const getRoutes = apiRoutes.filter((route) => route.method === 'GET');

describe('REST API', () => {
  const methods = Object.values(template.findResources('AWS::ApiGateway::Method')) as Resource[];

  it('has exactly one method per route, at the route path', () => {
    const actual = methods.map(
      (m) => `${String(m.Properties.HttpMethod)} ${apiPathOf(m.Properties.ResourceId)}`,
    );
    expect(actual.sort()).toEqual(
      [
        'POST /orders',
        'GET /orders/{orderId}',
        'POST /payments',
        'GET /payments/{paymentId}',
        'GET /orders/{orderId}/payments',
      ].sort(),
    );
  });

  it.each(apiRoutes.map((route) => [`${route.method} ${route.path}`, route] as const))(
    '%s requires AWS IAM authorization and proxies to its own function',
    (_name, route) => {
      const method = methods.find(
        (m) =>
          m.Properties.HttpMethod === route.method &&
          apiPathOf(m.Properties.ResourceId) === route.path,
      );
      expect(method?.Properties.AuthorizationType).toBe('AWS_IAM');
      expect(method?.Properties.Integration).toMatchObject({ Type: 'AWS_PROXY' });
      expect(JSON.stringify(method?.Properties.Integration)).toContain(
        `"${logicalId(functionOf(route))}"`,
      );
    },
  );

  it('is a regional endpoint', () => {
    template.hasResourceProperties('AWS::ApiGateway::RestApi', {
      EndpointConfiguration: { Types: ['REGIONAL'] },
    });
  });

  it('stage traces with X-Ray, writes JSON access logs, emits metrics and throttles', () => {
    const [accessLogGroupId] = Object.keys(
      template.findResources('AWS::Logs::LogGroup', {
        Properties: { RetentionInDays: 7 },
        DeletionPolicy: 'Delete',
      }),
    ).filter((id) => id.startsWith('ApiAccessLogs'));
    expect(accessLogGroupId).toBeDefined();
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'v1',
      TracingEnabled: true,
      AccessLogSetting: {
        DestinationArn: { 'Fn::GetAtt': [accessLogGroupId, 'Arn'] },
        Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"'),
      },
      MethodSettings: Match.arrayWith([
        {
          HttpMethod: '*',
          ResourcePath: '/*',
          MetricsEnabled: true,
          LoggingLevel: 'INFO',
          DataTraceEnabled: false,
          ThrottlingRateLimit: 20,
          ThrottlingBurstLimit: 40,
        },
      ]),
    });
  });

  it('access logs one JSON object per request with the caller, the error and the latencies, never a body', () => {
    const stage = Object.values(template.findResources('AWS::ApiGateway::Stage'))[0] as Resource;
    const format = (stage.Properties.AccessLogSetting as { Format: string }).Format;
    const fields = JSON.parse(format) as Record<string, string>;

    expect(fields).toMatchObject({
      requestId: '$context.requestId',
      userArn: '$context.identity.userArn',
      status: '$context.status',
      errorMessage: '$context.error.message',
      integrationLatency: '$context.integrationLatency',
      xrayTraceId: '$context.xrayTraceId',
    });
    expect(format).not.toMatch(/\$input|requestOverride|\$context\.authorizer/);
  });

  it.each(postRoutes.map((route) => [`${route.method} ${route.path}`, route] as const))(
    '%s has its own, lower, method throttle',
    (_name, route) => {
      // API Gateway's resource path of a method setting: '/' then the path, '/' escaped as '~1'.
      const resourcePath = `/${route.path.replace(/\//g, '~1')}`;
      template.hasResourceProperties('AWS::ApiGateway::Stage', {
        MethodSettings: Match.arrayWith([
          Match.objectLike({
            HttpMethod: route.method,
            ResourcePath: resourcePath,
            ThrottlingRateLimit: 10,
            ThrottlingBurstLimit: 20,
          }),
        ]),
      });
    },
  );

  it('has no preflight (OPTIONS) method unless CORS origins are configured', () => {
    expect(methods.filter((m) => m.Properties.HttpMethod === 'OPTIONS')).toEqual([]);
  });

  it('has the account-level CloudWatch role API Gateway needs to write logs, retained', () => {
    template.hasResource('AWS::ApiGateway::Account', {});
    template.hasResource('AWS::IAM::Role', {
      Properties: {
        AssumeRolePolicyDocument: Match.objectLike({
          Statement: [Match.objectLike({ Principal: { Service: 'apigateway.amazonaws.com' } })],
        }),
      },
      DeletionPolicy: 'Retain',
    });
  });
});

describe('Orders table', () => {
  const orders = () => resources[ordersTableId];

  it('has the pk/sk key schema and the payments-by-order index, projecting all attributes', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'gsi1pk', AttributeType: 'S' },
        { AttributeName: 'gsi1sk', AttributeType: 'S' },
      ]),
      GlobalSecondaryIndexes: [
        {
          IndexName: 'payments-by-order',
          KeySchema: [
            { AttributeName: 'gsi1pk', KeyType: 'HASH' },
            { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    });
    expect(orders()?.Properties.GlobalSecondaryIndexes).toHaveLength(1);
  });

  it('is on-demand and encrypted with the AWS managed key', () => {
    expect(orders()?.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
    });
  });

  it('is a dev table: no deletion protection nor point-in-time recovery, destroyed with the stack', () => {
    expect(orders()?.Properties.DeletionProtectionEnabled).toBe(false);
    expect(orders()?.Properties).toMatchObject({
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false },
    });
    expect(orders()).toMatchObject({ DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
  });
});

describe('Idempotency table', () => {
  const idempotency = () => resources[idempotencyTableId];

  it('has the partition key id and expires records through TTL on expiration', () => {
    expect(idempotency()?.Properties).toMatchObject({
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
    });
    expect(idempotency()?.Properties.KeySchema).toHaveLength(1);
  });

  it('is destroyed with the stack (its records are ephemeral)', () => {
    expect(idempotency()).toMatchObject({ DeletionPolicy: 'Delete' });
  });
});

describe('functions', () => {
  const routeCases = apiRoutes.map((route) => [route.functionId, route] as const);

  it('has one function per route', () => {
    template.resourceCountIs('AWS::Lambda::Function', apiRoutes.length);
  });

  it.each(routeCases)(
    '%s runs Node.js 24 on arm64 with active tracing and the route timeout and memory',
    (_id, route) => {
      expect(functionResource(route).Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        Timeout: route.timeoutSeconds,
        MemorySize: route.memoryMb,
      });
    },
  );

  it.each(routeCases)('%s logs to its own log group, kept for a week in dev', (_id, route) => {
    const loggingConfig = functionResource(route).Properties.LoggingConfig as {
      LogGroup: { Ref: string };
    };
    expect(resources[loggingConfig.LogGroup.Ref]).toMatchObject({
      Type: 'AWS::Logs::LogGroup',
      Properties: { RetentionInDays: 7 },
      DeletionPolicy: 'Delete',
    });
  });

  it.each(routeCases)('%s is told exactly the tables it may use', (_id, route) => {
    const idempotencyEnv = route.idempotent
      ? { IDEMPOTENCY_TABLE_NAME: { Ref: idempotencyTableId }, IDEMPOTENCY_TTL_SECONDS: '86400' }
      : {};
    expect(functionResource(route).Properties.Environment).toEqual({
      Variables: {
        POWERTOOLS_SERVICE_NAME: 'payments-api',
        NODE_OPTIONS: '--enable-source-maps',
        ORDERS_TABLE_NAME: { Ref: ordersTableId },
        ...idempotencyEnv,
      },
    });
  });

  it('keeps CreatePaymentFunction timeout strictly below the payment lease', () => {
    const createPayment = apiRoutes.find((r) => r.functionId === 'CreatePaymentFunction');
    expect(createPayment).toBeDefined();
    const timeout = functionResource(createPayment!).Properties.Timeout as number;
    expect(timeout).toBeLessThan(PAYMENT_LEASE_SECONDS);
  });

  it.each(routeCases)(
    '%s times out before API Gateway gives up on the integration (29 s)',
    (_id, route) => {
      expect(functionResource(route).Properties.Timeout).toBeLessThan(29);
    },
  );

  it('sets IDEMPOTENCY_TTL_SECONDS from the idempotencyTtl prop', () => {
    const custom = synthesize({ idempotencyTtl: Duration.hours(1) });
    const createOrder = custom.stack.functions.get('CreateOrderFunction');
    const resource = custom.template.toJSON().Resources as Record<string, Resource>;
    const createOrderId = custom.stack.getLogicalId(createOrder?.node.defaultChild as CfnResource);
    expect(resource[createOrderId]?.Properties.Environment).toMatchObject({
      Variables: { IDEMPOTENCY_TTL_SECONDS: '3600' },
    });
  });

  it('refuses a replay window shorter than a function may run', () => {
    expect(() => synthesize({ idempotencyTtl: Duration.seconds(5) })).toThrow(
      /at least 15 seconds/,
    );
  });
});

describe('least-privilege grants', () => {
  const ordersArn = `${ordersTableId}.Arn`;
  const idempotencyArn = `${idempotencyTableId}.Arn`;
  const ordersActions: Record<OrdersTableAccess, string[]> = {
    read: ['dynamodb:GetItem', 'dynamodb:Query'],
    'create-order': ['dynamodb:GetItem', 'dynamodb:PutItem'],
    'create-payment': [
      'dynamodb:ConditionCheckItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ],
  };

  it.each(apiRoutes.map((route) => [route.functionId, route.ordersTable, route] as const))(
    '%s (%s) may do exactly what its route needs, and nothing else',
    (_id, access, route) => {
      const logGroupId = (
        functionResource(route).Properties.LoggingConfig as { LogGroup: { Ref: string } }
      ).LogGroup.Ref;
      expect(permissionsOf(route)).toEqual({
        [`${logGroupId}.Arn`]: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        '*': ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'],
        [ordersArn]: ordersActions[access],
        ...(access === 'read'
          ? { [`${ordersArn}/index/payments-by-order`]: ['dynamodb:Query'] }
          : {}),
        ...(route.idempotent
          ? {
              [idempotencyArn]: [
                'dynamodb:DeleteItem',
                'dynamodb:GetItem',
                'dynamodb:PutItem',
                'dynamodb:UpdateItem',
              ],
            }
          : {}),
      });
    },
  );

  it.each(getRoutes.map((route) => [route.functionId, route] as const))(
    '%s cannot write to any table nor see the idempotency table',
    (_id, route) => {
      const permissions = permissionsOf(route);
      const actions = Object.values(permissions).flat();
      expect(actions).not.toEqual(
        expect.arrayContaining([expect.stringMatching(/^dynamodb:(Put|Update|Delete|BatchWrite)/)]),
      );
      expect(permissions[idempotencyArn]).toBeUndefined();
    },
  );

  it.each(postRoutes.map((route) => [route.functionId, route] as const))(
    '%s can use the idempotency table',
    (_id, route) => {
      expect(permissionsOf(route)[idempotencyArn]).toContain('dynamodb:PutItem');
    },
  );

  it('lets CreatePaymentFunction update and condition-check the Orders table', () => {
    const createPayment = apiRoutes.find((r) => r.functionId === 'CreatePaymentFunction');
    expect(permissionsOf(createPayment!)[ordersArn]).toEqual(
      expect.arrayContaining(['dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem']),
    );
  });

  it.each(apiRoutes.map((route) => [route.functionId, route] as const))(
    '%s has no AWS managed policy',
    (_id, route) => {
      const role = resources[logicalId(functionOf(route).role!)];
      expect(role?.Properties.ManagedPolicyArns).toBeUndefined();
    },
  );
});

describe('outputs', () => {
  it.each(['ApiUrl', 'OrdersTableName', 'IdempotencyTableName'])('exports %s', (name) => {
    template.hasOutput(name, {});
  });

  it('OrdersTableName and IdempotencyTableName name the tables', () => {
    template.hasOutput('OrdersTableName', { Value: { Ref: ordersTableId } });
    template.hasOutput('IdempotencyTableName', { Value: { Ref: idempotencyTableId } });
  });
});

describe('cdk-nag (AwsSolutions)', () => {
  it('leaves no finding unacknowledged, neither error nor warning', () => {
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.violations).toEqual([]);
  });

  it('leaves no error or warning annotation on the stack', () => {
    expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
  });

  it('acknowledges only the reviewed findings, each with a reason', () => {
    const acknowledged = stack.node.findAll().flatMap((construct) =>
      construct.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) =>
          Object.entries(entry.data as Record<string, string>).map(([rule, reason]) => {
            expect(reason.length).toBeGreaterThan(40);
            return `${construct.node.path} ${rule.replace(/^Annotation::/i, '')}`;
          }),
        ),
    );
    expect(acknowledged.sort()).toEqual(
      [
        'PaymentsApi/Api AwsSolutions-COG4',
        'PaymentsApi/Api AwsSolutions-APIG2',
        'PaymentsApi/Api AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        'PaymentsApi/Api/DeploymentStage.v1 AwsSolutions-APIG3',
        'PaymentsApi/IdempotencyTable AwsSolutions-DDB3',
        'PaymentsApi/OrdersTable AwsSolutions-DDB3',
        ...apiRoutes.map(
          (r) => `PaymentsApi/${r.functionId}ServiceRole AwsSolutions-IAM5[Resource::*]`,
        ),
      ].sort(),
    );
  });
});
