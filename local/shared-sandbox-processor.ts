/**
 * One sandbox processor shared by several local servers, as every instance of a deployment
 * shares one real processor: whoever runs them (the exactly-once checker) serves a
 * {@link SandboxPaymentProcessor} over HTTP on loopback, and each server it starts with
 * `LOCAL_SANDBOX_PROCESSOR_URL` charges and looks charges up through it. Its ledger and its
 * clock belong to whoever serves it: a server killed mid-charge takes nothing of the processor's
 * records with it, and a charge made by one instance is found by another's lookup.
 *
 * A charge carries the time its sender sent it, by the sender's clock (`X-Sent-At`), and one that
 * reaches the processor over a minute later by its own clock is refused, as a network gives up
 * on a request long before: when the checker makes every clock jump a day, a charge decided just
 * before the jump must not arrive a day later, at a processor that has forgotten its key.
 *
 *   POST /charges              a ChargeRequest   → 200 ChargeResult
 *   GET  /charges/<paymentId>                    → 200 ChargeLookup
 */
import { createServer, type IncomingMessage } from 'node:http';
import {
  isSandboxPaymentMethod,
  type SandboxPaymentProcessor,
} from '../lambda/adapters/sandbox-payment-processor';
import type {
  ChargeLookup,
  ChargeRequest,
  ChargeResult,
  PaymentMethod,
  PaymentProcessor,
} from '../lambda/domain/payment-processor';
import type { Clock } from '../lambda/domain/ports';
import { closeServer, listenOnLoopback } from './loopback';

export interface SandboxProcessorService {
  /** Where the servers reach it: `LOCAL_SANDBOX_PROCESSOR_URL`. */
  readonly url: string;
  close(): Promise<void>;
}

const CHARGES = '/charges';
const SENT_AT = 'x-sent-at';
/** The longest a charge may take to reach the processor. */
export const MAX_TRANSIT_MS = 60_000;

/**
 * Serves `processor` on a free loopback port until closed.
 *
 * @param clock the processor's own clock, which judges how late a charge arrives
 */
export async function serveSandboxProcessor(
  processor: SandboxPaymentProcessor,
  clock: Clock = () => new Date(),
): Promise<SandboxProcessorService> {
  const server = createServer((request, response) => {
    answer(processor, clock, request).then(
      (result) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(result));
      },
      (error: Error) => {
        response.writeHead(error instanceof NotFound ? 404 : error instanceof TooLate ? 408 : 400, {
          'content-type': 'application/json',
        });
        response.end(JSON.stringify({ message: error.message }));
      },
    );
  });
  return { url: await listenOnLoopback(server), close: () => closeServer(server) };
}

class NotFound extends Error {}
class TooLate extends Error {}

async function answer(
  processor: SandboxPaymentProcessor,
  clock: Clock,
  request: IncomingMessage,
): Promise<ChargeResult | ChargeLookup> {
  const url = new URL(request.url ?? '/', 'http://processor');
  if (request.method === 'POST' && url.pathname === CHARGES) {
    const body = await bodyOf(request);
    const sentAt = Number(request.headers[SENT_AT]);
    if (!(clock().getTime() - sentAt <= MAX_TRANSIT_MS)) {
      throw new TooLate(`a charge sent at ${sentAt} arrived too late (or undated)`);
    }
    return processor.charge(JSON.parse(body) as ChargeRequest);
  }
  const paymentId = url.pathname.startsWith(`${CHARGES}/`)
    ? decodeURIComponent(url.pathname.slice(CHARGES.length + 1))
    : '';
  if (request.method === 'GET' && paymentId !== '') return processor.lookUpCharge(paymentId);
  throw new NotFound(`no ${request.method} ${url.pathname}`);
}

async function bodyOf(request: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of request) body += String(chunk);
  return body;
}

/** How long a call may take before the server treats the processor as unreachable. */
const CALL_TIMEOUT_MS = 10_000;

/**
 * The processor port over the shared sandbox at `url`. Which cards it takes is the sandbox's
 * fixed list, known without asking; a charge or a lookup that fails (unreachable, refused,
 * arrived too late) throws, as a real processor's client would.
 *
 * @param clock this instance's: each charge says when it was sent
 */
export class RemoteSandboxProcessor implements PaymentProcessor {
  constructor(
    private readonly url: string,
    private readonly clock: Clock = () => new Date(),
  ) {}

  acceptsPaymentMethod(method: PaymentMethod): boolean {
    return isSandboxPaymentMethod(method);
  }

  charge(request: ChargeRequest): Promise<ChargeResult> {
    return this.call<ChargeResult>(CHARGES, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [SENT_AT]: String(this.clock().getTime()),
      },
      body: JSON.stringify(request),
    });
  }

  lookUpCharge(paymentId: string): Promise<ChargeLookup> {
    return this.call<ChargeLookup>(`${CHARGES}/${encodeURIComponent(paymentId)}`, {
      method: 'GET',
    });
  }

  private async call<T>(path: string, init: RequestInit): Promise<T> {
    const response = await fetch(`${this.url}${path}`, {
      ...init,
      signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
    });
    const body = await response.text();
    if (!response.ok) {
      throw new Error(`sandbox processor answered ${response.status} to ${path}: ${body}`);
    }
    return JSON.parse(body) as T;
  }
}
