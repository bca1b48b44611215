/** Request body schemas (strict: unknown fields are rejected). */
import { z } from 'zod';
import { hasValidTotal } from '../domain/order';
import { MAX_AMOUNT, MIN_AMOUNT, normalizeCurrency } from '../domain/money';

const amount = z.number().int().min(MIN_AMOUNT).max(MAX_AMOUNT);

const currency = z.string().transform((code, ctx) => {
  const normalized = normalizeCurrency(code);
  if (normalized === undefined) {
    ctx.addIssue({ code: 'custom', message: 'must be a 3-letter ISO 4217 currency code' });
    return z.NEVER;
  }
  return normalized;
});

export const createOrderSchema = z
  .strictObject({
    customerId: z.string().min(1).max(64),
    currency,
    items: z
      .array(
        z.strictObject({
          sku: z.string().min(1).max(64),
          quantity: z.number().int().min(1).max(1000),
          unitAmount: amount,
        }),
      )
      .min(1)
      .max(100),
  })
  .refine((order) => hasValidTotal(order.items), {
    message: `the order total must be between ${MIN_AMOUNT} and ${MAX_AMOUNT}`,
    path: ['items'],
  });

export const createPaymentSchema = z.strictObject({
  orderId: z.string().min(1).max(64),
  amount,
  currency,
  paymentMethod: z.strictObject({
    type: z.literal('card'),
    token: z.string().min(1).max(255),
  }),
});
