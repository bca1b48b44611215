import { SandboxPaymentProcessor } from '../../../lambda/domain/payment-processor';

const processor = new SandboxPaymentProcessor();
const charge = (token: string) =>
  processor.charge({
    idempotencyKey: 'pay_1',
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
    await expect(charge(token)).resolves.toEqual(outcome);
    await expect(charge(token)).resolves.toEqual(outcome);
  });

  it.each(['tok_unknown', 'toString', '__proto__'])('does not accept %s', (token) => {
    expect(processor.acceptsPaymentMethod({ type: 'card', token })).toBe(false);
  });
});
