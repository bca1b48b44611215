/**
 * The exactly-once checker: drives the local server with many logical requests from concurrent
 * clients while faults strike at random steps and the server is SIGKILLed and restarted on its
 * persistent engine file; then verifies, from the database and from what the clients were told,
 * that no key made two resources, no order was paid twice, every answer holds, and nothing is
 * stuck in progress.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freeLoopbackPort } from '../../local/dynamodb-engine';
import { seededRandom } from '../../local/seeded-random';
import type { CheckOptions } from './options';
import { outcomesOf, type CheckReport } from './report';
import { ServerProcess } from './server-process';
import { readStoredState } from './stored-state';
import { verifyAnswersAgree, verifyCharges, verifyStoredState } from './verify';
import {
  clientTimeout,
  describeRequest,
  orderRequest,
  paymentRequests,
  sendUntilAnswered,
  type Answer,
  type ClientStats,
  type Exchange,
  type LogicalRequest,
} from './workload';

export async function runExactlyOnceCheck(options: CheckOptions): Promise<CheckReport> {
  // The engine is opened from here too; Node 20 only triggers an SDK notice.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const started = Date.now();
  const log = options.log ?? (() => {});
  const random = seededRandom(options.seed);
  const run = `r${options.seed}-${Date.now().toString(36)}`;
  const workDir = mkdtempSync(path.join(tmpdir(), 'exactly-once-'));
  const dbPath = path.join(workDir, 'payments.db');
  // Named per run: with DYNAMODB_ENDPOINT set, runs share an engine but not tables.
  const tables = {
    orders: `exactly-once-${run}-orders`,
    idempotency: `exactly-once-${run}-idempotency`,
  };
  const server = new ServerProcess({
    port: await freeLoopbackPort(),
    dbPath,
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
      else violations.push(`${describeRequest(request)}: never answered`);
    }
    return record.answers[0];
  };

  let sent = 0;
  let scenarios = 0;
  const killEvery =
    options.kills > 0 ? Math.ceil(options.requests / (options.kills + 1)) : Infinity;
  let nextKillAt = killEvery;
  /** An order, then the payments that try to pay it. */
  const scenario = async (index: number) => {
    const order = orderRequest(random, run, index);
    sent += 1;
    const created = await exchange(order);
    if (created?.status !== 201) {
      violations.push(
        `${describeRequest(order)}: answered ${created?.status ?? 'nothing'}, not 201`,
      );
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
  log(`server on ${server.url}, engine file ${dbPath}`);
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
          const described = describeRequest(record.request);
          if (!answer) violations.push(`${described}: final replay never answered`);
          else if (!answer.replayed)
            violations.push(`${described}: final replay not marked replayed`);
          else record.answers.push(answer);
        }
      }),
    );
  } finally {
    await server.stop();
  }

  const charges = verifyCharges(server.charges, exchanges);
  const state = await readStoredState(dbPath, tables);
  const stored = verifyStoredState(state, exchanges, charges.chargedByOrder);
  violations.push(...charges.violations, ...stored.violations, ...verifyAnswersAgree(exchanges));
  rmSync(workDir, { recursive: true, force: true });

  return {
    requests: exchanges.length,
    sends: stats.sends,
    retries: stats.retries,
    retryCauses: stats.retryCauses,
    duplicateSends,
    server: server.stats,
    database: {
      orders: state.orders.size,
      payments: state.payments.size,
      succeeded: stored.succeeded,
    },
    charged: [...charges.chargedByOrder.values()].reduce((sum, ids) => sum + ids.length, 0),
    outcomes: outcomesOf(exchanges),
    violations,
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
}

/** `items` dealt round robin into `parts` slices. */
function chunk<T>(items: readonly T[], parts: number): T[][] {
  const slices: T[][] = Array.from({ length: parts }, () => []);
  items.forEach((item, index) => slices[index % parts]?.push(item));
  return slices;
}
