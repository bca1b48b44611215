import { AmountMismatch, OrderAlreadyPaid } from '../../../lambda/domain/errors';
import { deriveResourceId, isResourceId } from '../../../lambda/domain/ids';
import {
  hasValidTotal,
  newOrder,
  orderAmount,
  type PaidOrder,
  type PendingOrder,
} from '../../../lambda/domain/order';
import {
  PAYMENT_LEASE_SECONDS,
  assertPayable,
  hasExpired,
  leaseExpiry,
  paymentFromCharge,
  type PaymentDraft,
} from '../../../lambda/domain/payment';

const now = new Date('2026-11-22T10:00:00.000Z');

const anOrder = (overrides: Partial<PendingOrder> = {}): PendingOrder => ({
  ...newOrder(
    'ord_1',
    { customerId: 'cus_1', currency: 'USD', items: [{ sku: 'A', quantity: 2, unitAmount: 1250 }] },
    now,
  ),
  ...overrides,
});

const aPaidOrder = (): PaidOrder => ({ ...anOrder(), status: 'PAID', paymentId: 'pay_1' });

const aDraft = (overrides: Partial<PaymentDraft> = {}): PaymentDraft => ({
  orderId: 'ord_1',
  amount: 2500,
  currency: 'USD',
  paymentMethod: { type: 'card', token: 'tok_visa' },
  ...overrides,
});

describe('orders', () => {
  it('computes the amount as the sum of quantity × unit amount', () => {
    expect(
      orderAmount([
        { sku: 'A', quantity: 3, unitAmount: 1000 },
        { sku: 'B', quantity: 1, unitAmount: 1 },
      ]),
    ).toBe(3001);
  });

  it('refuses a total beyond the money range', () => {
    expect(hasValidTotal([{ sku: 'A', quantity: 1000, unitAmount: 100_000 }])).toBe(false);
    expect(hasValidTotal([{ sku: 'A', quantity: 1, unitAmount: 99_999_999 }])).toBe(true);
  });

  it('starts PENDING, without a payment, stamped with the creation time', () => {
    expect(anOrder()).toEqual({
      id: 'ord_1',
      status: 'PENDING',
      customerId: 'cus_1',
      currency: 'USD',
      amount: 2500,
      items: [{ sku: 'A', quantity: 2, unitAmount: 1250 }],
      createdAt: '2026-11-22T10:00:00.000Z',
    });
  });
});

describe('assertPayable', () => {
  it('accepts a payment of exactly the order amount and currency', () => {
    expect(() => assertPayable(anOrder(), aDraft())).not.toThrow();
  });

  it('refuses to pay a PAID order', () => {
    expect(() => assertPayable(aPaidOrder(), aDraft())).toThrow(OrderAlreadyPaid);
  });

  it.each([
    ['a different amount', { amount: 2499 }],
    ['a different currency', { currency: 'EUR' }],
  ])('refuses %s', (_case, overrides) => {
    expect(() => assertPayable(anOrder(), aDraft(overrides))).toThrow(AmountMismatch);
  });
});

describe('payments', () => {
  it('records a succeeded charge without a decline code', () => {
    expect(paymentFromCharge('pay_1', aDraft(), { outcome: 'succeeded' }, now)).toEqual({
      id: 'pay_1',
      orderId: 'ord_1',
      amount: 2500,
      currency: 'USD',
      status: 'SUCCEEDED',
      createdAt: now.toISOString(),
    });
  });

  it('records a declined charge with its decline code', () => {
    const payment = paymentFromCharge(
      'pay_1',
      aDraft(),
      { outcome: 'declined', declineCode: 'insufficient_funds' },
      now,
    );

    expect(payment).toMatchObject({ status: 'DECLINED', declineCode: 'insufficient_funds' });
  });

  it('leases the order for PAYMENT_LEASE_SECONDS', () => {
    expect(leaseExpiry(now) - now.getTime()).toBe(PAYMENT_LEASE_SECONDS * 1000);
  });

  it.each([
    ['before its expiry', -1, false],
    ['at its expiry', 0, false],
    ['within the margin after it', 5_000, false],
    ['beyond the margin', 5_001, true],
  ])('takes a lease for expired only beyond the clock skew margin: %s', (_, afterMs, expired) => {
    const lease = { expiresAt: now.getTime() };
    expect(hasExpired(lease, new Date(now.getTime() + afterMs), 5_000)).toBe(expired);
  });
});

describe('resource ids', () => {
  it('derives the same id from the same tenant, route and key', () => {
    expect(deriveResourceId('pay', 't1', 'POST /payments', 'k')).toBe(
      deriveResourceId('pay', 't1', 'POST /payments', 'k'),
    );
  });

  it.each([
    ['tenant', ['t2', 'POST /payments', 'k']],
    ['route', ['t1', 'POST /orders', 'k']],
    ['key', ['t1', 'POST /payments', 'k2']],
  ] as const)('derives another id for another %s', (_part, [tenant, route, key]) => {
    expect(deriveResourceId('pay', tenant, route, key)).not.toBe(
      deriveResourceId('pay', 't1', 'POST /payments', 'k'),
    );
  });

  it('cannot be confused by separators inside the parts', () => {
    expect(deriveResourceId('ord', 'a', 'b', 'c|d')).not.toBe(
      deriveResourceId('ord', 'a', 'b|c', 'd'),
    );
  });

  it('fits DynamoDB ClientRequestToken (36 characters) and is recognised as an id', () => {
    const id = deriveResourceId('pay', 't', 'POST /payments', 'k');

    expect(id).toMatch(/^pay_[0-9a-f]{32}$/);
    expect(id.length).toBeLessThanOrEqual(36);
    expect(isResourceId('pay', id)).toBe(true);
    expect(isResourceId('ord', id)).toBe(false);
    expect(isResourceId('pay', `${id}0`)).toBe(false);
  });
});
