import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { idempotencyTableSchema, ordersTableSchema } from '../lambda/store/table-schema';
import { ApiFunction } from './api-function';
import { apiRoutes, idempotencyTableAccess, pathsOf, type ApiRoute } from './api-routes';
import { addGatewayProblems } from './gateway-responses';
import { PaymentsMonitoring } from './monitoring';
import { acknowledgeNagFindings } from './nag-acknowledgements';
import { stageSettings, type Stage, type StageSettings } from './stage';
import { sweeperFunction } from './sweeper';

export const SERVICE_NAME = 'payments-api';

export interface PaymentsStackProps extends StackProps {
  /**
   * The deployment stage: picks the Orders table's protection and removal policy, log
   * retention, the execution log level, throttling, and the names that keep stages apart: the
   * API's and the functions' metric namespace (`lib/stage.ts`). Deploy each stage with
   * {@link stageStack}, under its own stack name.
   *
   * @default 'dev'
   */
  readonly stage?: Stage;
  /**
   * How long a completed POST is replayed for its `Idempotency-Key` (the replay window of the
   * HTTP contract). Whole seconds.
   *
   * @default Duration.hours(24)
   */
  readonly idempotencyTtl?: Duration;
  /**
   * Turns on DynamoDB deletion protection for the Orders table, so that not even a manual
   * delete outside CloudFormation can drop it.
   *
   * @default true in the prod stage, false in dev
   */
  readonly ordersTableDeletionProtection?: boolean;
  /**
   * Creates the IAM role API Gateway needs to write logs and sets it on the account
   * (`AWS::ApiGateway::Account`). API Gateway cannot write access or execution logs without it.
   * Pass `false` when the account's API Gateway settings are managed elsewhere.
   *
   * @default true
   */
  readonly apiGatewayCloudWatchRole?: boolean;
  /**
   * ARN of an SNS topic that every alarm notifies, on ALARM and back to OK (a topic wired to
   * the on-call pager or chat, usually shared by several stacks).
   *
   * @default no notifications: alarm states show on the dashboard only
   */
  readonly alarmTopicArn?: string;
  /**
   * Browser origins allowed to call the API (CORS), e.g. `https://shop.example.com`. Adds
   * preflight (OPTIONS) methods and the CORS response headers. Callers still sign every
   * request with SigV4.
   *
   * @default no CORS: the API is for server-side callers
   */
  readonly corsAllowOrigins?: readonly string[];
}

/**
 * One JSON line per request: API Gateway's standard fields, plus what on-call needs to explain a
 * refusal or a slow answer (the caller's principal, which is the tenant, the gateway's error type,
 * latencies and the X-Ray trace).
 *
 * Only values API Gateway shapes itself (ids, numbers, IAM principals, the resource that
 * matched): it writes variables into the line without escaping them, so a value a client shapes
 * could break the JSON. Never `$context.error.message`: for a refused signature it quotes the
 * canonical request, the Idempotency-Key and the session token included, over several lines
 * (test/infra/access-logs.test.ts). No user agent, no path as sent, no body, no header.
 */
const accessLogFields = {
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  caller: '$context.identity.caller',
  user: '$context.identity.user',
  userArn: '$context.identity.userArn',
  requestTime: '$context.requestTime',
  httpMethod: '$context.httpMethod',
  resourcePath: '$context.resourcePath',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationStatus: '$context.integration.status',
  integrationLatency: '$context.integrationLatency',
  errorType: '$context.error.responseType',
  xrayTraceId: '$context.xrayTraceId',
};

/** Headers a browser may send and read, when CORS is configured. */
const corsAllowHeaders = [
  'Content-Type',
  'Idempotency-Key',
  'Authorization',
  'X-Amz-Date',
  'X-Amz-Security-Token',
  'X-Amz-Content-Sha256',
];
/**
 * The payments API: a REST API with AWS IAM authorization, one function per route of
 * `api-routes.ts`, the Orders table and the table of the HTTP idempotency layer.
 */
export class PaymentsStack extends Stack {
  public readonly ordersTable: dynamodb.Table;
  public readonly idempotencyTable: dynamodb.Table;
  public readonly api: apigateway.RestApi;
  /** The function of each route, by `functionId`. */
  public readonly functions: ReadonlyMap<string, ApiFunction>;
  /** The scheduled sweeper of abandoned payment attempts (`lib/sweeper.ts`). */
  public readonly sweeper: ApiFunction;
  public readonly settings: StageSettings;
  public readonly monitoring: PaymentsMonitoring;

