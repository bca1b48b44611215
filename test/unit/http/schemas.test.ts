import type { InvalidRequest } from '../../../lambda/http/errors';
import { validated } from '../../../lambda/http/request';
import { createOrderSchema, createPaymentSchema } from '../../../lambda/http/schemas';
import { aCreateOrderRequest, aCreatePaymentRequest } from '../../support/builders';

const errorsOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as InvalidRequest).extensions?.['errors'];
  }
  throw new Error('expected the body to be refused');
};

const anOrder = { id: 'ord_1', amount: 2500, currency: 'USD' };

describe('createOrderSchema', () => {
  it('accepts a valid order and normalises its currency to upper case', () => {
    expect(validated(createOrderSchema, aCreateOrderRequest({ currency: 'eur' }))).toEqual({
      ...aCreateOrderRequest(),
      currency: 'EUR',
    });
  });

  it.each([
    ['an empty item list', { items: [] }, 'items', 'Too small: expected array to have >=1 items'],
    [
      'a fractional quantity',
      { items: [{ sku: 'A', quantity: 1.5, unitAmount: 100 }] },
      'items.0.quantity',
      'Invalid input: expected int, received number',
    ],
    [
      'a quantity over 1000',
      { items: [{ sku: 'A', quantity: 1001, unitAmount: 100 }] },
      'items.0.quantity',
      'Too big: expected number to be <=1000',
    ],
    [
      'an empty customer id',
      { customerId: '' },
      'customerId',
      'Too small: expected string to have >=1 characters',
    ],
    [
      'an unknown currency',
      { currency: 'ZZZ' },
      'currency',
      'must be a 3-letter ISO 4217 currency code',
    ],
    [
      'a total over the maximum',
      { items: [{ sku: 'A', quantity: 1000, unitAmount: 99_999_999 }] },
      'items',
      'the order total must be between 1 and 99999999',
    ],
  ])('refuses %s with a specific message at its path', (_, overrides, path, message) => {
    const errors = errorsOf(() =>
      validated(createOrderSchema, aCreateOrderRequest(overrides as never)),
    );

    expect(errors).toContainEqual({ path, message });
  });

  it('names an unknown field, at the top level and inside an item', () => {
    const errors = errorsOf(() =>
      validated(createOrderSchema, {
        ...aCreateOrderRequest(),
        discount: 5,
        items: [{ sku: 'A', quantity: 1, unitAmount: 100, colour: 'red' }],
      }),
    );

    expect(errors).toEqual(
      expect.arrayContaining([
        { path: '', message: 'Unrecognized key: "discount"' },
        { path: 'items.0', message: 'Unrecognized key: "colour"' },
      ]),
    );
  });
});

describe('createPaymentSchema', () => {
  it('accepts a valid payment', () => {
    expect(validated(createPaymentSchema, aCreatePaymentRequest(anOrder))).toEqual(
      aCreatePaymentRequest(anOrder),
    );
  });

  it.each([
    ['a zero amount', { amount: 0 }, 'amount', 'Too small: expected number to be >=1'],
    [
      'a payment method other than card',
      { paymentMethod: { type: 'cash', token: 't' } },
      'paymentMethod.type',
      'Invalid input: expected "card"',
    ],
    [
      'an amount sent as a string',
      { amount: '2500' },
      'amount',
      'Invalid input: expected number, received string',
    ],
  ])('refuses %s with a specific message at its path', (_, overrides, path, message) => {
    const errors = errorsOf(() =>
      validated(createPaymentSchema, aCreatePaymentRequest(anOrder, overrides as never)),
    );

    expect(errors).toContainEqual({ path, message });
  });
});
