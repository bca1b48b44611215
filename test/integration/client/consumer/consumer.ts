// Uses the client as its README shows. package.test.ts copies it into a project that installed
// the packed package, as consumer.mts (ES module) and consumer.cts (CommonJS), and type-checks it.
import {
  ApiError,
  createPaymentsClient,
  PaymentDeclinedError,
  type CreateOrderRequest,
  type Order,
  type Payment,
} from 'idempotent-payments-api/client';

export async function checkout(baseUrl: string): Promise<Payment | undefined> {
  const payments = createPaymentsClient({
    baseUrl,
    auth: { type: 'sigv4', region: 'eu-west-1' },
    onEvent: (event) => {
      if (event.type === 'retry') console.log(event.attempt, event.delayMs, event.reason);
    },
  });
  const request: CreateOrderRequest = {
    customerId: 'cus_1',
    currency: 'usd',
    items: [{ sku: 'SKU-1', quantity: 2, unitAmount: 1250 }],
  };
  const order: Order = await payments.createOrder(request, { idempotencyKey: 'checkout-1' });
  const status: 'PENDING' | 'PAID' = order.status;
  // A PAID order always names its payment, and only a PAID one does.
  const paidBy: string | undefined = order.status === 'PAID' ? order.paymentId : undefined;
  // @ts-expect-error a PENDING order has no paymentId
  if (order.status === 'PENDING') console.log(order.paymentId);
  console.log(status, paidBy);
  try {
    return await payments.createPayment({
      orderId: order.id,
      amount: order.amount,
      currency: order.currency,
      paymentMethod: { type: 'card', token: 'tok_visa' },
    });
  } catch (error) {
    if (error instanceof PaymentDeclinedError) {
      // A declined payment always carries its decline code.
      const declineCode: 'card_declined' | 'insufficient_funds' = error.payment.declineCode;
      console.log(declineCode);
    } else if (error instanceof ApiError) console.log(error.code, error.replayed, error.attempts);
    return undefined;
  }
}

export function typesAreNotAny(baseUrl: string) {
  const payments = createPaymentsClient({ baseUrl });
  // @ts-expect-error customerId is a string in the handler's schema
  void payments.createOrder({ customerId: 1, currency: 'usd', items: [] });
  void payments.createPayment({
    orderId: 'o',
    amount: 1,
    currency: 'USD',
    // @ts-expect-error only card payments exist
    paymentMethod: { type: 'cash', token: 't' },
  });
  return payments.getOrder('ord_1').then((order) => {
    // @ts-expect-error an order has no `total`
    return order.total;
  });
}
