import { readFileSync } from 'node:fs';
import path from 'node:path';
import { apiRoutes, pathsOf } from '../../../lib/api-routes';
import { openApiDocument, openApiJson } from '../../../openapi/document';

const checkedIn = path.resolve(__dirname, '../../../openapi/openapi.json');

describe('openapi/openapi.json', () => {
  it('is what the schemas generate (run `npm run openapi` after changing a schema)', () => {
    const generated = openApiJson();
    const onDisk = readFileSync(checkedIn, 'utf8');

    // Compared as objects first, for a readable diff; then byte for byte.
    expect(JSON.parse(onDisk)).toEqual(JSON.parse(generated));
    expect(onDisk).toBe(generated);
  });

  it('documents every route of the contract with its operation', () => {
    const { paths = {} } = openApiDocument();

    expect(
      Object.entries(paths).flatMap(([route, item]) =>
        (['get', 'post'] as const)
          .filter((method) => item[method])
          .map((method) => `${method.toUpperCase()} ${route} ${item[method]?.operationId}`),
      ),
    ).toEqual([
      'POST /orders createOrder',
      'GET /orders/{orderId} getOrder',
      'POST /payments createPayment',
      'POST /payment createPaymentAtSingularPath',
      'GET /payments/{paymentId} getPayment',
      'GET /orders/{orderId}/payments listPayments',
    ]);
  });

  it('documents every method and path the route table serves, aliases included, and no other', () => {
    const { paths = {} } = openApiDocument();
    const documented = Object.entries(paths).flatMap(([route, item]) =>
      (['get', 'post'] as const).filter((method) => item[method]).map((m) => `${m} ${route}`),
    );

    expect(documented.sort()).toEqual(
      apiRoutes
        .flatMap((route) => pathsOf(route).map((p) => `${route.method.toLowerCase()} ${p}`))
        .sort(),
    );
  });

  it('requires an Idempotency-Key on every POST', () => {
    const { paths = {} } = openApiDocument();

    for (const item of Object.values(paths)) {
      const parameters = (item.post?.parameters ?? []) as { name?: string; required?: boolean }[];
      if (item.post) {
        expect(parameters).toContainEqual(
          expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: true }),
        );
      }
    }
  });
});
