/**
 * Business errors raised by the domain. They carry no HTTP status: `lambda/http/errors.ts`
 * maps every one of them to the contract's problem response in one place.
 */

export class OrderNotFound extends Error {
  override readonly name = 'OrderNotFound';
  constructor(readonly orderId: string) {
    super(`Order ${orderId} does not exist.`);
  }
}

export class PaymentNotFound extends Error {
  override readonly name = 'PaymentNotFound';
  constructor(readonly paymentId: string) {
    super(`Payment ${paymentId} does not exist.`);
  }
}

export class OrderAlreadyPaid extends Error {
  override readonly name = 'OrderAlreadyPaid';
  constructor(readonly orderId: string) {
    super(`Order ${orderId} has already been paid.`);
  }
}

export class AmountMismatch extends Error {
  override readonly name = 'AmountMismatch';
  constructor(detail: string) {
    super(detail);
  }
}

/** Another payment attempt holds the order's lease; retrying shortly is safe. */
export class PaymentInProgress extends Error {
  override readonly name = 'PaymentInProgress';
  constructor(readonly orderId: string) {
    super(`Another payment of order ${orderId} is being processed.`);
  }
}

/**
 * An earlier payment attempt of the order could not be settled automatically: it is too old to
 * be charged again safely, and the processor cannot say whether it charged. Nothing may charge
 * the order until an operator has reconciled it (docs/operations.md); retrying does not help
 * before then.
 */
export class OrderUnderReconciliation extends Error {
  override readonly name = 'OrderUnderReconciliation';
  constructor(
    readonly orderId: string,
    /** The attempt waiting for reconciliation. */
    readonly paymentId: string,
    /** True when this very request flagged the order; false when it had been flagged before. */
    readonly flaggedNow: boolean,
  ) {
    super(
      `An earlier payment attempt of order ${orderId} could not be settled automatically and ` +
        'is being reconciled; the order cannot be paid until that is done.',
    );
  }
}

/**
 * The idempotency key already created a resource from a different request. Raised when the
 * replay window has passed and only the resource's own fingerprint is left to compare.
 */
export class IdempotencyKeyReused extends Error {
  override readonly name = 'IdempotencyKeyReused';
  constructor() {
    super('This Idempotency-Key was already used with a different request.');
  }
}

/** The attempt lost its claim on the order before it could record the outcome. */
export class PaymentLeaseLost extends Error {
  override readonly name = 'PaymentLeaseLost';
  constructor(readonly paymentId: string) {
    super(`Payment ${paymentId} no longer holds the order's lease.`);
  }
}
