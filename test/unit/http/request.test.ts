import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { InvalidRequest } from '../../../lambda/http/errors';
import { idempotencyKeyOf, jsonBodyOf, tenantOf } from '../../../lambda/http/request';

const anEvent = (overrides: Partial<APIGatewayProxyEvent> = {}): APIGatewayProxyEvent =>
  ({
    headers: {},
    multiValueHeaders: {},
    body: null,
    isBase64Encoded: false,
    requestContext: { identity: { userArn: 'arn:aws:iam::123456789012:user/alice' } },
    ...overrides,
  }) as unknown as APIGatewayProxyEvent;

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as InvalidRequest).code;
  }
  return undefined;
};

describe('idempotencyKeyOf', () => {
  it('reads the header whatever the case of its name', () => {
    expect(idempotencyKeyOf(anEvent({ headers: { 'IDEMPOTENCY-KEY': 'k1' } }))).toBe('k1');
  });

  it('answers idempotency_key_missing without the header', () => {
    expect(codeOf(() => idempotencyKeyOf(anEvent()))).toBe('idempotency_key_missing');
  });

  it('answers idempotency_key_invalid for two values', () => {
    const event = anEvent({ multiValueHeaders: { 'Idempotency-Key': ['a', 'b'] } });

    expect(codeOf(() => idempotencyKeyOf(event))).toBe('idempotency_key_invalid');
  });
});

describe('jsonBodyOf', () => {
  const json = { 'Content-Type': 'application/json' };

  it('parses a JSON body, base64-encoded or not', () => {
    expect(jsonBodyOf(anEvent({ headers: json, body: '{"a":1}' }))).toEqual({ a: 1 });
    expect(
      jsonBodyOf(
        anEvent({
          headers: json,
          body: Buffer.from('{"a":1}').toString('base64'),
          isBase64Encoded: true,
        }),
      ),
    ).toEqual({ a: 1 });
  });

  it.each([
    ['a missing media type', {}, '{}', 'unsupported_media_type'],
    ['text/plain', { 'Content-Type': 'text/plain' }, '{}', 'unsupported_media_type'],
    [
      'a non-UTF-8 charset',
      { 'Content-Type': 'application/json; charset=latin1' },
      '{}',
      'unsupported_media_type',
    ],
    ['malformed JSON', json, '{', 'invalid_json'],
    ['an empty body', json, '', 'invalid_json'],
    ['a body over 16 KiB', json, `"${'x'.repeat(16 * 1024)}"`, 'payload_too_large'],
    ['a member named twice', json, '{"amount":1,"amount":100}', 'invalid_json'],
    ['a member named twice, once escaped', json, '{"a":{"id":1,"\\u0069d":2}}', 'invalid_json'],
  ])('refuses %s', (_case, headers, body, code) => {
    expect(codeOf(() => jsonBodyOf(anEvent({ headers, body })))).toBe(code);
  });

  it('refuses a body that is not valid UTF-8 instead of decoding it with U+FFFD', () => {
    const body = Buffer.concat([
      Buffer.from('{"a":"'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}'),
    ]);

    expect(
      codeOf(() =>
        jsonBodyOf(
          anEvent({ headers: json, body: body.toString('base64'), isBase64Encoded: true }),
        ),
      ),
    ).toBe('invalid_json');
  });

  it('accepts exactly 16 KiB', () => {
    const body = `"${'x'.repeat(16 * 1024 - 2)}"`;

    expect(() => jsonBodyOf(anEvent({ headers: json, body }))).not.toThrow();
  });
});

describe('tenantOf', () => {
  it('is the IAM principal API Gateway authenticated', () => {
    expect(tenantOf(anEvent())).toBe('arn:aws:iam::123456789012:user/alice');
  });

  it('treats every session of an assumed role as one tenant', () => {
    const event = anEvent({
      requestContext: {
        identity: { userArn: 'arn:aws:sts::123456789012:assumed-role/Checkout/i-0abc' },
      },
    } as unknown as Partial<APIGatewayProxyEvent>);

    expect(tenantOf(event)).toBe('arn:aws:sts::123456789012:assumed-role/Checkout');
  });

  it('ignores client headers and refuses a request without an identity', () => {
    const event = anEvent({
      headers: { 'X-Tenant-Id': 'mallory' },
      requestContext: { identity: {} },
    } as unknown as Partial<APIGatewayProxyEvent>);

    expect(codeOf(() => tenantOf(event))).toBe('unauthenticated');
  });
});
