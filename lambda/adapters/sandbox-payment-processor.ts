import {
  PROCESSOR_KEY_RETENTION_MS,
  type ChargeLookup,
  type ChargeRequest,
  type ChargeResult,
  type PaymentMethod,
  type PaymentProcessor,
} from '../domain/payment-processor';

const sandboxOutcomes: Readonly<Record<string, ChargeResult>> = {
  tok_visa: { outcome: 'succeeded' },
  tok_mastercard: { outcome: 'succeeded' },
  tok_chargeDeclined: { outcome: 'declined', declineCode: 'card_declined' },
  tok_insufficientFunds: { outcome: 'declined', declineCode: 'insufficient_funds' },
};

/** Whether the sandbox can charge `method`: a card with one of its test tokens. */
export function isSandboxPaymentMethod(method: PaymentMethod): boolean {
  return method.type === 'card' && Object.hasOwn(sandboxOutcomes, method.token);
}

/** One charge the sandbox made: what it answered, and when (by its clock, epoch ms). */
export interface SandboxCharge {
  readonly idempotencyKey: string;
  readonly outcome: ChargeResult;
  readonly at: number;
}

/** The sandbox's record of the charges it made, by idempotency key, oldest first. */
export type SandboxLedger = Map<string, SandboxCharge[]>;

/**
 * The ledger every sandbox of this process shares unless given its own: one processor, as a real
 * one is one service for all its clients, although the local server loads each function's
 * bundle (and the sweeper's) as a module of its own. Each Lambda container has its own.
 */
export function processWideSandboxLedger(): SandboxLedger {
  const slot = Symbol.for('payments-api.sandbox-ledger');
  const global = globalThis as { [slot]?: SandboxLedger };
  return (global[slot] ??= new Map<string, SandboxCharge[]>());
}

export interface SandboxOptions {
  /** Simulated processor round trip, to make races observable locally. @default 0 */
  readonly latencyMs?: number;
  /**
   * How long an idempotency key is honoured after its first charge: the same key charged
   * later is charged again, as a real processor that pruned the key would.
   *
   * @default PROCESSOR_KEY_RETENTION_MS (24 hours)
   */
  readonly keyRetentionMs?: number;
  /** The processor's clock, which ages the keys. @default the system clock */
  readonly clock?: () => Date;
  /**
   * Told of every charge actually made (not of a key repeated within its retention), before it
   * is answered: the sandbox's webhook, as a real processor notifies `charge.succeeded`.
   */
  readonly onCharge?: (request: ChargeRequest, charge: SandboxCharge) => void;
  /** Where the charges are kept. @default a ledger of this processor's own */
  readonly ledger?: SandboxLedger;
}

/**
 * The contract's deterministic sandbox: the outcome depends on the card token, and within
 * the key retention the first outcome for an idempotency key is what every later charge with
 * that key gets back, as a real card processor does. After the retention, the key is a new
 * charge. Only charges actually made move (sandbox) money; `onCharge` is told of each.
 *
 * A real processor keeps its records server-side, durably; this sandbox keeps them in this
 * process, which is enough for one local server or test run. Several servers share one through
 * `local/shared-sandbox-processor.ts`.
 */
export class SandboxPaymentProcessor implements PaymentProcessor {
  /** Every charge made, by idempotency key, oldest first. */
  private readonly chargesByKey: SandboxLedger;
  private readonly latencyMs: number;
  private readonly keyRetentionMs: number;
  private readonly clock: () => Date;
  private readonly onCharge: SandboxOptions['onCharge'];

  constructor(options: SandboxOptions = {}) {
    this.latencyMs = options.latencyMs ?? 0;
    this.keyRetentionMs = options.keyRetentionMs ?? PROCESSOR_KEY_RETENTION_MS;
    this.clock = options.clock ?? (() => new Date());
    this.onCharge = options.onCharge;
    this.chargesByKey = options.ledger ?? new Map<string, SandboxCharge[]>();
  }

  acceptsPaymentMethod(method: PaymentMethod): boolean {
    return isSandboxPaymentMethod(method);
  }

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    const now = this.clock().getTime();
    const latest = this.chargesByKey.get(request.idempotencyKey)?.at(-1);
    if (latest && now - latest.at < this.keyRetentionMs) return latest.outcome;
    const outcome = sandboxOutcomes[request.paymentMethod.token];
    if (!outcome) throw new Error(`Sandbox cannot charge token ${request.paymentMethod.token}`);
    const charge: SandboxCharge = { idempotencyKey: request.idempotencyKey, outcome, at: now };
    this.remember(charge);
    this.onCharge?.(request, charge);
    return outcome;
  }

  async lookUpCharge(paymentId: string): Promise<ChargeLookup> {
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    const charges = this.chargesByKey.get(paymentId) ?? [];
    // A captured charge is what matters, whichever charge under the key captured.
    if (charges.some((charge) => charge.outcome.outcome === 'succeeded')) {
      return { outcome: 'captured' };
    }
    const declined = charges[0]?.outcome;
    return declined?.outcome === 'declined'
      ? { outcome: 'declined', declineCode: declined.declineCode }
      : { outcome: 'unknown' };
  }

  private remember(charge: SandboxCharge): void {
    const charges = this.chargesByKey.get(charge.idempotencyKey);
    if (charges) charges.push(charge);
    else this.chargesByKey.set(charge.idempotencyKey, [charge]);
  }
}
