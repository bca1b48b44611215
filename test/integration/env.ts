// Quiet, local Powertools for every integration test file (runs before the test modules load).
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.POWERTOOLS_SERVICE_NAME = 'payments-api-test';
// The functions run on Node.js 24 in AWS; this machine's Node 20 only triggers an SDK notice.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
