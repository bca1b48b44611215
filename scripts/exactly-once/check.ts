/**
 * The exactly-once checker: drives the local server with many logical requests from concurrent
 * clients while faults strike at random steps and the server is SIGKILLed and restarted on its
 * persistent engine file; then verifies, from the database and from what the clients were told,
 * that no key made two resources, no order was paid twice, every answer holds, and nothing is
 * stuck in progress.
 *
 * `npm run check:exactly-once -- --requests 10000 --seed 7 --concurrency 16 --kills 20`
 * (or CHECK_REQUESTS, CHECK_SEED, CHECK_CONCURRENCY, CHECK_KILLS).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { seededRandom } from '../../local/seeded-random';
import { itemKindOf, orderKey, paymentKey } from '../../lambda/store/keys';
import { adminClient, freeLoopbackPort, startDynamoDbEngine } from '../../local/dynamodb-engine';
import { localPrincipal } from '../../local/proxy-event';
import { ServerProcess, type ServerStats } from './server-process';
import {
  clientTimeout,
  orderRequest,
  paymentRequests,
  sendUntilAnswered,
  type Answer,
  type ClientStats,
  type LogicalRequest,
} from './workload';

export interface CheckOptions {
  /** Logical requests (orders and payments) to send, at least. */
  readonly requests: number;
  readonly seed: number;
  /** Scenarios (an order and its payments) in flight at once. */
  readonly concurrency: number;
  /** SIGKILLs the checker sends, spread over the run (crash faults add their own). */
  readonly kills: number;
  /** Probability that a fault strikes at each step a request reaches. */
  readonly faultRate: number;
  /** Prints progress when given. */
  readonly log?: (line: string) => void;
}

export interface CheckReport {
  readonly requests: number;
  readonly sends: number;
  readonly retries: number;
  readonly retryCauses: Readonly<Record<string, number>>;
  readonly duplicateSends: number;
  readonly server: Readonly<ServerStats>;
  readonly database: Readonly<{ orders: number; payments: number; succeeded: number }>;
  /** Keys the sandbox charged successfully (a key charged again after a restart counts once). */
  readonly charged: number;
  readonly outcomes: Readonly<Record<string, number>>;
  readonly violations: readonly string[];
  readonly seconds: number;
}

/** Answers one logical request got: from every client that sent it, and from the final replay. */
interface Exchange {
  readonly request: LogicalRequest;
  readonly answers: Answer[];
}

