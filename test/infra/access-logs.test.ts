/**
 * API Gateway's access log: one JSON object per line, whatever the request, and never a secret.
 *
 * API Gateway writes the format's `$context` variables into the line as they are, without JSON
 * escaping. Rendered here with the values a request can bring: what API Gateway shapes itself
 * (ids, numbers, IAM principals, the matched resource) keeps the line JSON; what a client shapes
 * (the error message, which quotes the canonical request with its headers, the user agent, the
 * path) would break it, or write the Idempotency-Key and the session token into the logs.
 */
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { synthesize, type Resource } from './support/synthesize';

const idempotencyKey = 'order-7f3a-retry-secret';
const securityToken = 'IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN';

// What API Gateway answers a refused signature with: the canonical request it expected, headers
// and their values included, over several lines.
const signatureMessage = [
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  '',
  'The Canonical String for this request should have been',
  "'POST",
  '/v1/payments',
  '',
  'content-type:application/json',
  'host:a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com',
  `idempotency-key:"${idempotencyKey}"`,
  'x-amz-date:20261201T220109Z',
  `x-amz-security-token:${securityToken}`,
  '',
  "content-type;host;idempotency-key;x-amz-date;x-amz-security-token'",
  '\u0000\u001b[31m\t',
].join('\n');

/** Variables whose values API Gateway shapes itself: a client cannot put a quote or a newline in. */
const gatewayShaped: Record<string, string> = {
  requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
  extendedRequestId: 'BQGojGz7IAMFpxA=',
  'identity.sourceIp': '203.0.113.7',
  // IAM principal ids and ARNs: role session names are limited to [\w+=,.@-].
  'identity.caller': 'AROAEXAMPLEID:checkout-service',
  'identity.user': 'AROAEXAMPLEID:checkout-service',
  'identity.userArn': 'arn:aws:sts::123456789012:assumed-role/checkout/checkout-service',
  'identity.accountId': '123456789012',
  requestTime: '01/Dec/2026:22:01:09 +0000',
  requestTimeEpoch: '1796162469000',
  httpMethod: 'POST',
  // The resource of the API that matched, not the path the client sent.
  resourcePath: '/payments',
  status: '403',
  protocol: 'HTTP/1.1',
  responseLength: '512',
  responseLatency: '12',
  integrationLatency: '-',
  'integration.status': '-',
  'integration.latency': '-',
  xrayTraceId: 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1',
  stage: 'v1',
  apiId: 'a1b2c3d4e5',
};

/** Variables a client shapes, with the worst it can send. */
const clientShaped: Record<string, string> = {
  'error.message': signatureMessage,
  'error.messageString': JSON.stringify(signatureMessage),
  'identity.userAgent': 'agent "quoted"\t\u0007',
  path: '/v1/payments/"\\',
  'integration.error': signatureMessage,
};

const { template } = synthesize();
const [stage] = Object.values(template.findResources('AWS::ApiGateway::Stage')) as Resource[];
const format = (stage?.Properties.AccessLogSetting as { Format: string }).Format;
const variablesOf = (text: string) =>
  [...text.matchAll(/\$context\.([A-Za-z]\w*(?:\.[A-Za-z]\w*)*)/g)].map((match) => match[1] ?? '');

/** The line API Gateway writes for a request that met `errorType` (`-` when none). */
function render(errorType: string): string {
  return format.replace(
    /\$context\.([A-Za-z]\w*(?:\.[A-Za-z]\w*)*)/g,
    (_variable, name: string) => {
      if (name === 'error.responseType') return errorType;
      const value = gatewayShaped[name] ?? clientShaped[name];
      if (value === undefined) throw new Error(`no representative value for $context.${name}`);
      return value;
    },
  );
}

// Every response type API Gateway knows: a refusal of each kind, and a request it did not refuse.
const errorTypes = [
  ...Object.values(apigateway.ResponseType)
    .filter((value): value is apigateway.ResponseType => value instanceof apigateway.ResponseType)
    .map((type) => type.responseType),
  '-',
];

describe('the API access log', () => {
  it('logs only variables API Gateway shapes itself', () => {
    const logged = variablesOf(format).filter((name) => name !== 'error.responseType');

    expect(logged.length).toBeGreaterThan(10);
    expect(logged.filter((name) => !(name in gatewayShaped))).toEqual([]);
  });

  it('knows every response type API Gateway can refuse a request with', () => {
    expect(errorTypes).toEqual(
      expect.arrayContaining(['INVALID_SIGNATURE', 'THROTTLED', 'DEFAULT_5XX', 'WAF_FILTERED']),
    );
  });

  it.each(errorTypes)('writes one JSON object on one line after %s, holding no secret', (type) => {
    const line = render(type);

    expect(line).not.toMatch(/[\n\r]/);
    expect(() => JSON.parse(line) as unknown).not.toThrow();
    expect(line).not.toContain(idempotencyKey);
    expect(line).not.toContain(securityToken);
    expect(JSON.parse(line)).toMatchObject({
      requestId: gatewayShaped.requestId,
      errorType: type,
      status: gatewayShaped.status,
    });
  });
});
