import { canonicalJson, requestFingerprint } from '../../../lambda/idempotency/fingerprint';

describe('canonicalJson', () => {
  it('sorts object keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,1]},"b":1}',
    );
  });
});

describe('requestFingerprint', () => {
  const body = {
    orderId: 'ord_1',
    amount: 2500,
    paymentMethod: { type: 'card', token: 'tok_visa' },
  };

  it('ignores key order', () => {
    const reordered = {
      paymentMethod: { token: 'tok_visa', type: 'card' },
      amount: 2500,
      orderId: 'ord_1',
    };

    expect(requestFingerprint('POST /payments', reordered)).toBe(
      requestFingerprint('POST /payments', body),
    );
  });

  it('changes with a value', () => {
    expect(requestFingerprint('POST /payments', { ...body, amount: 2501 })).not.toBe(
      requestFingerprint('POST /payments', body),
    );
  });

  it('changes with the order of an array', () => {
    expect(requestFingerprint('POST /orders', { items: [2, 1] })).not.toBe(
      requestFingerprint('POST /orders', { items: [1, 2] }),
    );
  });

  it('changes with the route', () => {
    expect(requestFingerprint('POST /orders', body)).not.toBe(
      requestFingerprint('POST /payments', body),
    );
  });
});