export async function runExactlyOnceCheck(options: CheckOptions): Promise<CheckReport> {
  // The engine is opened from here too; Node 20 only triggers an SDK notice.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const started = Date.now();
  const log = options.log ?? (() => {});
  const random = seededRandom(options.seed);
  const run = `r${options.seed}-${Date.now().toString(36)}`;
  const workDir = mkdtempSync(path.join(tmpdir(), 'exactly-once-'));
  // Named per run: with DYNAMODB_ENDPOINT set, runs share an engine but not tables.
  const tables = {
    orders: `exactly-once-${run}-orders`,
    idempotency: `exactly-once-${run}-idempotency`,
  };
  const server = new ServerProcess({
    port: await freeLoopbackPort(),
    dbPath: path.join(workDir, 'payments.db'),
    tempRoot: workDir,
    tables,
    faults: {
      seed: options.seed,
      rate: options.faultRate,
      weights: { fail: 5, delay: 4, crash: 1 },
      delayMs: 200,
      crash: 'kill',
    },
  });
  const stats: ClientStats = { sends: 0, retries: 0, retryCauses: {} };
  const exchanges: Exchange[] = [];
  const violations: string[] = [];
  let duplicateSends = 0;

  const send = async (request: LogicalRequest) => {
    await server.whenReady().catch(() => {});
    return fetch(`${server.url}${request.path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': request.idempotencyKey,
        'x-tenant-id': request.tenant,
      },
      body: JSON.stringify(request.body),
      signal: clientTimeout(),
    });
  };

  /** Sends a logical request, sometimes from two clients at once, and keeps every answer. */
  const exchange = async (request: LogicalRequest): Promise<Answer | undefined> => {
    const record: Exchange = { request, answers: [] };
    exchanges.push(record);
    const senders = random() < 0.15 ? 2 : 1;
    if (senders === 2) duplicateSends += 1;
    const answers = await Promise.all(
      Array.from({ length: senders }, () => sendUntilAnswered(send, request, stats, random)),
    );
    for (const answer of answers) {
      if (answer) record.answers.push(answer);
      else violations.push(`${describe(request)}: never answered`);
    }
    return record.answers[0];
  };

  let sent = 0;
  let scenarios = 0;
  const killEvery =
    options.kills > 0 ? Math.ceil(options.requests / (options.kills + 1)) : Infinity;
  let nextKillAt = killEvery;
  const scenario = async (index: number) => {
    const order = orderRequest(random, run, index);
    sent += 1;
    const created = await exchange(order);
    if (created?.status !== 201) {
      violations.push(`${describe(order)}: answered ${created?.status ?? 'nothing'}, not 201`);
      return;
    }
    const { id, amount, currency } = JSON.parse(created.body) as {
      id: string;
      amount: number;
      currency: string;
    };
    const payments = paymentRequests(
      random,
      { tenant: order.tenant, id, amount, currency },
      run,
      index,
    );
    sent += payments.length;
    await Promise.all(payments.map(exchange));
  };

  await server.start();
  log(`server on ${server.url}, engine file ${path.join(workDir, 'payments.db')}`);
  try {
    const workers = Array.from({ length: options.concurrency }, async () => {
      while (sent < options.requests) {
        if (sent >= nextKillAt) {
          nextKillAt += killEvery;
          log(`SIGKILL after ${sent} requests`);
          void server.kill();
        }
        await scenario(scenarios++);
      }
    });
    await Promise.all(workers);
    log(`${sent} requests answered; replaying every key once more`);
    // The final replay: every key answers as it did, from its stored record (none stuck).
    await Promise.all(
      chunk(exchanges, options.concurrency * 2).map(async (slice) => {
        for (const record of slice) {
          const answer = await sendUntilAnswered(send, record.request, stats, random);
          if (!answer) violations.push(`${describe(record.request)}: final replay never answered`);
          else if (!answer.replayed)
            violations.push(`${describe(record.request)}: final replay not marked replayed`);
          else record.answers.push(answer);
        }
      }),
    );
  } finally {
    await server.stop();
  }

  const chargedByOrder = verifyCharges(server.charges, exchanges, violations);
  const database = await verifyDatabase(
    path.join(workDir, 'payments.db'),
    tables,
    exchanges,
    chargedByOrder,
    violations,
  );
  verifyAnswers(exchanges, violations);
  rmSync(workDir, { recursive: true, force: true });

  const outcomes: Record<string, number> = {};
  for (const { request, answers } of exchanges) {
    const first = answers[0];
    const label = `${request.path} ${first ? `${first.status}${codeSuffix(first)}` : 'none'}`;
    outcomes[label] = (outcomes[label] ?? 0) + 1;
  }
  return {
    requests: exchanges.length,
    sends: stats.sends,
    retries: stats.retries,
    retryCauses: stats.retryCauses,
    duplicateSends,
    server: server.stats,
    database,
    charged: [...chargedByOrder.values()].reduce((sum, ids) => sum + ids.length, 0),
    outcomes,
    violations,
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
}

/** Every answer a key got, by any client, at any time, is the first one byte for byte. */
function verifyAnswers(exchanges: readonly Exchange[], violations: string[]): void {
  for (const { request, answers } of exchanges) {
    const [first, ...later] = answers;
    if (!first) continue;
    for (const answer of later) {
      if (
        answer.status !== first.status ||
        answer.body !== first.body ||
        answer.contentType !== first.contentType ||
        answer.location !== first.location
      ) {
        violations.push(
          `${describe(request)}: answered ${first.status} ${first.body} then ${answer.status} ${answer.body}`,
        );
      }
    }
  }
}

/**
 * The processor's side: which keys were charged successfully, by order. A key charged again
 * after a restart is one charge, as a processor's durable idempotency records would make it
 * (the sandbox's records die with the server).
 */
function verifyCharges(
  charges: ReadonlyMap<string, readonly string[]>,
  exchanges: readonly Exchange[],
  violations: string[],
): Map<string, string[]> {
  const requestOf = new Map(exchanges.map(({ request }) => [request.resourceId, request]));
  const chargedByOrder = new Map<string, string[]>();
  for (const [paymentId, outcomes] of charges) {
    const request = requestOf.get(paymentId);
    if (!request) {
      violations.push(`${paymentId}: charged, but no key derives it`);
      continue;
    }
    if (new Set(outcomes).size > 1)
      violations.push(`${paymentId}: charged with outcomes ${outcomes.join(', ')}`);
    if (outcomes[0] !== 'succeeded') continue;
    const orderId = (request.body as { orderId: string }).orderId;
    chargedByOrder.set(orderId, [...(chargedByOrder.get(orderId) ?? []), paymentId]);
  }
  return chargedByOrder;
}

type Item = Record<string, unknown>;

/** Reads both tables from the engine file and checks them against what the clients were told. */
async function verifyDatabase(
  dbPath: string,
  tables: { readonly orders: string; readonly idempotency: string },
  exchanges: readonly Exchange[],
  chargedByOrder: ReadonlyMap<string, readonly string[]>,
  violations: string[],
): Promise<CheckReport['database']> {
  // The engine file the servers wrote, opened again (or DYNAMODB_ENDPOINT, when set).
  const engine = await startDynamoDbEngine({ dbPath });
  const client = DynamoDBDocumentClient.from(adminClient(engine.endpoint));
  try {
    // Orders and payments by partition key: where the store's key layout puts them.
    const orderItems = new Map<string, Item>();
    const paymentItems = new Map<string, Item>();
    for await (const page of paginateScan(
      { client },
      { TableName: tables.orders, ConsistentRead: true },
    )) {
      for (const item of page.Items ?? []) {
        const kind = itemKindOf(item);
        if (kind === 'order') orderItems.set(String(item.pk), item);
        else if (kind === 'payment') paymentItems.set(String(item.pk), item);
        else if (kind === undefined)
          violations.push(`unexpected item ${String(item.pk)} ${String(item.sk)}`);
        // A reservation: which request a payment id was first used for.
      }
    }
    const requestAt = new Map(exchanges.map(({ request }) => [itemKeyOf(request).pk, request]));
    /** The order a payment (or a payment request's body) names, as its tenant's store holds it. */
    const orderOf = (tenant: string, payment: unknown) =>
      orderItems.get(orderKey(localPrincipal(tenant), String((payment as Item).orderId)).pk);

    // No key made a resource another way than its derived id, under its own tenant, so none
    // made two.
    for (const [pk, item] of [...orderItems, ...paymentItems]) {
      if (!requestAt.has(pk)) violations.push(`${String(item.id)}: a resource no key derives`);
    }
    // At most one SUCCEEDED payment per order, and the order PAID by exactly that one.
    const succeededByOrder = new Map<string, string[]>();
    for (const [pk, payment] of paymentItems) {
      const request = requestAt.get(pk);
      if (payment.status !== 'SUCCEEDED' || !request) continue;
      if (!orderOf(request.tenant, payment))
        violations.push(`${String(payment.id)}: paid an order its tenant does not have`);
      const orderId = String(payment.orderId);
      succeededByOrder.set(orderId, [...(succeededByOrder.get(orderId) ?? []), String(payment.id)]);
    }
    for (const order of orderItems.values()) {
      const succeeded = succeededByOrder.get(String(order.id)) ?? [];
      if (succeeded.length > 1)
        violations.push(`${String(order.id)}: ${succeeded.length} SUCCEEDED payments`);
      const paidBy = order.status === 'PAID' ? String(order.paymentId) : undefined;
      if (paidBy !== succeeded[0]) {
        violations.push(
          `${String(order.id)}: ${String(order.status)} by ${paidBy}, succeeded: ${succeeded.join(', ')}`,
        );
      }
      // Charged once: one successful charge per order, the very payment recorded SUCCEEDED.
      const charged = chargedByOrder.get(String(order.id)) ?? [];
      if (charged.length > 1 || charged[0] !== succeeded[0]) {
        violations.push(
          `${String(order.id)}: charged by ${charged.join(', ') || 'nobody'}, ` +
            `succeeded: ${succeeded.join(', ') || 'none'}`,
        );
      }
      if (order.lease !== undefined)
        violations.push(`${String(order.id)}: a payment attempt's lease was left behind`);
    }
    // Every answer a client got matches what is stored.
    for (const { request, answers } of exchanges) {
      const answer = answers[0];
      if (!answer) continue;
      const body = JSON.parse(answer.body) as Item;
      const stored = (request.path === '/orders' ? orderItems : paymentItems).get(
        itemKeyOf(request).pk,
      );
      const order =
        request.path === '/payments' ? orderOf(request.tenant, request.body) : undefined;
      const problem = verifyAnswer(request, answer, body, stored, order);
      if (problem) violations.push(`${describe(request)}: ${problem}`);
    }
    // Nothing stuck in progress: every key answered its final replay from a completed record.
    let inProgress = 0;
    for await (const page of paginateScan(
      { client },
      { TableName: tables.idempotency, ConsistentRead: true },
    )) {
      inProgress += (page.Items ?? []).filter((item) => item.status !== 'COMPLETED').length;
    }
    if (inProgress > 0) violations.push(`${inProgress} idempotency records not COMPLETED`);
    return {
      orders: orderItems.size,
      payments: paymentItems.size,
      succeeded: [...succeededByOrder.values()].reduce((sum, ids) => sum + ids.length, 0),
    };
  } finally {
    client.destroy();
    await engine.stop();
  }
}

