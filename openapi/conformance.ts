/**
 * Checks a real response against the checked-in OpenAPI document: the status must be documented
 * for the operation, the media type must be the documented one, the body must validate against
 * its schema (JSON Schema 2020-12, as OpenAPI 3.1 uses), documented headers must be present
 * when required and well-formed when present, and the contract's own headers (Location,
 * Idempotent-Replayed, Retry-After) must not appear where the document does not list them.
 *
 * Used by the integration tests and by `npm run smoke` against a deployed API.
 */
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import document from './openapi.json';

const DOCUMENT_ID = 'urn:payments-api:openapi';

// The headers the contract gives a meaning to: a client may only rely on them where documented.
const CONTRACT_HEADERS = ['location', 'idempotent-replayed', 'retry-after'];

// OpenAPI keywords (`example`, `info`, `paths`…) are not JSON Schema: allowed, not checked.
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(document, DOCUMENT_ID);

/** A response as received. */
export interface ReceivedResponse {
  readonly status: number;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  /** The parsed JSON body. */
  readonly body: unknown;
}

interface HeaderSpec {
  readonly required?: boolean;
}
interface ResponseSpec {
  readonly headers?: Record<string, HeaderSpec>;
  readonly content?: Record<string, unknown>;
}
type Operations = Record<string, Record<string, { responses: Record<string, ResponseSpec> }>>;

const pointer = (...segments: string[]) =>
  `${DOCUMENT_ID}#/${segments.map((s) => s.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;

function validate(schemaPointer: string, value: unknown): string[] {
  const validator = ajv.getSchema(schemaPointer);
  if (!validator) throw new Error(`no schema at ${schemaPointer}`);
  return validator(value)
    ? []
    : (validator.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}

/**
 * Every way `response` departs from what the document says `method route` answers; empty when
 * it conforms. `route` is the path template, e.g. `/orders/{orderId}`.
 */
export function contractViolations(
  method: 'GET' | 'POST',
  route: string,
  response: ReceivedResponse,
): string[] {
  const operation = (document.paths as unknown as Operations)[route]?.[method.toLowerCase()];
  if (!operation) return [`${method} ${route} is not in the document`];
  const status = String(response.status);
  const spec = operation.responses[status];
  if (!spec) return [`${method} ${route} does not document status ${status}`];
  const base = ['paths', route, method.toLowerCase(), 'responses', status];

  const violations: string[] = [];
  const mediaType = response.headers['content-type'] ?? '';
  if (!Object.keys(spec.content ?? {}).includes(mediaType)) {
    violations.push(`content-type ${mediaType} is not documented for ${status}`);
  } else {
    violations.push(
      ...validate(pointer(...base, 'content', mediaType, 'schema'), response.body).map(
        (e) => `body ${e}`,
      ),
    );
  }
  const documented = Object.keys(spec.headers ?? {}).map((name) => name.toLowerCase());
  for (const name of CONTRACT_HEADERS) {
    if (response.headers[name] !== undefined && !documented.includes(name)) {
      violations.push(`header ${name} is sent but not documented for ${status}`);
    }
  }
  for (const [name, header] of Object.entries(spec.headers ?? {})) {
    const value = response.headers[name.toLowerCase()];
    if (value === undefined) {
      if (header.required) violations.push(`header ${name} is missing`);
      continue;
    }
    violations.push(
      ...validate(pointer(...base, 'headers', name, 'schema'), value).map(
        (e) => `header ${name} ${e}`,
      ),
    );
  }
  return violations;
}
