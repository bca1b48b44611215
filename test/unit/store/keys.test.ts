import {
  itemKindOf,
  LEASE_QUEUES,
  leaseQueue,
  orderKey,
  paymentKey,
  paymentsByOrderKey,
  reservationKey,
  tenantOfOrderKey,
  tenantPrefix,
} from '../../../lambda/store/keys';

describe('the Orders table key layout', () => {
  it('puts every item of a tenant under its prefix, the reservation beside its payment', () => {
    const tenant = 'arn:aws:iam::123456789012:user/alice';

    const keys = [orderKey(tenant, 'ord_1'), paymentKey(tenant, 'pay_1')];

    for (const { pk } of keys) expect(pk.startsWith(`${tenantPrefix(tenant)}#`)).toBe(true);
    expect(reservationKey(tenant, 'pay_1')).toEqual({
      pk: paymentKey(tenant, 'pay_1').pk,
      sk: 'RESERVATION',
    });
  });

  it("does not let a '#' in a tenant forge another tenant's keys", () => {
    const forged = orderKey('acme#ORDER#ord_1', 'x');

    expect(forged.pk.startsWith(`${tenantPrefix('acme')}#`)).toBe(false);
    expect(forged.pk).not.toBe(orderKey('acme', 'ord_1#ORDER#x').pk);
  });

  it("indexes a payment under its order's key, oldest first", () => {
    const payment = { id: 'pay_1', orderId: 'ord_1', createdAt: '2026-01-01T00:00:00.000Z' };

    expect(paymentsByOrderKey('t', payment)).toEqual({
      gsi1pk: orderKey('t', 'ord_1').pk,
      gsi1sk: '2026-01-01T00:00:00.000Z#pay_1',
    });
  });

  it.each([
    [orderKey('t', 'ord_1'), 'order'],
    [paymentKey('t', 'pay_1'), 'payment'],
    [reservationKey('t', 'pay_1'), 'reservation'],
    [{ pk: 'x', sk: 'SOMETHING' }, undefined],
  ])('tells the kind of item %j: %s', (key, kind) => {
    expect(itemKindOf(key)).toBe(kind);
  });

  it('puts a leased order in one of 16 lease queues, by the first hex digit of its id', () => {
    expect(LEASE_QUEUES).toHaveLength(16);
    expect(new Set(LEASE_QUEUES).size).toBe(16);
    for (const digit of '0123456789abcdef') {
      expect(LEASE_QUEUES).toContain(leaseQueue(`ord_${digit}${'0'.repeat(31)}`));
    }
  });

  it.each(['acme', 'arn:aws:iam::123456789012:user/alice', 'a#ORDER#b', '%41 ü'])(
    'reads the tenant %j back from its order key',
    (tenant) => {
      expect(tenantOfOrderKey(orderKey(tenant, 'ord_1').pk)).toBe(tenant);
    },
  );

  it('refuses a key that is no order key', () => {
    expect(() => tenantOfOrderKey(paymentKey('t', 'pay_1').pk)).toThrow(/not an order key/);
  });
});
