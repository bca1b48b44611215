import type {
  ChargeRequest,
  ChargeResult,
  PaymentMethod,
  PaymentProcessor,
} from '../domain/payment-processor';

const sandboxOutcomes: Readonly<Record<string, ChargeResult>> = {
  tok_visa: { outcome: 'succeeded' },
  tok_mastercard: { outcome: 'succeeded' },
  tok_chargeDeclined: { outcome: 'declined', declineCode: 'card_declined' },
  tok_insufficientFunds: { outcome: 'declined', declineCode: 'insufficient_funds' },
};

/**
 * The contract's deterministic sandbox: the outcome depends on the card token, and the first
 * outcome for an idempotency key is what every later charge with that key gets back, as a real
 * card processor does. Only first charges move (sandbox) money.
 *
 * A real processor keeps its idempotency records server-side, durably; this sandbox keeps them
 * in this process, which is enough for one local server or test run.
 */
export class SandboxPaymentProcessor implements PaymentProcessor {
  private readonly outcomeByKey = new Map<string, ChargeResult>();

  /** @param latencyMs simulated processor round trip, to make races observable locally */
  constructor(private readonly latencyMs = 0) {}

  acceptsPaymentMethod(method: PaymentMethod): boolean {
    return method.type === 'card' && Object.hasOwn(sandboxOutcomes, method.token);
  }

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    const first = this.outcomeByKey.get(request.idempotencyKey);
    if (first) return first;
    const outcome = sandboxOutcomes[request.paymentMethod.token];
    if (!outcome) throw new Error(`Sandbox cannot charge token ${request.paymentMethod.token}`);
    this.outcomeByKey.set(request.idempotencyKey, outcome);
    return outcome;
  }
}
