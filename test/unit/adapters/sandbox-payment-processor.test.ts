import {
  SandboxPaymentProcessor,
  type SandboxCharge,
  type SandboxOptions,
} from '../../../lambda/adapters/sandbox-payment-processor';
import { PROCESSOR_KEY_RETENTION_MS } from '../../../lambda/domain/payment-processor';

const HOUR = 60 * 60 * 1000;

/** A clock the test moves by hand. */
function aManualClock(start = Date.parse('2026-01-01T00:00:00Z')) {
  let now = start;
  return {
    clock: () => new Date(now),
    advance: (ms: number) => (now += ms),
  };
}

/** A sandbox, and the charges it reports making (its webhook), by idempotency key. */
function aSandbox(options: SandboxOptions = {}) {
  const made: SandboxCharge[] = [];
  const processor = new SandboxPaymentProcessor({
    ...options,
    onCharge: (_request, charge) => made.push(charge),
  });
  const chargesWithKey = (key: string) => made.filter((c) => c.idempotencyKey === key).length;
  return { processor, made, chargesWithKey };
}

const charge = (processor: SandboxPaymentProcessor, token: string, idempotencyKey = 'pay_1') =>
  processor.charge({
    idempotencyKey,
    amount: 100,
    currency: 'USD',
    paymentMethod: { type: 'card', token },
  });

describe('SandboxPaymentProcessor', () => {
  it.each([
    ['tok_visa', { outcome: 'succeeded' }],
    ['tok_mastercard', { outcome: 'succeeded' }],
    ['tok_chargeDeclined', { outcome: 'declined', declineCode: 'card_declined' }],
    ['tok_insufficientFunds', { outcome: 'declined', declineCode: 'insufficient_funds' }],
  ])('answers %s deterministically', async (token, outcome) => {
    await expect(charge(new SandboxPaymentProcessor(), token)).resolves.toEqual(outcome);
  });

  it('charges once per idempotency key and answers a repeated key with the first outcome', async () => {
    const { processor, made } = aSandbox();

    const first = await charge(processor, 'tok_visa', 'pay_a');
    const repeated = await charge(processor, 'tok_chargeDeclined', 'pay_a');
    const other = await charge(processor, 'tok_chargeDeclined', 'pay_b');

    expect(first).toEqual({ outcome: 'succeeded' });
    expect(repeated).toEqual(first);
    expect(other).toEqual({ outcome: 'declined', declineCode: 'card_declined' });
    expect(made.map((c) => c.idempotencyKey)).toEqual(['pay_a', 'pay_b']);
  });

  it('records no charge for a token it cannot charge: the key charges afresh later', async () => {
    const processor = new SandboxPaymentProcessor();

    await expect(charge(processor, 'tok_unknown')).rejects.toThrow(/cannot charge/);

    await expect(charge(processor, 'tok_insufficientFunds')).resolves.toEqual({
      outcome: 'declined',
      declineCode: 'insufficient_funds',
    });
  });

  it.each(['tok_unknown', 'toString', '__proto__'])('does not accept %s', (token) => {
    expect(new SandboxPaymentProcessor().acceptsPaymentMethod({ type: 'card', token })).toBe(false);
  });
});

describe('SandboxPaymentProcessor key retention', () => {
  it('keeps a key for 24 hours by default', () => {
    expect(PROCESSOR_KEY_RETENTION_MS).toBe(24 * HOUR);
  });

  it('answers a key repeated just inside its retention with the first charge', async () => {
    const { clock, advance } = aManualClock();
    const { processor, chargesWithKey } = aSandbox({ clock });

    await charge(processor, 'tok_visa', 'pay_a');
    advance(24 * HOUR - 1);
    await charge(processor, 'tok_visa', 'pay_a');

    expect(chargesWithKey('pay_a')).toBe(1);
  });

  it('charges a key repeated once its retention has passed again, as a new charge', async () => {
    const { clock, advance } = aManualClock();
    const { processor, made, chargesWithKey } = aSandbox({ clock });

    await charge(processor, 'tok_visa', 'pay_a');
    advance(24 * HOUR);
    await charge(processor, 'tok_visa', 'pay_a');
    await charge(processor, 'tok_visa', 'pay_a');

    expect(chargesWithKey('pay_a')).toBe(2);
    expect(made).toHaveLength(2);
  });

  it('ages keys from the charge that started their retention', async () => {
    const { clock, advance } = aManualClock();
    const { processor, chargesWithKey } = aSandbox({ clock, keyRetentionMs: 2 * HOUR });

    await charge(processor, 'tok_visa', 'pay_a');
    advance(3 * HOUR); // forgotten: a second charge, which starts a new retention
    await charge(processor, 'tok_chargeDeclined', 'pay_a');
    advance(HOUR);
    const repeated = await charge(processor, 'tok_visa', 'pay_a');

    expect(repeated).toEqual({ outcome: 'declined', declineCode: 'card_declined' });
    expect(chargesWithKey('pay_a')).toBe(2);
  });
});

describe('SandboxPaymentProcessor lookup by payment id', () => {
  it.each([
    ['tok_visa', { outcome: 'captured' }],
    ['tok_insufficientFunds', { outcome: 'declined', declineCode: 'insufficient_funds' }],
  ])('reports what the charge of %s came to', async (token, lookup) => {
    const processor = new SandboxPaymentProcessor();
    await charge(processor, token, 'pay_a');

    await expect(processor.lookUpCharge('pay_a')).resolves.toEqual(lookup);
  });

  it('cannot tell for a payment id it never charged', async () => {
    const processor = new SandboxPaymentProcessor();
    await charge(processor, 'tok_visa', 'pay_a');

    await expect(processor.lookUpCharge('pay_b')).resolves.toEqual({ outcome: 'unknown' });
  });

  it('still finds a charge long after its key was forgotten', async () => {
    const { clock, advance } = aManualClock();
    const processor = new SandboxPaymentProcessor({ clock });
    await charge(processor, 'tok_visa', 'pay_a');

    advance(30 * 24 * HOUR);

    await expect(processor.lookUpCharge('pay_a')).resolves.toEqual({ outcome: 'captured' });
  });

  it('reports a capture when any charge under the payment id captured', async () => {
    const { clock, advance } = aManualClock();
    const processor = new SandboxPaymentProcessor({ clock, keyRetentionMs: HOUR });
    await charge(processor, 'tok_chargeDeclined', 'pay_a');
    advance(2 * HOUR);
    await charge(processor, 'tok_visa', 'pay_a');

    await expect(processor.lookUpCharge('pay_a')).resolves.toEqual({ outcome: 'captured' });
  });
});