const ORDER_FIELDS = ['id', 'customerId', 'currency', 'amount', 'createdAt'] as const;
const PAYMENT_FIELDS = [
  'id',
  'orderId',
  'amount',
  'currency',
  'status',
  'createdAt',
  'declineCode',
] as const;

/**
 * What is wrong with the answer a logical request got, given the item its key made (`stored`)
 * and, for a payment, the order the request names.
 */
function verifyAnswer(
  request: LogicalRequest,
  answer: Answer,
  body: Item,
  stored: Item | undefined,
  order: Item | undefined,
): string | undefined {
  const differs = (resource: Item, fields: readonly string[]) =>
    fields.find((field) => JSON.stringify(resource[field]) !== JSON.stringify(stored?.[field]));
  if (request.path === '/orders') {
    if (answer.status !== 201) return `answered ${answer.status}`;
    if (!stored) return 'answered 201 but the order does not exist';
    const field = differs(body, ORDER_FIELDS);
    return (
      field &&
      `answered ${field}=${JSON.stringify(body[field])}, stored ${JSON.stringify(stored[field])}`
    );
  }
  switch (answer.status) {
    case 201:
    case 402: {
      const payment = (answer.status === 201 ? body : body.payment) as Item | undefined;
      if (!stored || !payment) return `answered ${answer.status} but the payment does not exist`;
      const field = differs(payment, PAYMENT_FIELDS);
      if (field)
        return `answered ${field}=${JSON.stringify(payment[field])}, stored ${JSON.stringify(stored[field])}`;
      if (answer.status === 201 && order?.paymentId !== stored.id)
        return 'answered 201 but the order is not paid by it';
      return undefined;
    }
    case 409: {
      if (body.code !== 'order_already_paid') return `answered 409 ${String(body.code)}`;
      if (stored) return 'answered order_already_paid but a payment with its id exists';
      return order?.status === 'PAID'
        ? undefined
        : 'answered order_already_paid for an unpaid order';
    }
    default:
      return `answered ${answer.status} ${answer.body}`;
  }
}

