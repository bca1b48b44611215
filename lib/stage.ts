import { RemovalPolicy } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as logs from 'aws-cdk-lib/aws-logs';

/** The deployment stages this stack knows; `cdk deploy -c stage=prod` picks one. */
export const stages = ['dev', 'prod'] as const;
export type Stage = (typeof stages)[number];

/** Requests per second and burst of an API Gateway throttle. */
export interface Throttle {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

/** Everything that differs between a development stack and a production one. */
export interface StageSettings {
  readonly stage: Stage;
  /**
   * The stage's CloudFormation stack: one per stage, so that deploying one stage never
   * updates another's (a dev deploy after a prod one used to strip prod's protections).
   */
  readonly stackName: string;
  /** The REST API's name, as the API Gateway console lists it. */
  readonly apiName: string;
  /**
   * Namespace of the functions' own metrics (`POWERTOOLS_METRICS_NAMESPACE`), read by the
   * stage's alarms and dashboard: two stages in one account and region never mix their figures.
   */
  readonly metricsNamespace: string;
  /** Orders table: retained, deletion-protected and point-in-time recoverable in prod. */
  readonly ordersTable: {
    readonly removalPolicy: RemovalPolicy;
    readonly deletionProtection: boolean;
    readonly pointInTimeRecovery: boolean;
  };
  /** Function logs and API access logs. */
  readonly logs: {
    readonly retention: logs.RetentionDays;
    readonly removalPolicy: RemovalPolicy;
  };
  /** API Gateway execution logging: never request or response bodies, in any stage. */
  readonly executionLogLevel: apigateway.MethodLoggingLevel;
  /** Every method of the stage, unless `writes` says otherwise. */
  readonly stageThrottle: Throttle;
  /** The POST methods: each one writes, and a payment may call the card processor. */
  readonly writeThrottle: Throttle;
}

const settingsByStage: Record<Stage, StageSettings> = {
  dev: {
    stage: 'dev',
    stackName: 'PaymentsApi-dev',
    apiName: 'payments-api-dev',
    metricsNamespace: 'PaymentsApi/dev',
    // A development stack is torn down with its test data; nothing in it is anyone's money.
    ordersTable: {
      removalPolicy: RemovalPolicy.DESTROY,
      deletionProtection: false,
      pointInTimeRecovery: false,
    },
    logs: { retention: logs.RetentionDays.ONE_WEEK, removalPolicy: RemovalPolicy.DESTROY },
    // INFO shows why API Gateway refused a request (signature, throttle) while developing.
    executionLogLevel: apigateway.MethodLoggingLevel.INFO,
    stageThrottle: { rateLimit: 20, burstLimit: 40 },
    writeThrottle: { rateLimit: 10, burstLimit: 20 },
  },
  prod: {
    stage: 'prod',
    stackName: 'PaymentsApi-prod',
    apiName: 'payments-api-prod',
    metricsNamespace: 'PaymentsApi/prod',
    // The system of record for orders and payments: deleting or replacing the stack, or a
    // manual delete, must never take the money trail with it, and a bad write must be undoable.
    ordersTable: {
      removalPolicy: RemovalPolicy.RETAIN,
      deletionProtection: true,
      pointInTimeRecovery: true,
    },
    // A year of access and function logs: what a payments audit asks for. Kept after the stack.
    logs: { retention: logs.RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.RETAIN },
    // ERROR only: INFO execution logs cost per request and repeat what the access logs hold.
    executionLogLevel: apigateway.MethodLoggingLevel.ERROR,
    stageThrottle: { rateLimit: 100, burstLimit: 200 },
    writeThrottle: { rateLimit: 50, burstLimit: 100 },
  },
};

const isStage = (value: unknown): value is Stage => stages.some((stage) => stage === value);

/**
 * The settings of a stage, from the `stage` CDK context value (`dev` when absent).
 *
 * @throws Error naming the allowed values when `value` is anything else
 */
export function stageSettings(value: unknown = 'dev'): StageSettings {
  if (!isStage(value)) {
    throw new Error(
      `Unknown stage ${JSON.stringify(value)}: use one of ${stages.join(', ')} (cdk deploy -c stage=prod)`,
    );
  }
  return settingsByStage[value];
}
