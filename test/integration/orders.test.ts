import { aCreateOrderRequest, aKey, aTenant } from '../support/builders';
import { get, post } from './support/api';

describe('orders', () => {
  it('creates an order with a server-computed amount and upper-case currency', async () => {
    const tenant = aTenant();

    const response = await post(
      '/orders',
      aCreateOrderRequest({
        currency: 'eur',
        items: [
          { sku: 'A', quantity: 2, unitAmount: 1250 },
          { sku: 'B', quantity: 1, unitAmount: 99 },
        ],
      }),
      { tenant, idempotencyKey: aKey() },
    );

    expect(response.status).toBe(201);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.headers.location).toBe(`/orders/${response.body.id}`);
    expect(response.headers['idempotent-replayed']).toBeUndefined();
    expect(response.body).toEqual({
      id: expect.stringMatching(/^ord_[0-9a-f]{32}$/),
      status: 'PENDING',
      customerId: 'cus_123',
      currency: 'EUR',
      amount: 2599,
      items: [
        { sku: 'A', quantity: 2, unitAmount: 1250 },
        { sku: 'B', quantity: 1, unitAmount: 99 },
      ],
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it('reads back the order it created', async () => {
    const tenant = aTenant();
    const created = await post('/orders', aCreateOrderRequest(), {
      tenant,
      idempotencyKey: aKey(),
    });

    const read = await get(`/orders/${created.body.id}`, { tenant });

    expect(read.status).toBe(200);
    expect(read.rawBody).toBe(created.rawBody);
  });
});
