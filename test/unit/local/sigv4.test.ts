/**
 * The local server's SigV4 verification (`local/sigv4.ts`), checked against signatures made by
 * other implementations: the client SDK's signer (`@smithy/signature-v4`) and curl 7.88's
 * `--aws-sigv4` (a request it signed, captured once).
 */
import { sigV4Authenticator, type AwsCredentials } from '../../../client/auth';
import {
  sigV4Verifier,
  type LocalCredential,
  type ReceivedRequest,
  type Verification,
} from '../../../local/sigv4';

const signedAt = new Date('2026-11-22T10:00:00Z');
const user: LocalCredential = {
  accessKeyId: 'LOCALKEYOFSHOPONE',
  secretAccessKey: 'secret-of-shop-1',
  principal: 'arn:aws:iam::111122223333:user/shop-1',
};
const session: LocalCredential = {
  accessKeyId: 'LOCALSESSIONOFCHECKOUT',
  secretAccessKey: 'secret-of-the-checkout-session',
  sessionToken: 'session-token-of-checkout',
  expiration: new Date('2026-11-22T11:00:00Z'),
  principal: 'arn:aws:sts::111122223333:assumed-role/checkout/i-0abc',
};

const verifierAt = (now: Date, region = 'eu-west-1') =>
  sigV4Verifier({ region, credentials: [user, session], now: () => now });