/** Where the resource a request's key may create lives in the store. */
const itemKeyOf = ({ path, tenant, resourceId }: LogicalRequest) =>
  (path === '/orders' ? orderKey : paymentKey)(localPrincipal(tenant), resourceId);

const describe = (request: LogicalRequest) =>
  `${request.path} ${request.tenant}/${request.idempotencyKey}`;

function codeSuffix(answer: Answer): string {
  if (answer.status < 400) return '';
  try {
    return ` ${String((JSON.parse(answer.body) as { code?: unknown }).code)}`;
  } catch {
    return '';
  }
}

function chunk<T>(items: readonly T[], parts: number): T[][] {
  const slices: T[][] = Array.from({ length: parts }, () => []);
  items.forEach((item, index) => slices[index % parts]?.push(item));
  return slices;
}

/** Prints the report; the process exits non-zero on any violation. */
export function printReport(
  report: CheckReport,
  print: (line: string) => void = console.log,
): void {
  const { server } = report;
  print(
    `requests ${report.requests} (HTTP sends ${report.sends}, retries ${report.retries}, ` +
      `sent twice at once ${report.duplicateSends})`,
  );
  print(`retry causes ${JSON.stringify(report.retryCauses)}`);
  print(
    `faults ${server.faults}, kills ${server.kills + server.crashes} ` +
      `(SIGKILL by the checker ${server.kills}, at crash faults ${server.crashes}), server starts ${server.starts}`,
  );
  print(`outcomes ${JSON.stringify(report.outcomes)}`);
  print(
    `database: ${report.database.orders} orders, ${report.database.payments} payments, ` +
      `${report.database.succeeded} succeeded; keys charged successfully ${report.charged}`,
  );
  print(`violations ${report.violations.length} (${report.seconds} s)`);
  for (const violation of report.violations.slice(0, 20)) print(`  ${violation}`);
}

function argument(name: string, environment: string, fallback: number): number {
  const flag = process.argv.indexOf(`--${name}`);
  const raw = flag >= 0 ? process.argv[flag + 1] : process.env[environment];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`--${name} must be a number, got ${raw}`);
  return value;
}

if (require.main === module) {
  const options: CheckOptions = {
    requests: argument('requests', 'CHECK_REQUESTS', 1_000),
    seed: argument('seed', 'CHECK_SEED', 1),
    concurrency: argument('concurrency', 'CHECK_CONCURRENCY', 16),
    kills: argument('kills', 'CHECK_KILLS', 5),
    faultRate: argument('fault-rate', 'CHECK_FAULT_RATE', 0.01),
    log: (line) => console.log(`[check] ${line}`),
  };
  console.log(`[check] ${JSON.stringify({ ...options, log: undefined })}`);
  runExactlyOnceCheck(options)
    .then((report) => {
      printReport(report);
      process.exit(report.violations.length === 0 ? 0 : 1);
    })
    .catch((error: Error) => {
      console.error(error);
      process.exit(2);
    });
}
