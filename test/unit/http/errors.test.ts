import {
  AmountMismatch,
  IdempotencyKeyReused,
  OrderAlreadyPaid,
  OrderNotFound,
  OrderUnderReconciliation,
  PaymentInProgress,
  PaymentLeaseLost,
  PaymentNotFound,
} from '../../../lambda/domain/errors';
import { businessOutcomeResponse, errorResponse } from '../../../lambda/http/errors';

const named = (name: string) => Object.assign(new Error('boom'), { name });

describe('errorResponse', () => {
  it.each([
    [new OrderNotFound('ord_1'), 404, 'order_not_found', undefined],
    [new PaymentNotFound('pay_1'), 404, 'payment_not_found', undefined],
    [new OrderAlreadyPaid('ord_1'), 409, 'order_already_paid', undefined],
    [new AmountMismatch('no'), 422, 'amount_mismatch', undefined],
    [new PaymentInProgress('ord_1'), 409, 'payment_in_progress', '1'],
    [
      new OrderUnderReconciliation('ord_1', 'pay_1', true),
      409,
      'order_under_reconciliation',
      undefined,
    ],
    [new IdempotencyKeyReused(), 422, 'idempotency_key_reused', undefined],
    [named('IdempotencyAlreadyInProgressError'), 409, 'idempotency_key_in_use', '1'],
    [named('IdempotencyValidationError'), 422, 'idempotency_key_reused', undefined],
    [named('IdempotencyPersistenceLayerError'), 503, 'service_unavailable', '2'],
    [named('ProvisionedThroughputExceededException'), 503, 'service_unavailable', '2'],
    [
      Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
      503,
      'service_unavailable',
      '2',
    ],
    [Object.assign(named('TimeoutError'), { code: 'ECONNRESET' }), 503, 'service_unavailable', '2'],
    [Object.assign(named('UnknownError'), { $fault: 'server' }), 503, 'service_unavailable', '2'],
    [Object.assign(new Error('wrapped'), { $metadata: {} }), 503, 'service_unavailable', '2'],
    [
      Object.assign(named('ValidationException'), { $fault: 'client', $metadata: {} }),
      500,
      'internal_error',
      undefined,
    ],
    [new Error('unexpected'), 500, 'internal_error', undefined],
    ['not even an Error', 500, 'internal_error', undefined],
  ])('maps %p to %d %s', (error, status, code, retryAfter) => {
    const response = errorResponse(error);

    expect(response.statusCode).toBe(status);
    expect(response.headers['Content-Type']).toBe('application/problem+json');
    expect(response.headers['Retry-After']).toBe(retryAfter);
    expect(JSON.parse(response.body)).toMatchObject({
      status,
      code,
      type: `urn:payments-api:problem:${code}`,
    });
  });
});

describe('businessOutcomeResponse', () => {
  it.each([new OrderNotFound('o'), new OrderAlreadyPaid('o'), new AmountMismatch('m')])(
    'stores %p',
    (error) => {
      expect(businessOutcomeResponse(error)).toBeDefined();
    },
  );

  it.each([
    new PaymentInProgress('o'),
    new OrderUnderReconciliation('o', 'p', false),
    new IdempotencyKeyReused(),
    new Error('x'),
  ])('does not store %p', (error) => {
    expect(businessOutcomeResponse(error)).toBeUndefined();
  });
});

describe('errors after the charge', () => {
  it.each([
    [new PaymentLeaseLost('pay_1'), 500, 'internal_error'],
    [named('TransactionConflictException'), 503, 'service_unavailable'],
    [named('IdempotencyInconsistentStateError'), 503, 'service_unavailable'],
  ])('maps %p to %d %s, never stored', (error, status, code) => {
    expect(errorResponse(error).statusCode).toBe(status);
    expect(JSON.parse(errorResponse(error).body)).toMatchObject({ code });
    expect(businessOutcomeResponse(error)).toBeUndefined();
  });
});
