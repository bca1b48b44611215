// Uses the client exactly as its README shows; compiled by package.test.ts, never run.
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
  console.log(status);
  try {
    return await payments.createPayment({
      orderId: order.id,
      amount: order.amount,
      currency: order.currency,
      paymentMethod: { type: 'card', token: 'tok_visa' },
    });
  } catch (error) {
    if (error instanceof PaymentDeclinedError) console.log(error.payment.declineCode);
    else if (error instanceof ApiError) console.log(error.code, error.replayed, error.attempts);
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
