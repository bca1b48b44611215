/**
 * `npm start` with `LOCAL_AUTH=sigv4` and the example credentials file, driven by the real curl:
 * the commands docs/signed-calls.md shows (taken from the page by their markers) run as written,
 * and what API Gateway would refuse is refused the same way.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { aCreateOrderRequest, aKey } from '../support/builders';
import { docExample } from '../support/doc-examples';
import { startLocalServerProcess, type LocalServerProcess } from '../../local/server-process';

const run = promisify(execFile);
const repositoryRoot = path.resolve(__dirname, '../..');
const EXAMPLE_FILE = 'local/credentials.example.json';

interface ExampleCredential {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly principal: string;
}
const example = JSON.parse(readFileSync(path.join(repositoryRoot, EXAMPLE_FILE), 'utf8')) as {
  region: string;
  credentials: ExampleCredential[];
};
const [userLocal, checkoutSession] = example.credentials as [ExampleCredential, ExampleCredential];

let server: LocalServerProcess;

beforeAll(async () => {
  server = await startLocalServerProcess({
    LOCAL_AUTH: 'sigv4',
    LOCAL_CREDENTIALS_FILE: EXAMPLE_FILE,
  });
});
afterAll(() => server?.stop());

/** The documented commands, run by bash against this server; stdout, line by line. */
async function documentedCurl(): Promise<string[]> {
  const script = [
    docExample('docs/signed-calls.md', 'local-sigv4-environment').code,
    // The documented port is 3000; this server listens on a free one.
    `export API_URL=${server.url}`,
    docExample('docs/signed-calls.md', 'curl-sigv4').code,
  ].join('\n');
  const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], {
    cwd: repositoryRoot,
  });
  return stdout.trim().split('\n');
}

/** One request by curl, signed (or not) with its own `--aws-sigv4`. */
async function curl(
  signer: Omit<ExampleCredential, 'principal'> | undefined,
  method: 'GET' | 'POST',
  urlPath: string,
  { body, headers = {} }: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const args = ['-sS', '-o', '-', '-w', '\n%{http_code}', '-X', method, `${server.url}${urlPath}`];
  if (signer) {
    args.push('--aws-sigv4', `aws:amz:${example.region}:execute-api`);
    args.push('--user', `${signer.accessKeyId}:${signer.secretAccessKey}`);
    if (signer.sessionToken) args.push('-H', `x-amz-security-token: ${signer.sessionToken}`);
  }
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
  if (body !== undefined) {
    args.push('-H', 'Content-Type: application/json', '--data-binary', JSON.stringify(body));
  }
  const { stdout } = await run('curl', args);
  const newline = stdout.lastIndexOf('\n');
  return {
    status: Number(stdout.slice(newline + 1)),
    body: JSON.parse(stdout.slice(0, newline)) as Record<string, unknown>,
  };
}

describe('npm start with LOCAL_AUTH=sigv4', () => {
  it('runs the documented curl commands: the order is created, read back, and replayed on a second run', async () => {
    const [created, read] = await documentedCurl();
    const [replayed, readAgain] = await documentedCurl();

    expect(JSON.parse(created ?? '')).toMatchObject({
      id: expect.stringMatching(/^ord_/),
      status: 'PENDING',
      amount: 2500,
    });
    expect(read).toBe(created);
    expect(replayed).toBe(created);
    expect(readAgain).toBe(created);
  });

  it("derives the tenant from the signing principal: another principal's key does not see the order", async () => {
    const order = await curl(checkoutSession, 'POST', '/orders', {
      body: aCreateOrderRequest(),
      headers: { 'Idempotency-Key': aKey() },
    });

    const byTheRole = await curl(checkoutSession, 'GET', `/orders/${String(order.body.id)}`);
    const byAnotherPrincipal = await curl(userLocal, 'GET', `/orders/${String(order.body.id)}`);

    expect(order.status).toBe(201);
    expect(byTheRole.status).toBe(200);
    expect(byAnotherPrincipal.status).toBe(404);
  });

  it('refuses a request signed with the wrong secret with 403 invalid_signature, and creates nothing', async () => {
    const idempotencyKey = aKey();
    const request = { body: aCreateOrderRequest(), headers: { 'Idempotency-Key': idempotencyKey } };

    const refused = await curl(
      { ...userLocal, secretAccessKey: 'not-the-secret' },
      'POST',
      '/orders',
      request,
    );
    const signedProperly = await curl(userLocal, 'POST', '/orders', request);

    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ status: 403, code: 'invalid_signature' });
    expect(signedProperly.status).toBe(201);
  });

  it('refuses an unsigned request with 403 missing_authentication, whatever X-Tenant-Id says', async () => {
    const refused = await curl(undefined, 'POST', '/orders', {
      body: aCreateOrderRequest(),
      headers: { 'Idempotency-Key': aKey(), 'X-Tenant-Id': 'local' },
    });

    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ status: 403, code: 'missing_authentication' });
  });
});
