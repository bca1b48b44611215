import { createHash } from 'node:crypto';
import { sigV4Authenticator } from '../../../client/auth';

// Static credentials from the AWS documentation's examples: signing needs no account.
const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const signingDate = new Date('2026-11-22T10:00:00Z');
const body = JSON.stringify({ customerId: 'cus_1', currency: 'usd', items: [] });

const aRequest = (requestBody = body) => ({
  method: 'POST' as const,
  url: new URL('https://abc123.execute-api.eu-west-1.amazonaws.com/v1/orders'),
  headers: {
    'content-type': 'application/json; charset=utf-8',
    'idempotency-key': 'order-1',
  },
  body: requestBody,
});

const sign = (credentialsToUse: Parameters<typeof sigV4Authenticator>[1], requestBody?: string) =>
  sigV4Authenticator('eu-west-1', credentialsToUse, () => signingDate)(aRequest(requestBody));

describe('SigV4 signing with the AWS SDK signer', () => {
  it('signs for execute-api in the region, covering the host, the key and the body hash', async () => {
    const headers = await sign(credentials);

    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261122\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=content-type;host;idempotency-key;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/,
    );
    expect(headers['x-amz-date']).toBe('20261122T100000Z');
    expect(headers['idempotency-key']).toBe('order-1');
  });

  it('hashes the exact bytes that are sent', async () => {
    const headers = await sign(credentials);

    expect(headers['x-amz-content-sha256']).toBe(createHash('sha256').update(body).digest('hex'));
  });

  it('signs a different body differently', async () => {
    const [one, other] = await Promise.all([sign(credentials), sign(credentials, `${body} `)]);

    expect(one.authorization).not.toBe(other.authorization);
  });

  it('sends the session token of temporary credentials, signed', async () => {
    const headers = await sign(() =>
      Promise.resolve({ ...credentials, sessionToken: 'session-token' }),
    );

    expect(headers['x-amz-security-token']).toBe('session-token');
    expect(headers.authorization).toContain('x-amz-security-token');
  });

  it('asks the credentials provider again for every request, so rotated credentials are used', async () => {
    const issued = ['AKIDFIRST', 'AKIDSECOND'].map((accessKeyId) => ({
      ...credentials,
      accessKeyId,
    }));
    let requests = 0;
    const provider = () => Promise.resolve(issued[requests++ % issued.length]!);
    const authenticate = sigV4Authenticator('eu-west-1', provider, () => signingDate);

    const first = await authenticate(aRequest());
    const second = await authenticate(aRequest());

    expect(first.authorization).toContain('Credential=AKIDFIRST/');
    expect(second.authorization).toContain('Credential=AKIDSECOND/');
  });

  it('leaves the Host header to fetch, which derives it from the same URL', async () => {
    const headers = await sign(credentials);

    expect(Object.keys(headers).map((name) => name.toLowerCase())).not.toContain('host');
  });
});
