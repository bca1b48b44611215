/**
 * `LOCAL_AUTH=sigv4`: the local server verifies signatures as API Gateway's IAM authorization
 * does, and the handlers derive the tenant from the verified principal exactly as deployed.
 * Signed by the client SDK's `sigv4` mode and by curl's own `--aws-sigv4` (for real, the curl on
 * this machine); a bad signature gets the problem body the deployed stack renders.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  ApiError,
  createPaymentsClient,
  type AwsCredentials,
  type PaymentsClient,
} from '../../client';
import { gatewayProblems, gatewayProblemTemplate } from '../../lib/gateway-responses';
import { localAuthFromEnvironment } from '../../local/local-auth';
import { createLocalServer } from '../../local/server';
import { sigV4Authentication } from '../../local/sigv4-authentication';
import { aCreateOrderRequest, aCreatePaymentRequest, aKey } from '../support/builders';
import type { ApiResponse } from './support/api';
import { testApplication } from './support/application';
import { contractViolations } from './support/contract';
import { closeServer, listenOnLoopback } from '../../local/loopback';

const run = promisify(execFile);
const REGION = 'eu-west-1';

interface TestCredential extends AwsCredentials {
  readonly principal: string;
  readonly expiration?: Date;
}

const unique = randomUUID().slice(0, 8);
const credential = (
  principal: string,
  extra: Partial<Pick<TestCredential, 'sessionToken' | 'expiration'>> = {},
): TestCredential => ({
  accessKeyId: `LOCAL${randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase()}`,
  secretAccessKey: `secret-${randomUUID()}`,
  principal,
  ...extra,
});
// In account 000000000000, where `X-Tenant-Id: shop-…` would name the same principal.
const shop = `arn:aws:iam::000000000000:user/shop-${unique}`;
const shopKey = credential(shop);
const shopSecondKey = credential(shop);
const stranger = credential(`arn:aws:iam::000000000000:user/stranger-${unique}`);
const checkoutRole = `arn:aws:sts::111122223333:assumed-role/checkout-${unique}`;
const checkoutSession1 = credential(`${checkoutRole}/session-1`, { sessionToken: randomUUID() });
const checkoutSession2 = credential(`${checkoutRole}/session-2`, { sessionToken: randomUUID() });
const expiredSession = credential(`${checkoutRole}/session-0`, {
  sessionToken: randomUUID(),
  expiration: new Date(Date.now() - 60_000),
});

let server: Server;
let url: string;
let directory: string;

beforeAll(async () => {
  // Through the credentials file and LOCAL_AUTH, as `npm start` reads them.
  directory = mkdtempSync(path.join(tmpdir(), 'local-sigv4-'));
  const file = path.join(directory, 'credentials.json');
  writeFileSync(
    file,
    JSON.stringify({
      region: REGION,
      credentials: [
        shopKey,
        shopSecondKey,
        stranger,
        checkoutSession1,
        checkoutSession2,
        expiredSession,
      ],
    }),
  );
  const auth = localAuthFromEnvironment({ LOCAL_AUTH: 'sigv4', LOCAL_CREDENTIALS_FILE: file });
  if (auth.type !== 'sigv4') throw new Error('LOCAL_AUTH=sigv4 was not read');
  server = createLocalServer({
    handlerFor: (route) => testApplication().handlerFor(route),
    log: () => {},
    authenticate: sigV4Authentication(auth),
  });
  url = await listenOnLoopback(server);
});

afterAll(async () => {
  await closeServer(server);
  rmSync(directory, { recursive: true, force: true });
});

const clientOf = (signer: AwsCredentials): PaymentsClient =>
  createPaymentsClient({
    baseUrl: url,
    auth: { type: 'sigv4', region: REGION, credentials: signer },
    maxAttempts: 1,
  });

/** What a call failed with. */
async function failureOf(call: Promise<unknown>): Promise<ApiError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(error)}`);
  return error;
}

/** curl on this machine, signing with its own `--aws-sigv4`; returns status, headers and body. */
async function curl(
  signer: AwsCredentials | undefined,
  method: 'GET' | 'POST',
  urlPath: string,
  { body, headers = {} }: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiResponse> {
  const args = ['-sS', '-i', '-X', method, `${url}${urlPath}`];
  if (signer) {
    args.push('--aws-sigv4', `aws:amz:${REGION}:execute-api`);
    args.push('--user', `${signer.accessKeyId}:${signer.secretAccessKey}`);
    if (signer.sessionToken) args.push('-H', `x-amz-security-token: ${signer.sessionToken}`);
  }
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
  if (body !== undefined) {
    args.push('-H', 'Content-Type: application/json', '--data-binary', JSON.stringify(body));
  }
  const { stdout } = await run('curl', args);
  const [head = '', ...rest] = stdout.split('\r\n\r\n');
  const [statusLine = '', ...headerLines] = head.split('\r\n');
  const rawBody = rest.join('\r\n\r\n');
  return {
    status: Number(statusLine.split(' ')[1]),
    headers: Object.fromEntries(
      headerLines.map((line) => {
        const colon = line.indexOf(':');
        return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
      }),
    ),
    rawBody,
    body: JSON.parse(rawBody),
  };
}

/** The stack's gateway response of `type`, as API Gateway renders it for this message and id. */
function renderedByTheStack(type: string, message: string, requestId: string): string {
  const problem = gatewayProblems.find((p) => p.type.responseType === type);
  if (!problem) throw new Error(`the stack defines no ${type} gateway response`);
  return gatewayProblemTemplate(problem)
    .replace('$context.error.messageString', JSON.stringify(message))
    .replace('$context.requestId', requestId);
}

describe('the local server with LOCAL_AUTH=sigv4', () => {
  it("serves the client's sigv4 mode: create, pay, replay and read", async () => {
    const payments = clientOf(shopKey);
    const idempotencyKey = aKey();

    const order = await payments.createOrder(aCreateOrderRequest(), { idempotencyKey });
    const again = await payments.createOrder(aCreateOrderRequest(), { idempotencyKey });
    const payment = await payments.createPayment(aCreatePaymentRequest(order));
    const paid = await payments.getOrder(order.id);
    const list = await payments.listPayments(order.id);

    expect(again).toEqual(order);
    expect(payment.status).toBe('SUCCEEDED');
    expect(paid).toMatchObject({ status: 'PAID', paymentId: payment.id });
    expect(list.data).toEqual([payment]);
  });

  it('makes the verified principal the tenant: another key of it reads the order, another principal does not, whatever X-Tenant-Id says', async () => {
    const order = await clientOf(shopKey).createOrder(aCreateOrderRequest());

    const bySecondKey = await clientOf(shopSecondKey).getOrder(order.id);
    const byStranger = await failureOf(clientOf(stranger).getOrder(order.id));
    const byStrangerNamingTheShop = await curl(stranger, 'GET', `/orders/${order.id}`, {
      headers: { 'X-Tenant-Id': `shop-${unique}` },
    });

    expect(bySecondKey).toEqual(order);
    expect(byStranger).toMatchObject({ status: 404, code: 'order_not_found' });
    expect(byStrangerNamingTheShop.status).toBe(404);
  });

  it('makes every session of one assumed role one tenant, as deployed', async () => {
    const order = await clientOf(checkoutSession1).createOrder(aCreateOrderRequest());

    const read = await clientOf(checkoutSession2).getOrder(order.id);

    expect(read).toEqual(order);
  });

  it('accepts requests signed by curl --aws-sigv4, with long-term and with session credentials', async () => {
    const created = await curl(shopKey, 'POST', '/orders', {
      body: aCreateOrderRequest(),
      headers: { 'Idempotency-Key': aKey() },
    });

    const readByCurlSession = await curl(checkoutSession1, 'GET', `/orders/${created.body.id}`);
    const readByClient = await clientOf(shopSecondKey).getOrder(created.body.id);

    expect(created.status).toBe(201);
    expect(readByCurlSession.status).toBe(404);
    expect(readByClient).toEqual(created.body);
  });

  it('answers a bad signature with the problem the deployed gateway sends, and runs nothing', async () => {
    const idempotencyKey = aKey();
    const request = {
      body: aCreateOrderRequest(),
      headers: { 'Idempotency-Key': idempotencyKey },
    };

    const refused = await curl(
      { ...shopKey, secretAccessKey: 'guessed' },
      'POST',
      '/orders',
      request,
    );
    const retried = await curl(shopKey, 'POST', '/orders', request);

    expect(refused.status).toBe(403);
    expect(refused.headers['content-type']).toBe('application/problem+json');
    expect(refused.body).toEqual({
      type: 'urn:payments-api:problem:invalid_signature',
      title: 'Invalid signature',
      status: 403,
      detail: expect.stringContaining('signature we calculated does not match'),
      code: 'invalid_signature',
      requestId: expect.any(String),
    });
    expect(refused.rawBody).toBe(
      renderedByTheStack('INVALID_SIGNATURE', refused.body.detail, refused.body.requestId),
    );
    expect(contractViolations('POST', '/orders', refused)).toEqual([]);
    expect(retried.status).toBe(201);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
  });

  it.each([
    ['an unsigned request', undefined, 'MISSING_AUTHENTICATION_TOKEN', 'missing_authentication'],
    [
      'an unknown access key',
      credential('arn:aws:iam::000000000000:user/nobody'),
      'INVALID_SIGNATURE',
      'invalid_signature',
    ],
    ['expired session credentials', expiredSession, 'EXPIRED_TOKEN', 'expired_token'],
  ])('refuses %s as the deployed gateway does', async (_, signer, type, code) => {
    const refused = await curl(signer, 'GET', '/orders/ord_0123456789abcdef0123456789abcdef');

    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ status: 403, code });
    expect(refused.rawBody).toBe(
      renderedByTheStack(type, refused.body.detail, refused.body.requestId),
    );
    expect(contractViolations('GET', '/orders/{orderId}', refused)).toEqual([]);
  });

  it('reports a refused signature to the client as a final 403, not retried', async () => {
    const payments = createPaymentsClient({
      baseUrl: url,
      auth: { type: 'sigv4', region: REGION, credentials: { ...shopKey, secretAccessKey: 'x' } },
    });

    const error = await failureOf(payments.createOrder(aCreateOrderRequest()));

    expect(error).toMatchObject({ status: 403, code: 'invalid_signature', attempts: 1 });
  });
});
