/**
 * The clients every function shares, created once per Lambda container and reused by every
 * invocation: the DynamoDB client and Powertools logger, metrics and tracer.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'payments-api';

export const logger = new Logger({ serviceName });
export const metrics = new Metrics({ serviceName, namespace: 'PaymentsApi' });
export const tracer = new Tracer({ serviceName });

/** `DYNAMODB_ENDPOINT` points the functions at a local engine; unset in AWS. */
export const dynamoDb = tracer.captureAWSv3Client(
  new DynamoDBClient(
    process.env.DYNAMODB_ENDPOINT ? { endpoint: process.env.DYNAMODB_ENDPOINT } : {},
  ),
);

export const documentClient = DynamoDBDocumentClient.from(dynamoDb, {
  marshallOptions: { removeUndefinedValues: true },
});
