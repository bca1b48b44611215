/**
 * Reading what a request carries: the tenant, the Idempotency-Key and a JSON body validated
 * against a schema. Each refusal is an `InvalidRequest`, answered before anything runs.
 */
import { isUtf8 } from 'node:buffer';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { InvalidRequest } from './errors';
import { IDEMPOTENCY_KEY_RULE, parseIdempotencyKey } from './idempotency-key';
import { problems } from './problems';
import { duplicateMemberName } from './strict-json';

/** The contract's limit on request bodies. */
export const MAX_BODY_BYTES = 16 * 1024;

/** All values of a header, whatever the case of its name. */
export function headerValues(event: APIGatewayProxyEvent, name: string): string[] {
  const wanted = name.toLowerCase();
  const multi = Object.entries(event.multiValueHeaders ?? {}).find(
    ([key]) => key.toLowerCase() === wanted,
  );
  if (multi?.[1]) return multi[1];
  const single = Object.entries(event.headers ?? {}).find(([key]) => key.toLowerCase() === wanted);
  return single?.[1] === undefined ? [] : [single[1]];
}

/**
 * The tenant: the IAM principal API Gateway authenticated, never a client-controlled header.
 * Sessions of one assumed role are one tenant, so the session name is dropped.
 */
export function tenantOf(event: APIGatewayProxyEvent): string {
  const principal = event.requestContext?.identity?.userArn;
  if (!principal) {
    throw new InvalidRequest(
      problems.unauthenticated,
      'The request carries no authenticated identity.',
    );
  }
  const assumedRole = /^(arn:[^:]+:sts::\d+:assumed-role\/[^/]+)\/.+$/.exec(principal);
  return assumedRole?.[1] ?? principal;
}

/** The request's Idempotency-Key; exactly one well-formed value is required. */
export function idempotencyKeyOf(event: APIGatewayProxyEvent): string {
  const values = headerValues(event, 'Idempotency-Key');
  if (values.length === 0) {
    throw new InvalidRequest(
      problems.idempotencyKeyMissing,
      'Every POST needs an Idempotency-Key header.',
    );
  }
  const key =
    values.length === 1 && values[0] !== undefined ? parseIdempotencyKey(values[0]) : undefined;
  if (key === undefined) {
    throw new InvalidRequest(
      problems.idempotencyKeyInvalid,
      `Idempotency-Key must be one header of ${IDEMPOTENCY_KEY_RULE}.`,
    );
  }
  return key;
}

/** The body as JSON, after the size and media-type checks. */
export function jsonBodyOf(event: APIGatewayProxyEvent): unknown {
  const body = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
  if (body.byteLength > MAX_BODY_BYTES) {
    throw new InvalidRequest(
      problems.payloadTooLarge,
      `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`,
    );
  }
  const [mediaType = '', ...parameters] = (headerValues(event, 'Content-Type')[0] ?? '').split(';');
  const charset = parameters
    .map((p) => p.trim().toLowerCase())
    .find((p) => p.startsWith('charset='));
  if (
    mediaType.trim().toLowerCase() !== 'application/json' ||
    (charset && charset !== 'charset=utf-8')
  ) {
    throw new InvalidRequest(
      problems.unsupportedMediaType,
      'Send the body as application/json (UTF-8).',
    );
  }
  // Decoding would silently turn invalid UTF-8 into U+FFFD: refuse it instead.
  const text = isUtf8(body) ? body.toString('utf8') : undefined;
  let json: unknown;
  try {
    if (text === undefined) throw new Error('not UTF-8');
    json = JSON.parse(text);
  } catch {
    throw new InvalidRequest(problems.invalidJson, 'The request body is not valid JSON.');
  }
  const duplicate = duplicateMemberName(text);
  if (duplicate !== undefined) {
    throw new InvalidRequest(
      problems.invalidJson,
      `The request body names the member ${JSON.stringify(duplicate)} twice in one object.`,
    );
  }
  return json;
}

/** Validates parsed JSON against a schema; unknown fields are rejected by the schemas. */
export function validated<S extends z.ZodMiniType>(schema: S, json: unknown): z.output<S> {
  const result = z.safeParse(schema, json);
  if (result.success) return result.data;
  const errors = result.error.issues.map((issue) => ({
    path: issue.path.join('.'),
    message: issue.message,
  }));
  throw new InvalidRequest(problems.invalidRequest, 'The request body does not match the schema.', {
    errors,
  });
}
