/**
 * The exactly-once checker: drives local servers with many logical requests from concurrent
 * clients while faults strike at random steps, servers are SIGKILLed and restarted, and the
 * workload families of issue 12 (`./options.ts`) do their worst; then verifies, from the
 * database, from what the processors charged and from what the clients were told, that no key
 * made two resources, no order was paid or captured twice, every answer holds, and nothing is
 * stuck in progress.
 *
 * The servers share one DynamoDB engine and one sandbox processor, both run by the checker
 * (DynamoDB and a card processor outlive a Lambda instance): a SIGKILL takes a server down, not
 * the data or the processor's records. The processor's clock jumps with everyone's, so that it
 * forgets keys after its retention as a real one does. At the end, with no attempt running, the
 * abandoned attempts are swept and the orders flagged for reconciliation settled as an operator
 * would; the requests that a flagged order stopped are sent again.
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  SandboxPaymentProcessor,
  type SandboxLedger,
} from '../../lambda/adapters/sandbox-payment-processor';
import { parseConfig } from '../../lambda/app/config';
import { createOrdersStore } from '../../lambda/app/dependencies';
import { PAYMENT_LEASE_SECONDS } from '../../lambda/domain/payment';
import {
  adminClient,
  createTables,
  freeLoopbackPort,
  startDynamoDbEngine,
} from '../../local/dynamodb-engine';
import { CRASH_HEADER } from '../../local/faults/fault-injector';
import { seededRandom } from '../../local/seeded-random';
import { serveSandboxProcessor } from '../../local/shared-sandbox-processor';
import {
  startDynamoDbFaultProxy,
  type DynamoDbFaultProxy,
} from '../../test/integration/support/dynamodb-fault-proxy';
import type { CheckOptions } from './options';
import { outcomesOf, type CheckReport } from './report';
import { reconcileFlaggedOrders, type Reconciliation } from './reconciliation';
import { noServerStats, ServerProcess, type ServerStats } from './server-process';
import { readStoredState } from './stored-state';
import {
  verifyAnswersAgree,
  verifyCharges,
  verifyFirstAnswers,
  verifyFlags,
  verifyReconciliationAnswers,
  verifyStoredState,
} from './verify';
import {
  clientTimeout,
  describeRequest,
  isUnderReconciliation,
  orderRequest,
  paymentRequests,
  racingPaymentRequests,
  sendUntilAnswered,
  type Answer,
  type ClientStats,
  type Exchange,
  type LogicalRequest,
} from './workload';

/** The margin the servers allow for clock skew (their default), and the skews they get. */
const CLOCK_SKEW_MARGIN_MS = 5_000;
/** Three instances whose clocks are at most 4 s apart: within the margin. */
const INSTANCE_SKEWS_MS = [0, 2_000, -2_000];
/** Past an order's lease and the skew margin: what a pause or a jump past the lease takes. */
const PAST_THE_LEASE_MS = PAYMENT_LEASE_SECONDS * 1000 + CLOCK_SKEW_MARGIN_MS + 1_000;
/** Past the processor's key retention (24 h). */
const PAST_THE_RETENTION_MS = 25 * 60 * 60 * 1000;
/** With clock jumps, records must outlive them: a replay window of 400 days. */
const LONG_REPLAY_WINDOW_SECONDS = 400 * 24 * 60 * 60;
/** Chance that a write's reply is lost (the SDK then sends it again). */
const LOST_REPLY_RATE = 0.02;
/** Share of scenarios in which a payment dies after its charge and two payers race. */
const RACING_SHARE = 0.03;
/** Share of those races that come after the processor's key retention, with that family on. */
const LATE_RACING_SHARE = 1 / 3;
/** How often each server's sweeper runs, with the sweeper family on. */
const SWEEP_INTERVAL_SECONDS = 2;
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'TransactWriteItems']);
const DISTURBING_CAUSES = (cause: string) =>
  cause === 'client timeout' || cause === 'connection error' || /^5\d\d$/.test(cause);

