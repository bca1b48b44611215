import { isRetryableAnswer, problems, problemTypeOf } from '../../../lambda/http/problems';
import { openApiDocument } from '../../../openapi/document';

const catalogue = Object.values(problems);

describe('the problem catalogue', () => {
  it('names each problem by its own snake_case code', () => {
    const codes = catalogue.map((problem) => problem.code);

    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/);
    for (const problem of catalogue) expect(problemTypeOf(problem.code)).toBe(problem);
  });

  it.each(catalogue.map((problem) => [problem.code, problem] as const))(
    '%s: a stored answer is final, and Retry-After only comes with a retryable one',
    (_code, problem) => {
      if (problem.stored) expect(problem.retryable).toBe(false);
      if (problem.retryAfterSeconds !== undefined) expect(problem.retryable).toBe(true);
      expect(problem.status >= 500 ? problem.retryable : true).toBe(true);
    },
  );

  it('stores exactly the business outcomes of the contract', () => {
    expect(catalogue.filter((problem) => problem.stored).map((problem) => problem.code)).toEqual([
      'card_declined',
      'insufficient_funds',
      'order_not_found',
      'order_already_paid',
      'amount_mismatch',
    ]);
  });

  it('documents in the OpenAPI document every problem a client of the API can meet', () => {
    const documented = JSON.stringify(openApiDocument());
    // Answered outside any operation: the local server's unknown route or method, API
    // Gateway's catch-all for a 4xx it has no response of its own for; and a request without
    // an identity, which IAM authorization stops before any function.
    const undocumented = ['not_found', 'method_not_allowed', 'bad_request', 'unauthenticated'];

    const missing = catalogue
      .map((problem) => problem.code)
      .filter((code) => !undocumented.includes(code) && !documented.includes(`"${code}"`));

    expect(missing).toEqual([]);
  });
});

describe('isRetryableAnswer', () => {
  it.each([
    [409, 'idempotency_key_in_use', true],
    [409, 'payment_in_progress', true],
    [409, 'order_already_paid', false],
    [409, 'something_new', false],
    [402, 'card_declined', false],
    [404, 'order_not_found', false],
    [422, 'idempotency_key_reused', false],
    [400, 'invalid_request', false],
    [500, 'internal_error', true],
    [502, 'service_unavailable', true],
    [503, 'service_unavailable', true],
    [504, 'gateway_timeout', true],
    [429, 'too_many_requests', true],
    // Not a problem the catalogue knows: a proxy's answer, or API Gateway's catch-all 4xx.
    [429, 'bad_request', true],
    [502, undefined, true],
    [501, undefined, false],
    [403, undefined, false],
  ])('%i %s: %p', (status, code, retryable) => {
    expect(isRetryableAnswer(status, code)).toBe(retryable);
  });
});
