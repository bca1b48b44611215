/**
 * API Gateway's own answers honour the OpenAPI document. Each gateway response of the
 * synthesized stack is rendered as API Gateway renders it (the template with its `$context`
 * variables substituted, the header mappings applied) for every status it can carry, and
 * checked with ajv against every operation it can answer for (`openapi/conformance.ts`).
 */
import { contractViolations } from '../../openapi/conformance';
import document from '../../openapi/openapi.json';
import { synthesize, type Resource } from './support/synthesize';

/**
 * API Gateway's response types and the status each carries when its gateway response sets
 * none (the "Gateway response types for API Gateway" table of the developer guide).
 */
const defaultStatusOf: Readonly<Record<string, number>> = {
  ACCESS_DENIED: 403,
  API_CONFIGURATION_ERROR: 500,
  AUTHORIZER_CONFIGURATION_ERROR: 500,
  AUTHORIZER_FAILURE: 500,
  BAD_REQUEST_PARAMETERS: 400,
  BAD_REQUEST_BODY: 400,
  EXPIRED_TOKEN: 403,
  INTEGRATION_FAILURE: 504,
  INTEGRATION_TIMEOUT: 504,
  INVALID_API_KEY: 403,
  INVALID_SIGNATURE: 403,
  MISSING_AUTHENTICATION_TOKEN: 403,
  QUOTA_EXCEEDED: 429,
  REQUEST_TOO_LARGE: 413,
  RESOURCE_NOT_FOUND: 404,
  THROTTLED: 429,
  UNAUTHORIZED: 401,
  UNSUPPORTED_MEDIA_TYPE: 415,
  WAF_FILTERED: 403,
};
/** Statuses the catch-alls answer beyond the types above: a function that failed or gave an invalid answer. */
const otherStatuses = { DEFAULT_4XX: [] as number[], DEFAULT_5XX: [502] };

/** Types about a request body: only operations that take one can get them. */
const aboutTheBody = new Set(['BAD_REQUEST_BODY', 'REQUEST_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE']);

interface GatewayResponse {
  readonly ResponseType: string;
  readonly StatusCode?: string;
  readonly ResponseParameters?: Record<string, string>;
  readonly ResponseTemplates?: Record<string, string>;
}

const { template } = synthesize({ corsAllowOrigins: ['https://shop.example.com'] });
const defined = Object.values(template.toJSON().Resources as Record<string, Resource>)
  .filter((resource) => resource.Type === 'AWS::ApiGateway::GatewayResponse')
  .map((resource) => resource.Properties as unknown as GatewayResponse);
const definedTypes = new Set(defined.map((response) => response.ResponseType));

/** The response types a gateway response answers for: its own, or those its catch-all covers. */
function typesAnsweredBy(responseType: string): string[] {
  if (responseType !== 'DEFAULT_4XX' && responseType !== 'DEFAULT_5XX') return [responseType];
  const range = responseType === 'DEFAULT_4XX' ? 4 : 5;
  return Object.keys(defaultStatusOf).filter(
    (type) => !definedTypes.has(type) && Math.floor((defaultStatusOf[type] ?? 0) / 100) === range,
  );
}

/** Every (gateway response, type it answers for, status it then carries). */
const cases = defined.flatMap((response) => {
  const types = typesAnsweredBy(response.ResponseType);
  const statuses = (type: string) =>
    response.StatusCode !== undefined
      ? [Number(response.StatusCode)]
      : [defaultStatusOf[type] ?? 0];
  const perType = types.flatMap((type) =>
    statuses(type).map((status) => ({ response, type, status })),
  );
  const others =
    otherStatuses[response.ResponseType as keyof typeof otherStatuses]?.map((status) => ({
      response,
      type: response.ResponseType,
      status: response.StatusCode !== undefined ? Number(response.StatusCode) : status,
    })) ?? [];
  return [...perType, ...others];
});

type Method = 'GET' | 'POST';
const operations = Object.entries(document.paths).flatMap(([route, item]) =>
  (['get', 'post'] as const)
    .filter((method) => method in item)
    .map((method) => ({ method: method.toUpperCase() as Method, route })),
);

/** What API Gateway substitutes; a variable the rendering does not know fails the test. */
const contextVariables: Readonly<Record<string, string>> = {
  // Already a JSON string, quotes and escapes included.
  '$context.error.messageString': JSON.stringify('Message with "quotes" and \\ backslash'),
  '$context.error.message': 'Message',
  '$context.error.responseType': 'RESPONSE_TYPE',
  '$context.requestId': 'c0ffee00-0000-4000-8000-000000000000',
};

function render(response: GatewayResponse, status: number) {
  const bodyTemplate = response.ResponseTemplates?.['application/json'] ?? '';
  const body = bodyTemplate.replace(/\$context\.[A-Za-z.]*[A-Za-z]/g, (name) => {
    const value = contextVariables[name];
    if (value === undefined) throw new Error(`unknown template variable ${name}`);
    return value;
  });
  const headers = Object.fromEntries(
    Object.entries(response.ResponseParameters ?? {}).map(([parameter, value]) => [
      parameter.replace(/^gatewayresponse\.header\./, '').toLowerCase(),
      // A static value is quoted; a mapped one comes from the request.
      /^'.*'$/.test(value) ? value.slice(1, -1) : 'https://shop.example.com',
    ]),
  );
  return { status, headers, body: JSON.parse(body) as unknown };
}

describe("API Gateway's own answers", () => {
  it('cover a 4xx and a 5xx catch-all and every case above', () => {
    expect(definedTypes).toContain('DEFAULT_4XX');
    expect(definedTypes).toContain('DEFAULT_5XX');
    expect(cases.length).toBeGreaterThanOrEqual(defined.length);
  });

  it.each(cases.map((c) => [c.response.ResponseType, c.type, c.status, c] as const))(
    '%s, answering %s with %i, validates against every operation that can get it',
    (_responseType, type, status, { response }) => {
      const rendered = render(response, status);
      const applicable = operations.filter(
        ({ method }) => !aboutTheBody.has(type) || method === 'POST',
      );

      const violations = applicable.flatMap(({ method, route }) =>
        contractViolations(method, route, rendered).map((v) => `${method} ${route}: ${v}`),
      );

      expect(violations).toEqual([]);
    },
  );

  it.each(cases.filter((c) => c.status === 429).map((c) => [c.response.ResponseType, c] as const))(
    '%s says a throttling code and when to retry at 429',
    (_responseType, { response }) => {
      const rendered = render(response, 429);

      expect(rendered.body).toMatchObject({ status: 429, code: 'too_many_requests' });
      expect(rendered.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    },
  );
});
