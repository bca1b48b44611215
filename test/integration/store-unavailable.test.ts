import { aCreateOrderRequest, aKey, aTenant } from '../support/builders';
import { get, post } from './support/api';
import { useTestApplication } from './support/application';
import { idOf } from './support/invoke';

// An idempotency table that does not exist stands in for an idempotency store that cannot be
// reached.
useTestApplication({ env: { IDEMPOTENCY_TABLE_NAME: 'payments-test-missing-idempotency-table' } });

it('answers 503 service_unavailable with Retry-After and creates nothing when the idempotency store is unavailable', async () => {
  const tenant = aTenant();
  const key = aKey();

  const response = await post('/orders', aCreateOrderRequest(), { tenant, idempotencyKey: key });

  expect(response.status).toBe(503);
  expect(response.headers['retry-after']).toBeDefined();
  expect(response.body).toMatchObject({ status: 503, code: 'service_unavailable' });
  const orderId = idOf('ord', tenant, key);
  expect((await get(`/orders/${orderId}`, { tenant })).status).toBe(404);
});
