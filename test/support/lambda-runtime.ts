/**
 * One invocation in a fresh process, the way Lambda's Node.js runtime makes it: the function's
 * `index.js` required from the task root (the working directory) and its `handler` called once
 * with the event and a context. Bundled by `test/integration/lambda-bundles.test.ts` and run by
 * the Node.js the functions deploy on, with nothing in its environment but what Lambda puts
 * there. The event arrives in `LAMBDA_TEST_EVENT`; the result (or the error) is written to file
 * descriptor 3, so that the function's own output (logs, metrics) keeps stdout and stderr.
 */
import { writeSync } from 'node:fs';
import path from 'node:path';
import type { APIGatewayProxyResult, Context } from 'aws-lambda';

type Handler = (event: unknown, context: Context) => Promise<APIGatewayProxyResult>;

const [file, exportName] = (process.env._HANDLER ?? 'index.handler').split('.');
const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'function';
const timeoutMs = Number(process.env.LAMBDA_TEST_TIMEOUT_MS ?? 10_000);

const report = (result: object) => writeSync(3, JSON.stringify(result));

async function invoke(): Promise<APIGatewayProxyResult> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = require(path.resolve(`${file}.js`)) as Record<string, Handler | undefined>;
  const handler = loaded[exportName ?? 'handler'];
  if (typeof handler !== 'function') throw new Error(`${file}.js exports no ${exportName}`);
  const deadline = Date.now() + timeoutMs;
  const context: Context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION ?? '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:000000000000:function:${functionName}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '256',
    awsRequestId: '8f5f3e0e-2f4b-4d4a-9d1c-1b2a3c4d5e6f',
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME ?? `/aws/lambda/${functionName}`,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME ?? 'test',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
  return handler(JSON.parse(process.env.LAMBDA_TEST_EVENT ?? '{}'), context);
}

invoke().then(
  (response) => {
    report({ response });
    process.exit(0);
  },
  (error: unknown) => {
    report({ error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
    process.exit(0);
  },
);