export async function runExactlyOnceCheck(options: CheckOptions): Promise<CheckReport> {
  // The engine is opened from here too; Node 20 only triggers an SDK notice.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { families } = options;
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

  const engine = await startDynamoDbEngine({ dbPath });
  const admin = adminClient(engine.endpoint);
  await createTables(admin, tables).finally(() => admin.destroy());
  let proxy: DynamoDbFaultProxy | undefined;
  let lostReplies = 0;
  if (families['lost-replies']) {
    proxy = await startDynamoDbFaultProxy(engine.endpoint, { recordCalls: false });
    const lose = seededRandom(options.seed + 1);
    proxy.setOutage((call) => {
      if (!WRITES.has(call.operation) || lose() >= LOST_REPLY_RATE) return undefined;
      lostReplies += 1;
      return 'lose-reply';
    });
  }

  // Every clock's jumps so far, read by every server (`local/faults/simulated-clock.ts`).
  const jumpsFile = path.join(workDir, 'clock-jumps');
  let jumpedMs = 0;
  const jump = (ms: number) => {
    jumpedMs += ms;
    writeFileSync(`${jumpsFile}.next`, String(jumpedMs));
    renameSync(`${jumpsFile}.next`, jumpsFile);
  };
  jump(0);
  /** The time of a clock without skew: the processor's, the operator's. */
  const simulatedClock = () => new Date(Date.now() + jumpedMs);

  // The one processor of the run, on the simulated time: it forgets a key 24 h after its charge.
  const ledger: SandboxLedger = new Map();
  const processor = new SandboxPaymentProcessor({ ledger, clock: simulatedClock });
  const processorService = await serveSandboxProcessor(processor, simulatedClock);

  const skews = families['skewed-clocks'] ? INSTANCE_SKEWS_MS : [0];
  const servers: ServerProcess[] = [];
  for (const [index, skewMs] of skews.entries()) {
    servers.push(
      new ServerProcess({
        port: await freeLoopbackPort(),
        endpoint: proxy?.endpoint ?? engine.endpoint,
        tempRoot: workDir,
        tables,
        faults: {
          seed: options.seed + 1000 * index,
          rate: options.faultRate,
          weights: { fail: 5, delay: 4, crash: 1, pause: families.pauses ? 0.5 : 0 },
          delayMs: 200,
          pauseMs: PAST_THE_LEASE_MS,
          crash: 'kill',
        },
        env: {
          LOCAL_SANDBOX_PROCESSOR_URL: processorService.url,
          LOCAL_SWEEP_INTERVAL_SECONDS: families.sweeper ? String(SWEEP_INTERVAL_SECONDS) : '0',
          CLOCK_SKEW_MARGIN_MS: String(CLOCK_SKEW_MARGIN_MS),
          LOCAL_CLOCK_SKEW_MS: String(skewMs),
          LOCAL_CLOCK_JUMPS_FILE: jumpsFile,
          ...(families['key-retention'] && {
            IDEMPOTENCY_TTL_SECONDS: String(LONG_REPLAY_WINDOW_SECONDS),
          }),
        },
      }),
    );
  }
  const serverStarts = () => servers.reduce((sum, server) => sum + server.stats.starts, 0);

  const stats: ClientStats = { sends: 0, retries: 0, retryCauses: {} };
  const exchanges: Exchange[] = [];
  const violations: string[] = [];
  let duplicateSends = 0;
  let races = 0;
  let lateRaces = 0;

  const send = async (request: LogicalRequest, headers: Record<string, string> = {}) => {
    const server = servers[Math.floor(random() * servers.length)] ?? servers[0];
    if (!server) throw new Error('no server');
    await server.whenReady().catch(() => {});
    return fetch(`${server.url}${request.path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': request.idempotencyKey,
        'x-tenant-id': request.tenant,
        ...headers,
      },
      body: JSON.stringify(request.body),
      signal: clientTimeout(),
    });
  };

  /**
   * Sends a logical request, sometimes from two clients at once, and keeps every answer.
   * `disturbed` says when its first execution is known to have been cut short.
   */
  const exchange = async (
    request: LogicalRequest,
    options: { senders?: number; disturbed?: string } = {},
  ): Promise<Answer | undefined> => {
    const record: Exchange = { request, answers: [], disturbed: options.disturbed };
    exchanges.push(record);
    const senders = options.senders ?? (random() < 0.15 ? 2 : 1);
    if (senders === 2) duplicateSends += 1;
    const own: ClientStats = { sends: 0, retries: 0, retryCauses: {} };
    const startsBefore = serverStarts();
    const answers = await Promise.all(
      Array.from({ length: senders }, () => sendUntilAnswered(send, request, own, random)),
    );
    mergeStats(stats, own);
    for (const answer of answers) {
      if (!answer) violations.push(`${describeRequest(request)}: never answered`);
      else if (isUnderReconciliation(answer))
        record.underReconciliation = (record.underReconciliation ?? 0) + 1;
      else record.answers.push(answer);
    }
    record.initialAnswers = record.answers.length;
    const cause = Object.keys(own.retryCauses).find(DISTURBING_CAUSES);
    if (cause) record.disturbed ??= `a send ended in ${cause}`;
    if (serverStarts() !== startsBefore) record.disturbed ??= 'a server restarted meanwhile';
    return record.answers[0];
  };

  let sent = 0;
  let scenarios = 0;
  const every = (count: number) =>
    count > 0 ? Math.ceil(options.requests / (count + 1)) : Infinity;
  const killEvery = every(options.kills);
  let nextKillAt = killEvery;
  // A few jumps of every clock: past the lease, and past the processor's key retention.
  const jumps = [
    ...(families.pauses ? [PAST_THE_LEASE_MS, PAST_THE_LEASE_MS, PAST_THE_LEASE_MS] : []),
    ...(families['key-retention']
      ? [PAST_THE_RETENTION_MS, PAST_THE_RETENTION_MS, PAST_THE_RETENTION_MS]
      : []),
  ].sort(() => random() - 0.5);
  const jumpEvery = every(jumps.length);
  let nextJumpAt = jumpEvery;

  /** Resolves once the processor charged `paymentId` (or after 10 s, if it does not). */
  const charged = async (paymentId: string) => {
    const deadline = Date.now() + 10_000;
    while (!ledger.has(paymentId) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

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
    const payable = { tenant: order.tenant, id, amount, currency };
    if (families['racing-payers'] && random() < RACING_SHARE) {
      // Issue 12, hole 2: X dies after its charge; once its lease expired, X's retry and
      // another key Y arrive together. With key retention, a third of them come a day later,
      // when the processor has forgotten X's key (hole 1).
      const late = families['key-retention'] && random() < LATE_RACING_SHARE;
      races += 1;
      if (late) lateRaces += 1;
      const [dying, other] = racingPaymentRequests(payable, run, index);
      sent += 2;
      // It never answers: the client gives up on it, and comes back once the lease expired.
      void send(dying, { [CRASH_HEADER]: 'after-charge' }).then(
        (response) => response.body?.cancel(),
        () => {},
      );
      await charged(dying.resourceId);
      // Its lease expires: every clock jumps past it (a pause of the whole world), or a day.
      jump(late ? PAST_THE_RETENTION_MS : PAST_THE_LEASE_MS);
      await Promise.all([
        exchange(dying, { senders: 1, disturbed: 'it died after its charge, on purpose' }),
        exchange(other, { senders: 1 }),
      ]);
      return;
    }
    const payments = paymentRequests(random, payable, run, index);
    sent += payments.length;
    await Promise.all(payments.map((payment) => exchange(payment)));
  };

  /**
   * With no attempt running, the last sweep and the operator settle every abandoned attempt and
   * flagged order, from the processor's ledger; then the requests that a flagged order stopped
   * are sent again.
   */
  const reconcile = async (): Promise<Reconciliation> => {
    const operatorsClient = adminClient(engine.endpoint);
    const reconciliation = await reconcileFlaggedOrders({
      store: createOrdersStore(parseConfig({ ORDERS_TABLE_NAME: tables.orders }), operatorsClient),
      processor,
      clock: simulatedClock,
      clockSkewMarginMs: CLOCK_SKEW_MARGIN_MS,
      stopAttempts: async () => {
        log('every server restarts and every clock jumps past the lease: no attempt runs');
        await Promise.all(servers.map((server) => server.kill('restart')));
        await Promise.all(servers.map((server) => server.whenReady()));
        jump(PAST_THE_LEASE_MS);
      },
    }).finally(() => operatorsClient.destroy());
    // Flagged by a server (a flag its attempt may have cleared by recording itself since) or
    // found by the operator.
    const flaggedAttempts = new Set(
      [...servers.flatMap((server) => server.flags), ...reconciliation.flags].map(
        ({ paymentId }) => paymentId,
      ),
    );
    const stopped = exchanges.filter(
      (record) => record.underReconciliation && record.answers.length === 0,
    );
    log(
      `${reconciliation.flags.length} orders reconciled ${JSON.stringify(reconciliation.findings)}; ` +
        `sending the ${stopped.length} requests they stopped again`,
    );
    await Promise.all(
      stopped.map(async (record) => {
        // A flagged attempt's own key finds the payment recorded meanwhile: a replay.
        if (flaggedAttempts.has(record.request.resourceId)) {
          record.disturbed ??= 'its attempt was flagged for reconciliation, then settled';
        }
        const answer = await sendUntilAnswered(send, record.request, stats, random);
        const described = describeRequest(record.request);
        if (!answer) violations.push(`${described}: never answered once its order was settled`);
        else if (isUnderReconciliation(answer))
          violations.push(`${described}: still under reconciliation once its order was settled`);
        else record.answers.push(answer);
        record.initialAnswers = record.answers.length;
      }),
    );
    return reconciliation;
  };

  let reconciliation: Reconciliation = { flags: [], findings: {} };
  await Promise.all(servers.map((server) => server.start()));
  log(
    `${servers.length} server(s) on ${servers.map((server) => server.url).join(', ')}; ` +
      `engine ${engine.endpoint}${proxy ? ` behind ${proxy.endpoint}` : ''}`,
  );
  try {
    const workers = Array.from({ length: options.concurrency }, async () => {
      while (sent < options.requests) {
        if (sent >= nextKillAt) {
          nextKillAt += killEvery;
          const victim = servers[Math.floor(random() * servers.length)];
          log(`SIGKILL after ${sent} requests`);
          void victim?.kill();
        }
        const ms = sent >= nextJumpAt ? jumps.shift() : undefined;
        if (ms !== undefined) {
          nextJumpAt += jumpEvery;
          log(`every clock jumps ${ms} ms after ${sent} requests`);
          jump(ms);
        }
        await scenario(scenarios++);
      }
    });
    await Promise.all(workers);
    log(`${sent} requests answered; reconciling the flagged orders`);
    reconciliation = await reconcile();
    log('replaying every key once more');
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
    await Promise.all(servers.map((server) => server.stop()));
    await proxy?.close();
    await processorService.close();
  }

  // A fault that struck a request may have cut its first execution short.
  const struck = new Map(
    servers.flatMap((server) => server.faults).map((fault) => [fault.idempotencyKey, fault]),
  );
  for (const record of exchanges) {
    const fault = struck.get(record.request.idempotencyKey);
    if (fault) record.disturbed ??= `${fault.fault} at ${fault.step}`;
  }
  const charges = verifyCharges(ledger, exchanges);
  const flags = [...servers.flatMap((server) => server.flags), ...reconciliation.flags];

  const state = await readStoredState(engine.endpoint, tables).finally(() => engine.stop());
  const stored = verifyStoredState(state, exchanges, charges.chargedByOrder);
  violations.push(
    ...charges.violations,
    ...stored.violations,
    ...verifyAnswersAgree(exchanges),
    ...verifyFirstAnswers(exchanges),
    ...verifyFlags(flags, ledger, CLOCK_SKEW_MARGIN_MS),
    ...verifyReconciliationAnswers(exchanges, new Set(flags.map(({ orderId }) => orderId))),
  );
  rmSync(workDir, { recursive: true, force: true });

  return {
    requests: exchanges.length,
    sends: stats.sends,
    retries: stats.retries,
    retryCauses: stats.retryCauses,
    duplicateSends,
    server: totalStats(servers),
    families: {
      enabled: Object.entries(families)
        .filter(([, on]) => on)
        .map(([family]) => family),
      instances: servers.length,
      lostReplies,
      pauses: servers
        .flatMap((server) => server.faults)
        .filter((fault) => fault.fault === 'delay' && fault.ms === PAST_THE_LEASE_MS).length,
      races,
      lateRaces,
      clockJumpedMs: jumpedMs,
    },
    reconciliation: {
      flags: new Set(flags.map(({ orderId, paymentId }) => `${orderId}/${paymentId}`)).size,
      orders: reconciliation.flags.length,
      findings: reconciliation.findings,
      answers: exchanges.reduce((sum, record) => sum + (record.underReconciliation ?? 0), 0),
    },
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

function mergeStats(into: ClientStats, from: ClientStats): void {
  into.sends += from.sends;
  into.retries += from.retries;
  for (const [cause, count] of Object.entries(from.retryCauses)) {
    into.retryCauses[cause] = (into.retryCauses[cause] ?? 0) + count;
  }
}

function totalStats(servers: readonly ServerProcess[]): ServerStats {
  const total = noServerStats();
  for (const { stats } of servers) {
    for (const name of Object.keys(total) as (keyof ServerStats)[]) total[name] += stats[name];
  }
  return total;
}

/** `items` dealt round robin into `parts` slices. */
function chunk<T>(items: readonly T[], parts: number): T[][] {
  const slices: T[][] = Array.from({ length: parts }, () => []);
  items.forEach((item, index) => slices[index % parts]?.push(item));
  return slices;
}
