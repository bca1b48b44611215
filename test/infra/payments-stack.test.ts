import { Duration, Validations, type CfnResource } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { PAYMENT_LEASE_SECONDS } from '../../lambda/domain/payment';
import { apiRoutes, pathsOf, type ApiRoute } from '../../lib/api-routes';
import { synthesize, type Resource } from './support/synthesize';

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

/** The API Gateway path of a resource of the template, rebuilt from its parents. */
function apiPathOf(resourceRef: unknown): string {
  const ref = resourceRef as { Ref?: string };
  if (ref.Ref === undefined) return ''; // the root resource: Fn::GetAtt RootResourceId
  const resource = resources[ref.Ref];
  if (!resource) throw new Error(`no resource ${ref.Ref}`);
  return `${apiPathOf(resource.Properties.ParentId)}/${String(resource.Properties.PathPart)}`;
}

/** Every method the API serves, each alias path included, with the route that serves it. */
const servedMethods = apiRoutes.flatMap((route) =>
  pathsOf(route).map((path) => [`${route.method} ${path}`, route, path] as const),
);

describe('REST API', () => {
  const methods = Object.values(template.findResources('AWS::ApiGateway::Method')) as Resource[];

  it('has exactly one method per route path, aliases included', () => {
    const actual = methods.map(
      (m) => `${String(m.Properties.HttpMethod)} ${apiPathOf(m.Properties.ResourceId)}`,
    );
    expect(actual.sort()).toEqual(
      [
        'POST /orders',
        'GET /orders/{orderId}',
        'POST /payments',
        'POST /payment',
        'GET /payments/{paymentId}',
        'GET /orders/{orderId}/payments',
      ].sort(),
    );
  });

  it.each(servedMethods)(
    '%s requires AWS IAM authorization and proxies to its route function',
    (_name, route, path) => {
      const method = methods.find(
        (m) =>
          m.Properties.HttpMethod === route.method && apiPathOf(m.Properties.ResourceId) === path,
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

  it('access logs one JSON object per request with the caller, the error type and the latencies, never a body nor a message', () => {
    const stage = Object.values(template.findResources('AWS::ApiGateway::Stage'))[0] as Resource;
    const format = (stage.Properties.AccessLogSetting as { Format: string }).Format;
    const fields = JSON.parse(format) as Record<string, string>;

    expect(fields).toMatchObject({
      requestId: '$context.requestId',
      userArn: '$context.identity.userArn',
      status: '$context.status',
      errorType: '$context.error.responseType',
      integrationLatency: '$context.integrationLatency',
      xrayTraceId: '$context.xrayTraceId',
    });
    expect(format).not.toMatch(
      /\$input|requestOverride|\$context\.authorizer|\$context\.error\.message|userAgent/,
    );
  });

  it.each(servedMethods.filter(([, route]) => route.method === 'POST'))(
    '%s has its own, lower, method throttle',
    (_name, route, path) => {
      // API Gateway's resource path of a method setting: '/' then the path, '/' escaped as '~1'.
      const resourcePath = `/${path.replace(/\//g, '~1')}`;
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

  it('has the pk/sk key schema, the payments-by-order index projecting all attributes, and the sparse leases-by-expiry index', () => {
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
        { AttributeName: 'gsi2pk', AttributeType: 'S' },
        { AttributeName: 'gsi2sk', AttributeType: 'N' },
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
        {
          IndexName: 'leases-by-expiry',
          KeySchema: [
            { AttributeName: 'gsi2pk', KeyType: 'HASH' },
            { AttributeName: 'gsi2sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['lease'] },
        },
      ],
    });
    expect(orders()?.Properties.GlobalSecondaryIndexes).toHaveLength(2);
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

  it('has one function per route, and the sweeper', () => {
    template.resourceCountIs('AWS::Lambda::Function', apiRoutes.length + 1);
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
        POWERTOOLS_METRICS_NAMESPACE: 'PaymentsApi/dev',
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

describe('least privilege: each function may do exactly what its code does', () => {
  const orders = { 'Fn::GetAtt': [ordersTableId, 'Arn'] };
  const idempotency = { 'Fn::GetAtt': [idempotencyTableId, 'Arn'] };
  const allow = (Action: string | string[], Resource: unknown) => ({
    Action,
    Effect: 'Allow',
    Resource,
  });
  // Powertools' DynamoDB persistence layer: PutItem (lock the key), GetItem (read a record it
  // could not lock), UpdateItem (store the response), DeleteItem (free the key after a failure).
  const idempotencyLayer = allow(
    ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
    idempotency,
  );
  // Read from lambda/store/orders-store.ts. A TransactWriteItems is authorised item by item, as
  // the PutItem, UpdateItem or ConditionCheckItem it holds.
  const tableStatements: Record<string, object[]> = {
    // insertOrder: one conditional PutItem, which returns the existing order when it fails.
    CreateOrderFunction: [allow('dynamodb:PutItem', orders), idempotencyLayer],
    // getOrder
    GetOrderFunction: [allow('dynamodb:GetItem', orders)],
    // Transactions of ConditionCheck, Put and Update items (claimOrder, renewLease,
    // recordPayment), and an UpdateItem (removeStaleLease). No read.
    CreatePaymentFunction: [
      allow(['dynamodb:ConditionCheckItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], orders),
      idempotencyLayer,
    ],
    // getPayment
    GetPaymentFunction: [allow('dynamodb:GetItem', orders)],
    // getOrder, then a Query of the payments-by-order index.
    ListOrderPaymentsFunction: [
      allow('dynamodb:GetItem', orders),
      allow('dynamodb:Query', { 'Fn::Join': ['', [orders, '/index/payments-by-order']] }),
    ],
  };

  /** The IAM policies attached to the role of the route's function. */
  function policiesOf(route: ApiRoute): Resource[] {
    const roleRef = { Ref: logicalId(functionOf(route).role!) };
    return Object.values(resources).filter(
      (resource) =>
        resource.Type === 'AWS::IAM::Policy' &&
        (resource.Properties.Roles as unknown[]).some(
          (role) => JSON.stringify(role) === JSON.stringify(roleRef),
        ),
    );
  }

  it('states the tables of every function of the route table', () => {
    expect(Object.keys(tableStatements).sort()).toEqual(apiRoutes.map((r) => r.functionId).sort());
  });

  it.each(apiRoutes.map((route) => [route.functionId, route] as const))(
    '%s has one policy: write its own log group, send traces, and its table calls, nothing else',
    (functionId, route) => {
      const logGroupId = (
        functionResource(route).Properties.LoggingConfig as { LogGroup: { Ref: string } }
      ).LogGroup.Ref;
      const policies = policiesOf(route);

      expect(policies).toHaveLength(1);
      expect(policies[0]?.Properties.PolicyDocument).toEqual({
        Version: '2012-10-17',
        Statement: [
          allow(['logs:CreateLogStream', 'logs:PutLogEvents'], {
            'Fn::GetAtt': [logGroupId, 'Arn'],
          }),
          allow(['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], '*'),
          ...(tableStatements[functionId] ?? []),
        ],
      });
    },
  );

  it.each(apiRoutes.map((route) => [route.functionId, route] as const))(
    '%s has no managed policy nor inline policy on its role',
    (_id, route) => {
      const role = resources[logicalId(functionOf(route).role!)];
      expect(role?.Properties.ManagedPolicyArns).toBeUndefined();
      expect(role?.Properties.Policies).toBeUndefined();
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
        'PaymentsApi-dev/Api AwsSolutions-COG4',
        'PaymentsApi-dev/Api AwsSolutions-APIG2',
        'PaymentsApi-dev/Api AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        'PaymentsApi-dev/Api/DeploymentStage.v1 AwsSolutions-APIG3',
        'PaymentsApi-dev/IdempotencyTable AwsSolutions-DDB3',
        'PaymentsApi-dev/OrdersTable AwsSolutions-DDB3',
        'PaymentsApi-dev/SweepAbandonedAttemptsFunctionServiceRole AwsSolutions-IAM5[Resource::*]',
        ...apiRoutes.map(
          (r) => `PaymentsApi-dev/${r.functionId}ServiceRole AwsSolutions-IAM5[Resource::*]`,
        ),
      ].sort(),
    );
  });
});
