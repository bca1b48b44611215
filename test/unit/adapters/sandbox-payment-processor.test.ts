import { SandboxPaymentProcessor } from '../../../lambda/adapters/sandbox-payment-processor';

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
    const processor = new SandboxPaymentProcessor();

    const first = await charge(processor, 'tok_visa', 'pay_a');
    const repeated = await charge(processor, 'tok_chargeDeclined', 'pay_a');
    const other = await charge(processor, 'tok_chargeDeclined', 'pay_b');

    expect(first).toEqual({ outcome: 'succeeded' });
    expect(repeated).toEqual(first);
    expect(other).toEqual({ outcome: 'declined', declineCode: 'card_declined' });
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
