/**
 * Property-based tests that throw random and adversarial requests at the real handlers, on the
 * real engine (and, in the integration-http project, over real HTTP through the local server).
 * Fixed seeds and bounded runs: the same few hundred cases on every run.
 */
import { createHash, randomUUID } from 'node:crypto';
import { BatchGetItemCommand, paginateScan } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { CREATE_ORDER_ROUTE } from '../../lambda/domain/create-order';
import { CREATE_PAYMENT_ROUTE } from '../../lambda/domain/create-payment';
import { tenantPrefix } from '../../lambda/store/keys';
import { adminClient } from '../../local/dynamodb-engine';
import { localPrincipal } from '../../local/proxy-event';
import { aCreateOrderRequest, aCreatePaymentRequest, aKey } from '../support/builders';
import { call, get, post, type ApiResponse } from './support/api';

const SEED = 20_261_122;
const client = adminClient(process.env.DYNAMODB_ENDPOINT!);
afterAll(() => client.destroy());

/** Orders-table items of tenants whose name starts with `namePrefix`. */
async function ordersItemsOfTenants(namePrefix: string): Promise<string[]> {
  const keys: string[] = [];
  const pages = paginateScan(
    { client },
    {
      TableName: process.env.ORDERS_TABLE_NAME,
      // Every key of a tenant starts with its prefix; the local principal embeds the tenant.
      FilterExpression: 'begins_with(pk, :prefix)',
      ExpressionAttributeValues: { ':prefix': { S: tenantPrefix(localPrincipal(namePrefix)) } },
      ProjectionExpression: 'pk',
    },
  );
  for await (const page of pages) {
    for (const item of page.Items ?? []) keys.push(item.pk?.S ?? '');
  }
  return keys;
}

/**
 * The id of the idempotency record a request would have: Powertools hashes the scope the layer
 * selects, `[tenant, route, key]`, under the operation's key prefix.
 */
function idempotencyRecordId(keyPrefix: string, tenant: string, route: string, key: string) {
  const scope = JSON.stringify([localPrincipal(tenant), route, key]);
  return `${keyPrefix}#${createHash('sha256').update(scope).digest('base64')}`;
}

/** The ids among `ids` that have a record in the idempotency table. */
async function storedIdempotencyRecords(ids: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (let start = 0; start < ids.length; start += 100) {
    const batch = [...new Set(ids.slice(start, start + 100))];
    let keys = batch.map((id) => ({ id: { S: id } }));
    while (keys.length > 0) {
      const tableName = process.env.IDEMPOTENCY_TABLE_NAME!;
      const result = await client.send(
        new BatchGetItemCommand({ RequestItems: { [tableName]: { Keys: keys } } }),
      );
      for (const item of result.Responses?.[tableName] ?? []) found.push(item.id?.S ?? '');
      keys = (result.UnprocessedKeys?.[tableName]?.Keys ?? []) as typeof keys;
    }
  }
  return found;
}

interface Attempt {
  readonly keyPrefix: string;
  readonly tenant: string;
  readonly route: string;
  readonly key: string;
}

/**
 * The tenants and requests of one property, so that it can check afterwards that the tables
 * hold nothing of them. Its tenants share a prefix: one scan finds anything they wrote.
 */
function fuzzRun() {
  const prefix = `fuzz-${randomUUID().slice(0, 8)}-`;
  let tenants = 0;
  const attempts: Attempt[] = [];
  return {
    tenant: () => `${prefix}${++tenants}`,
    attempted: (attempt: Attempt) => attempts.push(attempt),
    async expectNothingStored() {
      expect(tenants).toBeGreaterThan(0);
      expect(await ordersItemsOfTenants(prefix)).toEqual([]);
      const ids = attempts.map((a) => idempotencyRecordId(a.keyPrefix, a.tenant, a.route, a.key));
      expect(await storedIdempotencyRecords(ids)).toEqual([]);
    },
  };
}

/** A refusal as the contract words it: 4xx, problem+json, with a snake_case code. */
function expectRefusal(response: ApiResponse, codes: readonly string[]) {
  expect(response.status).toBeGreaterThanOrEqual(400);
  expect(response.status).toBeLessThan(500);
  expect(response.headers['content-type']).toBe('application/problem+json');
  expect(response.body).toMatchObject({ status: response.status });
  expect(response.body.type).toBe(`urn:payments-api:problem:${String(response.body.code)}`);
  expect(codes).toContain(response.body.code);
}

const routes = {
  orders: { path: '/orders', route: CREATE_ORDER_ROUTE, keyPrefix: 'create-order' },
  payments: { path: '/payments', route: CREATE_PAYMENT_ROUTE, keyPrefix: 'create-payment' },
} as const;
type PostRoute = keyof typeof routes;