interface Unsigned {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

const aPost = (overrides: Partial<Unsigned> = {}): Unsigned => ({
  method: 'POST',
  url: 'http://127.0.0.1:3000/orders?expand=items&a=1',
  headers: {
    accept: 'application/json, application/problem+json',
    'content-type': 'application/json; charset=utf-8',
    'idempotency-key': 'order-1',
  },
  body: '{"customerId":"cus_123"}',
  ...overrides,
});

/** Signed by the client SDK's signer, as it would go over the wire (with the Host fetch sends). */
async function signedByTheClient(
  request: Unsigned,
  credentials: AwsCredentials,
  { region = 'eu-west-1', at = signedAt } = {},
): Promise<ReceivedRequest> {
  const url = new URL(request.url);
  const headers = await sigV4Authenticator(
    region,
    credentials,
    () => at,
  )({
    method: request.method,
    url,
    headers: request.headers,
    body: request.body,
  });
  return {
    method: request.method,
    target: `${url.pathname}${url.search}`,
    headers: Object.fromEntries(
      Object.entries({ ...headers, host: url.host }).map(([name, value]) => [name, [value]]),
    ),
    body: request.body === undefined ? undefined : Buffer.from(request.body),
  };
}

const refusal = (verification: Verification) =>
  verification.verified
    ? undefined
    : { refusal: verification.refusal, message: verification.message };

const mismatch = {
  refusal: 'INVALID_SIGNATURE',
  message: expect.stringContaining('signature we calculated does not match'),
};

describe('SigV4 verification of the local server', () => {
  it('accepts a request the client SDK signed and names the credential it was signed with', async () => {
    const request = await signedByTheClient(aPost(), user);

    const verification = verifierAt(signedAt)(request);

    expect(verification).toEqual({ verified: true, credential: user });
  });

  it('accepts temporary credentials whose session token is sent along', async () => {
    const request = await signedByTheClient(aPost({ method: 'GET', body: undefined }), session);

    expect(verifierAt(signedAt)(request)).toEqual({ verified: true, credential: session });
  });

  it('accepts a request signed by curl --aws-sigv4, an independent implementation', () => {
    // curl 7.88.1: curl -X POST 'http://127.0.0.1:18777/v1/orders?a=1&b=x%20y' --aws-sigv4
    //   'aws:amz:eu-west-1:execute-api' --user AKIDEXAMPLE:secret -H 'Content-Type: application/json'
    //   -H 'Idempotency-Key: k1' -H 'x-amz-security-token: TOKEN' -d '{"a":1}'
    // (curl before 8 signs the query in the order sent, not sorted: this one is sent sorted.)
    const curl: LocalCredential = {
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'secret',
      sessionToken: 'TOKEN',
      principal: 'arn:aws:iam::111122223333:user/curl',
    };
    const request: ReceivedRequest = {
      method: 'POST',
      target: '/v1/orders?a=1&b=x%20y',
      headers: {
        Host: ['127.0.0.1:18777'],
        Authorization: [
          'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261201/eu-west-1/execute-api/aws4_request, SignedHeaders=content-type;host;idempotency-key;x-amz-date;x-amz-security-token, Signature=c38c39bed1724912383e4ba1636a888e0336462afa07bdf1cf4727e406f92872',
        ],
        'X-Amz-Date': ['20261201T221831Z'],
        'User-Agent': ['curl/7.88.1'],
        Accept: ['*/*'],
        'Content-Type': ['application/json'],
        'Idempotency-Key': ['k1'],
        'x-amz-security-token': ['TOKEN'],
        'Content-Length': ['7'],
      },
      body: Buffer.from('{"a":1}'),
    };
    const verify = sigV4Verifier({
      region: 'eu-west-1',
      credentials: [curl],
      now: () => new Date('2026-12-01T22:19:00Z'),
    });

    expect(verify(request)).toEqual({ verified: true, credential: curl });
  });

  it.each<[string, (request: ReceivedRequest) => ReceivedRequest]>([
    ['another body', (r) => ({ ...r, body: Buffer.from('{"customerId":"cus_999"}') })],
    ['another method', (r) => ({ ...r, method: 'PUT' })],
    ['another path', (r) => ({ ...r, target: r.target.replace('/orders', '/payments') })],
    ['another query', (r) => ({ ...r, target: r.target.replace('a=1', 'a=2') })],
    [
      'a signed header changed',
      (r) => ({ ...r, headers: { ...r.headers, 'idempotency-key': ['order-2'] } }),
    ],
    ['another host', (r) => ({ ...r, headers: { ...r.headers, host: ['127.0.0.1:3001'] } })],
  ])('refuses the signature of a request sent with %s', async (_, tamper) => {
    const request = tamper(await signedByTheClient(aPost(), user));

    expect(refusal(verifierAt(signedAt)(request))).toEqual(mismatch);
  });

  it('refuses a request signed with the wrong secret', async () => {
    const request = await signedByTheClient(aPost(), { ...user, secretAccessKey: 'guessed' });

    expect(refusal(verifierAt(signedAt)(request))).toEqual(mismatch);
  });

  it('accepts headers the signature does not cover, as API Gateway does', async () => {
    const request = await signedByTheClient(aPost(), user);

    const verification = verifierAt(signedAt)({
      ...request,
      headers: { ...request.headers, 'user-agent': ['a proxy'], 'x-tenant-id': ['someone-else'] },
    });

    expect(verification.verified).toBe(true);
  });

  it.each<[string, (request: ReceivedRequest) => ReceivedRequest]>([
    [
      'without its session token',
      ({ headers: { 'x-amz-security-token': _token, ...headers }, ...r }) => ({ ...r, headers }),
    ],
    [
      'with another session token',
      (r) => ({ ...r, headers: { ...r.headers, 'x-amz-security-token': ['forged'] } }),
    ],
  ])('refuses temporary credentials %s', async (_, tamper) => {
    const request = tamper(await signedByTheClient(aPost(), session));

    expect(refusal(verifierAt(signedAt)(request))).toEqual({
      refusal: 'INVALID_SIGNATURE',
      message: 'The security token included in the request is invalid.',
    });
  });

  it('refuses an access key it does not know', async () => {
    const request = await signedByTheClient(aPost(), { ...user, accessKeyId: 'UNKNOWNACCESSKEY1' });

    expect(refusal(verifierAt(signedAt)(request))).toEqual({
      refusal: 'INVALID_SIGNATURE',
      message: 'The security token included in the request is invalid.',
    });
  });

  it('refuses temporary credentials once they have expired', async () => {
    const late = new Date('2026-11-22T11:00:01Z');
    const request = await signedByTheClient(aPost(), session, { at: late });

    expect(refusal(verifierAt(late)(request))).toEqual({
      refusal: 'EXPIRED_TOKEN',
      message: 'The security token included in the request is expired',
    });
  });

  it.each([
    [
      'more than five minutes old',
      new Date(signedAt.getTime() + 5 * 60_000 + 1000),
      'Signature expired',
    ],
    [
      'more than five minutes ahead',
      new Date(signedAt.getTime() - 5 * 60_000 - 1000),
      'Signature not yet current',
    ],
  ])('refuses a signature %s', async (_, now, message) => {
    const request = await signedByTheClient(aPost(), user);

    expect(refusal(verifierAt(now)(request))).toEqual({
      refusal: 'INVALID_SIGNATURE',
      message: expect.stringContaining(message),
    });
  });

  it('accepts a signature within five minutes of its date', async () => {
    const request = await signedByTheClient(aPost(), user);

    expect(verifierAt(new Date(signedAt.getTime() + 4 * 60_000))(request).verified).toBe(true);
  });

  it('refuses a signature scoped to another region', async () => {
    const request = await signedByTheClient(aPost(), user, { region: 'us-east-1' });

    expect(refusal(verifierAt(signedAt)(request))).toEqual({
      refusal: 'INVALID_SIGNATURE',
      message: expect.stringContaining('scoped to a valid region'),
    });
  });

  it('answers a request without an Authorization header as API Gateway does', async () => {
    const { headers, ...request } = await signedByTheClient(aPost(), user);
    const { authorization: _authorization, ...unsigned } = headers;

    expect(refusal(verifierAt(signedAt)({ ...request, headers: unsigned }))).toEqual({
      refusal: 'MISSING_AUTHENTICATION_TOKEN',
      message: 'Missing Authentication Token',
    });
  });

  it.each([
    ['Bearer abc'],
    ['AWS4-HMAC-SHA256 Credential=LOCALKEYOFSHOPONE/20261122/eu-west-1/execute-api/aws4_request'],
    [
      'AWS4-HMAC-SHA256 Credential=LOCALKEYOFSHOPONE/20261122/eu-west-1/execute-api/aws4_request, SignedHeaders=x-amz-date, Signature=00',
    ],
    [
      'AWS4-HMAC-SHA256 Credential=LOCALKEYOFSHOPONE, SignedHeaders=host;x-amz-date, Signature=' +
        '0'.repeat(64),
    ],
    [
      'AWS4-HMAC-SHA256 Credential=LOCALKEYOFSHOPONE/20261122/eu-west-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=' +
        '0'.repeat(64),
    ],
    [
      'AWS4-HMAC-SHA256 Credential=LOCALKEYOFSHOPONE/20261122/eu-west-1/execute-api/aws4_request, SignedHeaders=x-amz-date, Signature=' +
        '0'.repeat(64),
    ],
    [
      'AWS4-HMAC-SHA256 Credential=LOCALKEYOFSHOPONE/20261121/eu-west-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=' +
        '0'.repeat(64),
    ],
  ])('refuses the malformed or inconsistent Authorization %s', async (authorization) => {
    const request = await signedByTheClient(aPost(), user);

    const verification = verifierAt(signedAt)({
      ...request,
      headers: { ...request.headers, authorization: [authorization] },
    });

    expect(refusal(verification)).toEqual({
      refusal: 'INVALID_SIGNATURE',
      message: expect.any(String),
    });
  });
});
