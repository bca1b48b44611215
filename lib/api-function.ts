import * as path from 'node:path';
import { AssetStaging, Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { TableAccess } from './api-routes';
import { functionBundling } from './bundling';

/** Repository root: handler entries in the route table are relative to it. */
export const projectRoot = path.resolve(__dirname, '..');

export interface ApiFunctionProps {
  /** Handler module, relative to the repository root; it exports `handler`. */
  readonly entry: string;
  /** Sets `POWERTOOLS_SERVICE_NAME`, the `service` of every log line, metric and trace. */
  readonly serviceName: string;
  /** Sets `POWERTOOLS_METRICS_NAMESPACE`, where the function's own metrics go. */
  readonly metricsNamespace: string;
  /**
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
  /**
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * How long the function's log group keeps its logs.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the function's log group when it leaves the stack.
   *
   * @default RemovalPolicy.DESTROY
   */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * A Node.js Lambda function with every default this project's functions share: Node.js 24 on
 * arm64, an esbuild bundle with source maps that includes the AWS SDK (with credentials from the
 * environment only, `lib/bundling.ts`), active X-Ray tracing and its own log group with a
 * retention period.
 *
 * Table access goes through {@link ApiFunction.bindTable}, which sets the environment
 * variable and the IAM grant together.
 */
export class ApiFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: ApiFunctionProps) {
    const logGroup = new logs.LogGroup(scope, `${id}LogGroup`, {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      // Operational logs: the record of every order and payment lives in the Orders table, and
      // these logs expire after their retention period anyway.
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.DESTROY,
    });

    // Instead of the AWSLambdaBasicExecutionRole managed policy, which may create and write
    // any log group in the account: the function writes to its own log group only.
    const role = new iam.Role(scope, `${id}ServiceRole`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    logGroup.grantWrite(role);

    super(scope, id, {
      entry: path.join(projectRoot, props.entry),
      handler: 'handler',
      projectRoot,
      depsLockFilePath: path.join(projectRoot, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      timeout: props.timeout ?? Duration.seconds(10),
      memorySize: props.memorySize ?? 256,
      tracing: lambda.Tracing.ACTIVE,
      logGroup,
      role,
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: props.metricsNamespace,
        // Stack traces point at the TypeScript sources through the bundled source maps.
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        format: OutputFormat.CJS,
        target: functionBundling.target,
        minify: functionBundling.minify,
        mainFields: [...functionBundling.mainFields],
        sourceMap: functionBundling.sourceMap,
        // Ship the SDK version the tests ran against, not whatever the runtime provides.
        bundleAwsSDK: true,
        esbuildArgs: {
          '--alias': Object.entries(functionBundling.substitutes).map(
            ([name, module]) => `${name}=${module}`,
          ),
        },
        // The substitutes are relative to the project root: where local bundling runs esbuild,
        // and where Docker bundling mounts the project.
        workingDirectory: AssetStaging.BUNDLING_INPUT_DIR,
      },
    });
  }

  /**
   * Gives the function a table: the table's name in `envVar` and exactly `access` to it, so
   * the variable and the permission cannot drift apart.
   *
   * The grant covers the table only, not a customer managed KMS key: the tables of this stack
   * are encrypted with the AWS managed key `aws/dynamodb`, whose key policy lets DynamoDB use
   * it on behalf of any principal of the account that may use the table.
   */
  public bindTable(envVar: string, table: ITable, access: TableAccess): iam.Grant {
    this.addEnvironment(envVar, table.tableName);
    const grant = iam.Grant.addToPrincipal({
      grantee: this,
      actions: [...access.actions],
      resourceArns: [table.tableArn],
    });
    const indexArns = (access.queriedIndexes ?? []).map(
      (indexName) => `${table.tableArn}/index/${indexName}`,
    );
    if (indexArns.length === 0) return grant;
    return grant.combine(
      iam.Grant.addToPrincipal({
        grantee: this,
        actions: ['dynamodb:Query'],
        resourceArns: indexArns,
      }),
    );
  }
}