/** A valid body of each POST route, as raw JSON members, so that poisons can be spliced in. */
const validMembers: Record<PostRoute, Record<string, string>> = {
  orders: Object.fromEntries(
    Object.entries(aCreateOrderRequest()).map(([name, value]) => [name, JSON.stringify(value)]),
  ),
  payments: Object.fromEntries(
    Object.entries(
      aCreatePaymentRequest({
        id: 'ord_0123456789abcdef0123456789abcdef',
        amount: 2500,
        currency: 'USD',
      }),
    ).map(([name, value]) => [name, JSON.stringify(value)]),
  ),
};
const render = (members: readonly (readonly [string, string])[]) =>
  `{${members.map(([name, value]) => `${JSON.stringify(name)}:${value}`).join(',')}}`;

const deeplyNested = fc
  .integer({ min: 100, max: 3000 })
  .map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`);
const deepObject = fc
  .integer({ min: 100, max: 1500 })
  .map((depth) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);

/** JSON texts that no field of either schema accepts, whatever its type. */
const poisonForAnyField = fc.oneof(
  fc.constantFrom(
    'null',
    'true',
    '{"__proto__":{"polluted":"yes"}}',
    '{"constructor":{"prototype":{"polluted":"yes"}}}',
    '[{"__proto__":{"polluted":"yes"}}]',
  ),
  deeplyNested,
  deepObject,
);

/** Numbers out of every range of the schemas, beyond safe integers, or not integers. */
const badNumber = fc.constantFrom(
  '9007199254740993',
  '-9007199254740993',
  '1e400',
  '-1e400',
  '1e-400',
  '-0',
  '0',
  '0.5',
  '100000000',
);

/** Strings that look like numbers to a lenient parser. */
const nanLikeString = fc.constantFrom(
  '"NaN"',
  '"Infinity"',
  '"-Infinity"',
  '"0x10"',
  '"1e3"',
  '"2500"',
  '"١٢٣"',
  '""',
);

/** A poison for a member, by the kind of its valid value (string, number, object or array). */
function poisonFor(validValue: string): fc.Arbitrary<string> {
  if (validValue.startsWith('"')) return fc.oneof(poisonForAnyField, badNumber, fc.constant('[]'));
  if (/^-?\d/.test(validValue)) return fc.oneof(poisonForAnyField, badNumber, nanLikeString);
  return fc.oneof(poisonForAnyField, badNumber, nanLikeString, fc.constantFrom('[]', '{}'));
}

/** A body that must be refused, with the codes that may refuse it. */
interface HostileBody {
  readonly label: string;
  readonly text: string;
  readonly contentType?: string;
  readonly codes: readonly string[];
}

const schemaCodes = ['invalid_request'];

function hostileBody(route: PostRoute): fc.Arbitrary<HostileBody> {
  const members = Object.entries(validMembers[route]);
  const memberNames = members.map(([name]) => name);
  return fc.oneof(
    // One field replaced by a poison.
    fc
      .constantFrom(...members)
      .chain(([field, value]) => poisonFor(value).map((poison) => [field, poison] as const))
      .map(([field, poison]) => ({
        label: `${field} = ${poison.slice(0, 40)}`,
        text: render(members.map(([name, value]) => [name, name === field ? poison : value])),
        codes: schemaCodes,
      })),
    // A poison one level down: an order item's number, a payment method's token.
    fc
      .tuple(
        fc.constantFrom(...(route === 'orders' ? ['quantity', 'unitAmount'] : ['token'])),
        fc.oneof(badNumber, nanLikeString, poisonForAnyField),
      )
      .filter(([field, poison]) => field !== 'token' || !poison.startsWith('"'))
      .map(([field, poison]) => {
        const nested: Record<string, string> =
          route === 'orders'
            ? {
                items: `[{"sku":"SKU-1","quantity":${field === 'quantity' ? poison : '1'},"unitAmount":${field === 'unitAmount' ? poison : '1'}}]`,
              }
            : { paymentMethod: `{"type":"card","token":${poison}}` };
        return {
          label: `nested ${field} = ${poison.slice(0, 40)}`,
          text: render(members.map(([name, value]) => [name, nested[name] ?? value])),
          codes: schemaCodes,
        };
      }),
    // A field missing.
    fc.constantFrom(...memberNames).map((field) => ({
      label: `without ${field}`,
      text: render(members.filter(([name]) => name !== field)),
      codes: schemaCodes,
    })),
    // An extra member, prototype-pollution names first among them.
    fc
      .tuple(
        fc.oneof(
          fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'),
          fc.string({ minLength: 1, maxLength: 20 }).filter((name) => !memberNames.includes(name)),
        ),
        fc.oneof(poisonForAnyField, nanLikeString, fc.constant('{"polluted":"yes"}')),
      )
      .map(([extra, value]) => ({
        label: `extra ${extra}`,
        text: render([...members, [extra, value]]),
        codes: schemaCodes,
      })),
    // A member named twice: JSON.parse would keep the last one silently.
    fc.constantFrom(...members).map(([name, value]) => ({
      label: `${name} twice`,
      text: render([...members, [name, value]]),
      codes: ['invalid_json'],
    })),
    // Unicode in every string field, past its length limit.
    fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 4 })
      .filter((s) => s.length > 0)
      .map((unit) => ({
        label: `long unicode strings`,
        text: render(
          members.map(([name, value]) => [
            name,
            value.startsWith('"')
              ? JSON.stringify(unit.repeat(Math.ceil(300 / unit.length)))
              : value,
          ]),
        ),
        codes: schemaCodes,
      })),
    // Not a body of this route at all: any JSON, any text.
    fc.jsonValue({ maxDepth: 4 }).map((value) => ({
      label: 'random JSON',
      text: JSON.stringify(value) ?? 'null',
      codes: [...schemaCodes, 'invalid_json'],
    })),
    fc.string({ unit: 'grapheme', maxLength: 200 }).map((text) => ({
      label: 'random text',
      text,
      codes: [...schemaCodes, 'invalid_json'],
    })),
    // Over the 16 KiB limit.
    fc.integer({ min: 16 * 1024 + 1, max: 64 * 1024 }).map((size) => ({
      label: `${size} bytes`,
      text: render([...members, ['padding', JSON.stringify('x'.repeat(size))]]),
      codes: ['payload_too_large'],
    })),
    // A valid body in the wrong media type.
    fc
      .constantFrom(
        'text/plain',
        'application/xml',
        'application/json; charset=latin1',
        'application/jsonx',
        'multipart/form-data; boundary=x',
        '',
      )
      .map((contentType) => ({
        label: `as ${contentType || 'no media type'}`,
        text: render(members),
        contentType,
        codes: ['unsupported_media_type'],
      })),
  );
}

/** Header values HTTP can carry (visible ASCII, space, tab, Latin-1) that are never a valid key. */
const malformedKey = fc.oneof(
  // (A lone leading quote is a bare key: the contract accepts `"abc`.)
  fc.constantFrom('', ' ', '""', '"a"b"', 'clé', 'a\tb', '"\\x"', '"a b"'),
  fc.string({ minLength: 256, maxLength: 400 }).map((s) => `k${s.replace(/[^\x21-\x7e]/g, 'k')}`),
  fc
    .tuple(fc.stringMatching(/^[\x21-\x7e]{1,20}$/), fc.stringMatching(/^[\x21-\x7e]{1,20}$/))
    .map(([a, b]) => `${a} ${b}`),
);