  constructor(scope: Construct, id: string, props: PaymentsStackProps = {}) {
    super(scope, id, props);
    const settings = stageSettings(props.stage);
    this.settings = settings;

    const idempotencyTtlSeconds = (props.idempotencyTtl ?? Duration.hours(24)).toSeconds();
    // Powertools takes over a record once its replay window has passed, even one still in
    // progress: a window shorter than a function's run would let a retry run alongside it.
    const longestRun = Math.max(
      ...apiRoutes.filter((r) => r.idempotent).map((r) => r.timeoutSeconds),
    );
    if (idempotencyTtlSeconds < longestRun) {
      throw new Error(
        `idempotencyTtl must be at least ${longestRun} seconds (the longest idempotent function timeout), got ${idempotencyTtlSeconds}`,
      );
    }

    this.ordersTable = new dynamodb.Table(this, 'OrdersTable', {
      partitionKey: { name: ordersTableSchema.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: ordersTableSchema.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      // The aws/dynamodb key: encryption at rest is auditable in CloudTrail, and the functions
      // need no KMS grant (the key policy lets DynamoDB use it for the account's principals).
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: {
        pointInTimeRecoveryEnabled: settings.ordersTable.pointInTimeRecovery,
      },
      deletionProtection:
        props.ordersTableDeletionProtection ?? settings.ordersTable.deletionProtection,
      // prod: the system of record for orders and payments; deleting or replacing the stack
      // must never take the money trail with it. dev: torn down with its test data.
      removalPolicy: settings.ordersTable.removalPolicy,
    });
    const { paymentsByOrderIndex, leasesByExpiryIndex } = ordersTableSchema;
    this.ordersTable.addGlobalSecondaryIndex({
      indexName: paymentsByOrderIndex.indexName,
      partitionKey: {
        name: paymentsByOrderIndex.partitionKey,
        type: dynamodb.AttributeType.STRING,
      },
      sortKey: { name: paymentsByOrderIndex.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
    // Sparse: only orders a payment attempt holds, so the sweeper reads expired leases and the
    // operator flagged orders without scanning every order. CloudFormation adds one index per
    // update: deploy this alone.
    this.ordersTable.addGlobalSecondaryIndex({
      indexName: leasesByExpiryIndex.indexName,
      partitionKey: {
        name: leasesByExpiryIndex.partitionKey,
        type: dynamodb.AttributeType.STRING,
      },
      sortKey: { name: leasesByExpiryIndex.sortKey, type: dynamodb.AttributeType.NUMBER },
      projectionType: dynamodb.ProjectionType.INCLUDE,
      nonKeyAttributes: [...leasesByExpiryIndex.projectedAttributes],
    });

    this.idempotencyTable = new dynamodb.Table(this, 'IdempotencyTable', {
      partitionKey: {
        name: idempotencyTableSchema.partitionKey,
        type: dynamodb.AttributeType.STRING,
      },
      timeToLiveAttribute: idempotencyTableSchema.ttlAttribute,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      // Stored responses hold order and payment details: same encryption as the Orders table.
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      // Records are ephemeral (a replay window of hours) and a lost record cannot duplicate a
      // resource, because order and payment ids are derived from the key.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention: settings.logs.retention,
      removalPolicy: settings.logs.removalPolicy,
    });
    const corsAllowOrigins = props.corsAllowOrigins ?? [];

    const methodMonitoring = {
      metricsEnabled: true,
      loggingLevel: settings.executionLogLevel,
      // Request and response bodies hold payment data: never copy them into the logs.
      dataTraceEnabled: false,
    } satisfies apigateway.MethodDeploymentOptions;
    const createCloudWatchRole = props.apiGatewayCloudWatchRole ?? true;
    this.api = new apigateway.RestApi(this, 'Api', {
      restApiName: settings.apiName,
      description: 'Idempotent payments API (orders and payments)',
      // Callers are SigV4-signing services, usually in the same region: no CloudFront hop.
      endpointConfiguration: { types: [apigateway.EndpointType.REGIONAL] },
      defaultMethodOptions: { authorizationType: apigateway.AuthorizationType.IAM },
      cloudWatchRole: createCloudWatchRole,
      // The role is an account-wide setting of API Gateway in this region, which other APIs
      // may rely on: deleting this stack must not take it away from them.
      cloudWatchRoleRemovalPolicy: createCloudWatchRole ? RemovalPolicy.RETAIN : undefined,
      deployOptions: {
        stageName: 'v1',
        tracingEnabled: true,
        ...methodMonitoring,
        accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.custom(JSON.stringify(accessLogFields)),
        throttlingRateLimit: settings.stageThrottle.rateLimit,
        throttlingBurstLimit: settings.stageThrottle.burstLimit,
        methodOptions: Object.fromEntries(
          apiRoutes
            .filter((route) => route.method === 'POST')
            .flatMap((route) => pathsOf(route).map((path) => [path, route] as const))
            .map(([path, route]) => [
              `${path}/${route.method}`,
              {
                // A method setting replaces the stage-wide one, it does not merge with it:
                // whatever it leaves out is off for the method, so it states all of it.
                ...methodMonitoring,
                throttlingRateLimit: settings.writeThrottle.rateLimit,
                throttlingBurstLimit: settings.writeThrottle.burstLimit,
              },
            ]),
        ),
      },
      ...(corsAllowOrigins.length > 0 && {
        defaultCorsPreflightOptions: {
          allowOrigins: [...corsAllowOrigins],
          allowMethods: ['GET', 'POST', 'OPTIONS'],
          allowHeaders: corsAllowHeaders,
          maxAge: Duration.hours(1),
        },
      }),
    });
    addGatewayProblems(this.api, corsAllowOrigins);

    const functions = new Map<string, ApiFunction>();
    for (const route of apiRoutes) {
      const fn = this.addRoute(route, idempotencyTtlSeconds, settings, corsAllowOrigins);
      functions.set(route.functionId, fn);
    }
    this.functions = functions;
    this.sweeper = this.addSweeper(settings);

    this.monitoring = new PaymentsMonitoring(this, 'Monitoring', {
      api: this.api,
      functions: new Map([...functions, [sweeperFunction.functionId, this.sweeper]]),
      tables: new Map([
        ['OrdersTable', this.ordersTable],
        ['IdempotencyTable', this.idempotencyTable],
      ]),
      serviceName: SERVICE_NAME,
      metricsNamespace: settings.metricsNamespace,
      alarmTopic: props.alarmTopicArn
        ? sns.Topic.fromTopicArn(this, 'AlarmTopic', props.alarmTopicArn)
        : undefined,
    });

    new CfnOutput(this, 'ApiUrl', {
      description: 'Base URL of the API (the v1 stage); every method needs SigV4 (AWS IAM)',
      value: this.api.url,
    });
    new CfnOutput(this, 'OrdersTableName', { value: this.ordersTable.tableName });
    new CfnOutput(this, 'IdempotencyTableName', { value: this.idempotencyTable.tableName });

    acknowledgeNagFindings({
      api: this.api,
      ordersTable: this.ordersTable,
      idempotencyTable: this.idempotencyTable,
      functions: [...functions.values(), this.sweeper],
    });
  }

  /**
   * The sweeper, on an EventBridge schedule: it settles the payment attempts whose process died
   * holding an order's lease, within minutes rather than when the order is next paid.
   */
  private addSweeper(settings: StageSettings): ApiFunction {
    const fn = new ApiFunction(this, sweeperFunction.functionId, {
      entry: sweeperFunction.entry,
      serviceName: SERVICE_NAME,
      metricsNamespace: settings.metricsNamespace,
      timeout: Duration.seconds(sweeperFunction.timeoutSeconds),
      memorySize: sweeperFunction.memoryMb,
      logRetention: settings.logs.retention,
      logRemovalPolicy: settings.logs.removalPolicy,
    });
    fn.bindTable('ORDERS_TABLE_NAME', this.ordersTable, sweeperFunction.ordersTable);
    new events.Rule(this, 'SweepSchedule', {
      description: 'Settles abandoned payment attempts (lib/sweeper.ts)',
      schedule: events.Schedule.rate(Duration.minutes(sweeperFunction.everyMinutes)),
      // No retry of a failed sweep: the next scheduled one starts over from the index.
      targets: [new targets.LambdaFunction(fn, { retryAttempts: 0 })],
    });
    return fn;
  }

  private addRoute(
    route: ApiRoute,
    idempotencyTtlSeconds: number,
    settings: StageSettings,
    corsAllowOrigins: readonly string[],
  ): ApiFunction {
    const fn = new ApiFunction(this, route.functionId, {
      entry: route.entry,
      serviceName: SERVICE_NAME,
      metricsNamespace: settings.metricsNamespace,
      timeout: Duration.seconds(route.timeoutSeconds),
      memorySize: route.memoryMb,
      logRetention: settings.logs.retention,
      logRemovalPolicy: settings.logs.removalPolicy,
    });
    if (corsAllowOrigins.length > 0) {
      fn.addEnvironment('CORS_ALLOW_ORIGINS', corsAllowOrigins.join(','));
    }

    fn.bindTable('ORDERS_TABLE_NAME', this.ordersTable, route.ordersTable);
    if (route.idempotent) {
      fn.bindTable('IDEMPOTENCY_TABLE_NAME', this.idempotencyTable, idempotencyTableAccess);
      fn.addEnvironment('IDEMPOTENCY_TTL_SECONDS', String(idempotencyTtlSeconds));
    }

    // One integration for every path of the route: an alias reaches the same function.
    const integration = new apigateway.LambdaIntegration(fn);
    for (const path of pathsOf(route)) {
      this.api.root.resourceForPath(path).addMethod(route.method, integration);
    }
    return fn;
  }
}

/**
 * The stack of a stage, named after it (`PaymentsApi-dev`, `PaymentsApi-prod`): what
 * `bin/app.ts` deploys. Stages never share a stack, so deploying one cannot change another.
 * `props.stackName` deploys it under another CloudFormation name (an existing stack's).
 */
export function stageStack(scope: Construct, props: PaymentsStackProps = {}): PaymentsStack {
  return new PaymentsStack(scope, stageSettings(props.stage).stackName, props);
}
