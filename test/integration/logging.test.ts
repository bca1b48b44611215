import { createHash, randomUUID } from 'node:crypto';
import { localPrincipal } from '../../local/proxy-event';
import { aCreatePaymentRequest, aKey, aTenant } from '../support/builders';
import { post } from './support/api';
import { useTestApplication } from './support/application';
import { anOrder } from './support/fixtures';

// The most verbose level, so that every line any layer might write is checked.
useTestApplication({ env: { POWERTOOLS_LOG_LEVEL: 'DEBUG' } });

/** How the logs name a key: the first 16 hex digits of its SHA-256. */
const keyHash = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 16);

/** Everything written to stdout and stderr until `stop()`: where Lambda's logs come from. */
function captureOutput() {
  const written: string[] = [];
  const spies = [process.stdout, process.stderr].map((stream) =>
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }),
  );
  return {
    stop: () => spies.forEach((spy) => spy.mockRestore()),
    text: () => written.join(''),
  };
}

describe('what the functions log', () => {
  it('never writes a card token nor a raw Idempotency-Key, whatever the outcome', async () => {
    const tenant = aTenant();
    const unknownToken = `tok_unknown_${randomUUID()}`;
    const declinedKey = aKey();
    const paidKey = aKey();
    const card = (token: string) => ({ paymentMethod: { type: 'card' as const, token } });
    const output = captureOutput();

    let statuses: number[];
    try {
      const order = await anOrder(tenant);
      const declined = aCreatePaymentRequest(order, card('tok_insufficientFunds'));
      const paid = aCreatePaymentRequest(order, card('tok_visa'));
      statuses = [];
      for (const [body, key] of [
        [declined, declinedKey], // 402, stored
        [declined, declinedKey], // its replay
        [aCreatePaymentRequest(order, card('tok_chargeDeclined')), declinedKey], // 422 reused
        [aCreatePaymentRequest(order, card(unknownToken)), aKey()], // 400 unknown token
        [paid, paidKey], // 201
        [paid, paidKey], // its replay
        [aCreatePaymentRequest(order, card('tok_mastercard')), aKey()], // 409 already paid
      ] as const) {
        statuses.push((await post('/payments', body, { tenant, idempotencyKey: key })).status);
      }
    } finally {
      output.stop();
    }

    expect(statuses).toEqual([402, 402, 422, 400, 201, 201, 409]);
    const text = output.text();
    const lines = text.split('\n').filter((line) => line.trim() !== '');
    // The capture saw the structured logs of every request, with their keys...
    const logLines = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const completed = logLines.filter((line) => line.message === 'request completed');
    // One for the order, one per payment request.
    expect(completed).toHaveLength(1 + statuses.length);
    for (const line of completed) {
      expect(line).toMatchObject({ tenant: localPrincipal(tenant), requestId: expect.any(String) });
    }
    expect(text).toContain(keyHash(declinedKey));
    // ...and none of the secrets.
    for (const secret of [
      'tok_visa',
      'tok_mastercard',
      'tok_chargeDeclined',
      'tok_insufficientFunds',
      unknownToken,
      declinedKey,
      paidKey,
    ]) {
      expect(text).not.toContain(secret);
    }
  });
});