/** Harmless noise: random extra headers must change nothing. */
const noiseHeaders = fc.dictionary(
  fc.stringMatching(/^x-fuzz-[a-z0-9-]{1,20}$/),
  fc.stringMatching(/^[\x20-\x7e]{0,50}$/),
  { maxKeys: 4 },
);

const isPolluted = () =>
  (({}) as Record<string, unknown>).polluted !== undefined ||
  Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted');

describe('the checks of the tables', () => {
  it('see what a valid request stores: its order and its idempotency record', async () => {
    const run = fuzzRun();
    const tenant = run.tenant();
    const key = aKey('control');

    const created = await post('/orders', aCreateOrderRequest(), { tenant, idempotencyKey: key });

    expect(created.status).toBe(201);
    await expect(run.expectNothingStored()).rejects.toThrow();
    const record = idempotencyRecordId('create-order', tenant, CREATE_ORDER_ROUTE, key);
    expect(await storedIdempotencyRecords([record])).toEqual([record]);
  });
});

describe.each(Object.keys(routes) as PostRoute[])('POST /%s with hostile input', (route) => {
  const { path, keyPrefix } = routes[route];
  const attempt = (tenant: string, key: string): Attempt => ({
    keyPrefix,
    tenant,
    route: routes[route].route,
    key,
  });

  it('refuses every hostile body with a 4xx problem, storing nothing and polluting nothing', async () => {
    const run = fuzzRun();
    await fc.assert(
      fc.asyncProperty(hostileBody(route), noiseHeaders, async (body, noise) => {
        const tenant = run.tenant();
        const key = aKey('fuzz');
        run.attempted(attempt(tenant, key));

        const response = await call('POST', path, {
          tenant,
          idempotencyKey: key,
          headers: {
            ...noise,
            ...(body.contentType !== undefined && { 'content-type': body.contentType }),
          },
          body: body.text,
        });

        expectRefusal(response, body.codes);
        expect(isPolluted()).toBe(false);
      }),
      { seed: SEED, numRuns: 120 },
    );
    await run.expectNothingStored();
  });

  it('refuses a valid body under a missing or malformed Idempotency-Key, storing nothing', async () => {
    const run = fuzzRun();
    const body = render(Object.entries(validMembers[route]));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.constant<string[] | undefined>(undefined),
          malformedKey.map((key) => [key]),
          // Two values, each well-formed alone.
          fc.tuple(fc.constant(aKey('a')), fc.constant(aKey('b'))).map((keys) => [...keys]),
        ),
        noiseHeaders,
        async (keys, noise) => {
          const tenant = run.tenant();
          // The two-value case: each value is a well-formed key that must not be used either.
          for (const key of keys ?? []) run.attempted(attempt(tenant, key));

          const response = await call('POST', path, {
            tenant,
            headers: { ...noise, ...(keys && { 'idempotency-key': keys }) },
            body,
          });

          expectRefusal(
            response,
            keys === undefined ? ['idempotency_key_missing'] : ['idempotency_key_invalid'],
          );
        },
      ),
      { seed: SEED, numRuns: 60 },
    );
    await run.expectNothingStored();
  });
});

