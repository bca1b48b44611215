/**
 * The response shape the functions return to API Gateway. Plain JSON on purpose: the
 * idempotency layer stores it as it is and replays it byte for byte.
 */
export type HttpResponse = {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
};

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): HttpResponse {
  return {
    statusCode,
    headers: { 'Content-Type': JSON_CONTENT_TYPE, ...headers },
    body: JSON.stringify(body),
  };
}

export interface Problem {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string;
  /** Seconds after which a retry makes sense; sent as `Retry-After`. */
  readonly retryAfterSeconds?: number;
  /** RFC 9457 extension members, e.g. the declined payment or the failed fields. */
  readonly extensions?: Readonly<Record<string, unknown>>;
}

/** An RFC 9457 problem details response that always carries a snake_case `code`. */
export function problemResponse(problem: Problem): HttpResponse {
  const { status, code, title, detail, retryAfterSeconds, extensions } = problem;
  return {
    statusCode: status,
    headers: {
      'Content-Type': PROBLEM_CONTENT_TYPE,
      ...(retryAfterSeconds !== undefined && { 'Retry-After': String(retryAfterSeconds) }),
    },
    body: JSON.stringify({
      type: `urn:payments-api:problem:${code}`,
      title,
      status,
      detail,
      code,
      ...extensions,
    }),
  };
}

/** Marks a response as the replay of an earlier one. */
export function markReplayed(response: HttpResponse): HttpResponse {
  return { ...response, headers: { ...response.headers, 'Idempotent-Replayed': 'true' } };
}
