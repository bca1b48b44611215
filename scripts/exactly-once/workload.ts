/**
 * What the checker's clients send: orders, and payments of those orders, across several tenants,
 * some paying one order with several keys at once, some declined; and how a client retries a
 * request with the same key until it gets an answer the API stores.
 */
import { deriveResourceId } from '../../lambda/domain/ids';
import { isRetryableAnswer } from '../../lambda/http/problems';
import { localPrincipal } from '../../local/proxy-event';

/** One logical request: a POST with its own Idempotency-Key, retried until answered. */
export interface LogicalRequest {
  readonly tenant: string;
  readonly path: '/orders' | '/payments';
  readonly idempotencyKey: string;
  readonly body: unknown;
  /** The id the API derives for the resource this key may create. */
  readonly resourceId: string;
}

/** An answer a client stops at: anything the problem catalogue does not call retryable. */
export interface Answer {
  readonly status: number;
  readonly body: string;
  readonly contentType: string;
  readonly location: string | undefined;
  readonly replayed: boolean;
}

/** Answers one logical request got: from every client that sent it, and from the final replay. */
export interface Exchange {
  readonly request: LogicalRequest;
  /** The answers of the clients that sent it, then of the final replay. */
  readonly answers: Answer[];
  /** How many of `answers` the sending clients got (the rest: the final replay). */
  initialAnswers?: number;
  /**
   * How many times a client was answered 409 `order_under_reconciliation`: kept out of
   * `answers`, as the API does not store it. The client sends again once the operator settled
   * the order.
   */
  underReconciliation?: number;
  /**
   * Why its first execution's answer may never have reached a client: a fault struck it, a
   * server died while it was in flight, a client gave up waiting. Then a first answer may be
   * a replay of what the execution stored.
   */
  disturbed?: string;
}

/** A logical request in a violation line: its route, tenant and key. */
export const describeRequest = (request: LogicalRequest) =>
  `${request.path} ${request.tenant}/${request.idempotencyKey}`;

export interface ClientStats {
  /** HTTP requests sent, retries included. */
  sends: number;
  /** Sends that were retries of a logical request. */
  retries: number;
  /** Why retries happened, by cause. */
  retryCauses: Record<string, number>;
}

const TENANTS = ['acme', 'globex', 'initech', 'umbrella'];
const CURRENCIES = ['usd', 'eur', 'gbp'];

export function orderRequest(random: () => number, run: string, index: number): LogicalRequest {
  const tenant = TENANTS[Math.floor(random() * TENANTS.length)] ?? 'acme';
  const idempotencyKey = `${run}-order-${index}`;
  const items = Array.from({ length: 1 + Math.floor(random() * 3) }, (_, item) => ({
    sku: `SKU-${item}`,
    quantity: 1 + Math.floor(random() * 3),
    unitAmount: 100 + Math.floor(random() * 10_000),
  }));
  return {
    tenant,
    path: '/orders',
    idempotencyKey,
    body: {
      customerId: `cus_${index}`,
      currency: CURRENCIES[Math.floor(random() * CURRENCIES.length)] ?? 'usd',
      items,
    },
    resourceId: deriveResourceId('ord', localPrincipal(tenant), 'POST /orders', idempotencyKey),
  };
}

type PayableOrder = { tenant: string; id: string; amount: number; currency: string };

/** A payment of the whole `order` with `token`, under `idempotencyKey`. */
function paymentRequest(
  order: PayableOrder,
  idempotencyKey: string,
  token: string,
): LogicalRequest {
  return {
    tenant: order.tenant,
    path: '/payments',
    idempotencyKey,
    body: {
      orderId: order.id,
      amount: order.amount,
      currency: order.currency,
      paymentMethod: { type: 'card', token },
    },
    resourceId: deriveResourceId(
      'pay',
      localPrincipal(order.tenant),
      'POST /payments',
      idempotencyKey,
    ),
  };
}

/** Several keys trying to pay one order: mostly good cards, some declined. */
export function paymentRequests(
  random: () => number,
  order: PayableOrder,
  run: string,
  index: number,
): LogicalRequest[] {
  const draw = random();
  const count = draw < 0.55 ? 1 : draw < 0.85 ? 2 : 3;
  return Array.from({ length: count }, (_, attempt) => {
    const token =
      random() < 0.7 ? 'tok_visa' : random() < 0.5 ? 'tok_chargeDeclined' : 'tok_insufficientFunds';
    return paymentRequest(order, `${run}-payment-${index}-${attempt}`, token);
  });
}

/**
 * Two keys paying one order (issue 12, hole 2): `dying`, whose first send dies after its charge,
 * and `other`, which arrives with `dying`'s retry once its lease expired. Both good cards.
 */
export function racingPaymentRequests(
  order: PayableOrder,
  run: string,
  index: number,
): [dying: LogicalRequest, other: LogicalRequest] {
  return [
    paymentRequest(order, `${run}-race-${index}-dying`, 'tok_visa'),
    paymentRequest(order, `${run}-race-${index}-other`, 'tok_visa'),
  ];
}

const CLIENT_TIMEOUT_MS = 20_000;
const GIVE_UP_AFTER_MS = 180_000;

/** What sends one HTTP request; the server URL and restarts are its business. */
export type Send = (request: LogicalRequest) => Promise<Response>;

/**
 * Sends `request` until the API answers with something it stores, retrying with the same key on
 * timeouts, connection errors and the answers the problem catalogue calls retryable (409
 * `idempotency_key_in_use` / `payment_in_progress`, 5xx), as a well-behaved client does.
 *
 * @returns the answer, or `undefined` when the request never got one
 */
export async function sendUntilAnswered(
  send: Send,
  request: LogicalRequest,
  stats: ClientStats,
  random: () => number,
): Promise<Answer | undefined> {
  const deadline = Date.now() + GIVE_UP_AFTER_MS;
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    stats.sends += 1;
    if (attempt > 0) stats.retries += 1;
    let cause: string;
    let retryAfterMs = 0;
    try {
      const response = await send(request);
      const body = await response.text();
      if (!isRetryableAnswer(response.status, codeOf(body))) {
        return {
          status: response.status,
          body,
          contentType: response.headers.get('content-type') ?? '',
          location: response.headers.get('location') ?? undefined,
          replayed: response.headers.get('idempotent-replayed') === 'true',
        };
      }
      cause = response.status >= 500 ? String(response.status) : codeOf(body);
      retryAfterMs = Number(response.headers.get('retry-after') ?? 0) * 1000;
    } catch (error) {
      cause = (error as Error).name === 'TimeoutError' ? 'client timeout' : 'connection error';
    }
    stats.retryCauses[cause] = (stats.retryCauses[cause] ?? 0) + 1;
    // Full jitter, capped; never sooner than Retry-After asks.
    const backoff = random() * Math.min(1_000, 50 * 2 ** attempt);
    await new Promise((resolve) => setTimeout(resolve, Math.max(retryAfterMs, backoff)));
  }
  return undefined;
}

/** The answer to a payment of an order flagged for reconciliation, which no retry changes. */
export const isUnderReconciliation = (answer: Answer) =>
  answer.status === 409 && codeOf(answer.body) === 'order_under_reconciliation';

function codeOf(body: string): string {
  try {
    return String((JSON.parse(body) as { code?: unknown }).code);
  } catch {
    return 'unparseable';
  }
}

export const clientTimeout = () => AbortSignal.timeout(CLIENT_TIMEOUT_MS);