describe('odd path parameters', () => {
  const oddId = fc
    .oneof(
      fc.constantFrom(
        '../payments',
        '%2e%2e',
        '...',
        ' ',
        'ord_',
        'ord_0123456789abcdef0123456789abcdeg',
        'pay_0123456789ABCDEF0123456789ABCDEF',
        'TENANT#other#ORDER#x',
        "' OR '1'='1",
        '<script>alert(1)</script>',
        '\u0000',
        '__proto__',
        'constructor',
        'x'.repeat(2000),
      ),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 80 }),
      fc.stringMatching(/^(ord|pay)_[0-9a-f]{32}$/),
      // Not `.` nor `..`: URL parsers (the local server's, API Gateway's) resolve those segments,
      // escaped or not, before routing, so they never reach a function as an id.
    )
    .filter((id) => id !== '.' && id !== '..');

  it('answers 404 problem+json for any id, creating nothing', async () => {
    const run = fuzzRun();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          ['/orders/', '', 'order_not_found'],
          ['/payments/', '', 'payment_not_found'],
          ['/orders/', '/payments', 'order_not_found'],
        ),
        oddId,
        async ([prefix, suffix, code], id) => {
          const response = await get(`${prefix}${encodeURIComponent(id)}${suffix}`, {
            tenant: run.tenant(),
          });

          expect(response.status).toBe(404);
          expectRefusal(response, [code]);
        },
      ),
      { seed: SEED, numRuns: 100 },
    );
    await run.expectNothingStored();
  });
});

describe('tenants with odd names', () => {
  // Visible ASCII, separators of the store's keys and URL escapes included.
  const tenantName = fc.stringMatching(/^[\x21-\x7e]{1,30}$/);

  it('keep the same key apart, and never read one another', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(tenantName, tenantName).filter(([a, b]) => a !== b),
        async ([first, second]) => {
          // Unique per run, but keeping the generated characters.
          const run = randomUUID().slice(0, 8);
          const [owner, stranger] = [`${run}${first}`, `${run}${second}`];
          const key = aKey('shared');

          const owned = await post('/orders', aCreateOrderRequest(), {
            tenant: owner,
            idempotencyKey: key,
          });
          const other = await post('/orders', aCreateOrderRequest({ customerId: 'cus_other' }), {
            tenant: stranger,
            idempotencyKey: key,
          });
          const reads = await Promise.all([
            get(`/orders/${owned.body.id}`, { tenant: stranger }),
            get(`/orders/${owned.body.id}/payments`, { tenant: stranger }),
            get(`/orders/${owned.body.id}`, { tenant: owner }),
          ]);

          expect([owned.status, other.status]).toEqual([201, 201]);
          expect(other.headers['idempotent-replayed']).toBeUndefined();
          expect(other.body.id).not.toBe(owned.body.id);
          expect(reads.map((r) => r.status)).toEqual([404, 404, 200]);
        },
      ),
      {
        seed: SEED,
        numRuns: 6,
        // Names that would collide if the store did not encode them.
        examples: [[['a#b', 'a%23b']], [['x', 'x/']], [['t', 't#ORDER']]],
      },
    );
  });
});
