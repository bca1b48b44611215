/**
 * The one sandbox processor that every server of a checker run charges through
 * (`local/shared-sandbox-processor.ts`): what one instance charged, another finds, and the
 * processor's own clock decides when a key is forgotten, over real HTTP.
 */
import {
  SandboxPaymentProcessor,
  type SandboxLedger,
} from '../../lambda/adapters/sandbox-payment-processor';
import type { ChargeRequest } from '../../lambda/domain/payment-processor';
import {
  MAX_TRANSIT_MS,
  RemoteSandboxProcessor,
  serveSandboxProcessor,
  type SandboxProcessorService,
} from '../../local/shared-sandbox-processor';

const HOUR = 60 * 60 * 1000;

let service: SandboxProcessorService;
let ledger: SandboxLedger;
let now: number;
beforeEach(async () => {
  ledger = new Map();
  now = Date.parse('2026-12-01T00:00:00Z');
  const clock = () => new Date(now);
  service = await serveSandboxProcessor(new SandboxPaymentProcessor({ ledger, clock }), clock);
});
afterEach(() => service.close());

const aCharge = (idempotencyKey: string, token = 'tok_visa'): ChargeRequest => ({
  idempotencyKey,
  amount: 2500,
  currency: 'USD',
  paymentMethod: { type: 'card', token },
});

it('charges a key once, whichever instance repeats it, and lets every instance look it up', async () => {
  const [one, other] = [
    new RemoteSandboxProcessor(service.url),
    new RemoteSandboxProcessor(service.url),
  ];

  await expect(one.charge(aCharge('pay_1'))).resolves.toEqual({ outcome: 'succeeded' });
  await expect(other.charge(aCharge('pay_1'))).resolves.toEqual({ outcome: 'succeeded' });

  expect(ledger.get('pay_1')).toHaveLength(1);
  await expect(other.lookUpCharge('pay_1')).resolves.toEqual({ outcome: 'captured' });
  await expect(other.lookUpCharge('pay_never')).resolves.toEqual({ outcome: 'unknown' });
});

it('answers a declined card with its code, and looks the decline up', async () => {
  const processor = new RemoteSandboxProcessor(service.url);

  await expect(processor.charge(aCharge('pay_2', 'tok_insufficientFunds'))).resolves.toEqual({
    outcome: 'declined',
    declineCode: 'insufficient_funds',
  });
  await expect(processor.lookUpCharge('pay_2')).resolves.toEqual({
    outcome: 'declined',
    declineCode: 'insufficient_funds',
  });
});

it("forgets a key after its retention by the processor's clock: the key is charged anew", async () => {
  const processor = new RemoteSandboxProcessor(service.url);
  await processor.charge(aCharge('pay_3'));

  now += 25 * HOUR;
  await processor.charge(aCharge('pay_3'));

  expect(ledger.get('pay_3')?.map((charge) => charge.at)).toEqual([now - 25 * HOUR, now]);
});

it("refuses a charge that arrives over a minute after it was sent by its sender's clock: it charges nothing", async () => {
  const sentBefore = (ms: number) =>
    new RemoteSandboxProcessor(service.url, () => new Date(now - ms));

  await expect(sentBefore(MAX_TRANSIT_MS + 1).charge(aCharge('pay_6'))).rejects.toThrow(
    /sandbox processor answered 408 .*arrived too late/,
  );
  await expect(sentBefore(MAX_TRANSIT_MS).charge(aCharge('pay_7'))).resolves.toEqual({
    outcome: 'succeeded',
  });

  expect([...ledger.keys()]).toEqual(['pay_7']);
});

it('takes the sandbox cards without asking, and throws when the processor refuses a charge', async () => {
  const processor = new RemoteSandboxProcessor(service.url);

  expect(processor.acceptsPaymentMethod({ type: 'card', token: 'tok_visa' })).toBe(true);
  expect(processor.acceptsPaymentMethod({ type: 'card', token: 'tok_unknown' })).toBe(false);
  await expect(processor.charge(aCharge('pay_4', 'tok_unknown'))).rejects.toThrow(
    /sandbox processor answered 400 .*cannot charge token tok_unknown/,
  );
});

it('throws when the processor is unreachable', async () => {
  const processor = new RemoteSandboxProcessor(service.url);
  await service.close();

  await expect(processor.lookUpCharge('pay_5')).rejects.toThrow();
  service = await serveSandboxProcessor(new SandboxPaymentProcessor());
});
