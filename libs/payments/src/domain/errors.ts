/**
 * Typed errors. Every error the library throws on purpose is a `PaymentsError` with a stable `code` (safe to
 * switch on), `retryable` (may the caller try the same thing again later), and, when a gateway said something,
 * its own `gatewayCode` / `gatewayMessage`. Messages never contain secrets, card numbers or billing keys.
 */
export interface PaymentsErrorDetails {
  retryable?: boolean;
  gateway?: string;
  gatewayCode?: string;
  gatewayMessage?: string;
  /** HTTP status the webhook/shop controllers should answer with (4xx for caller mistakes, 5xx for gateway trouble). */
  httpStatus?: number;
  paymentId?: string;
  field?: string;
  cause?: unknown;
}

export class PaymentsError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly gateway?: string;
  readonly gatewayCode?: string;
  readonly gatewayMessage?: string;
  readonly httpStatus: number;
  readonly paymentId?: string;
  readonly field?: string;

  constructor(code: string, message: string, details: PaymentsErrorDetails = {}) {
    super(message, details.cause !== undefined ? { cause: details.cause } : undefined);
    this.name = new.target.name;
    this.code = code;
    this.retryable = details.retryable ?? false;
    this.gateway = details.gateway;
    this.gatewayCode = details.gatewayCode;
    this.gatewayMessage = details.gatewayMessage;
    this.httpStatus = details.httpStatus ?? 400;
    this.paymentId = details.paymentId;
    this.field = details.field;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      gateway: this.gateway,
      gatewayCode: this.gatewayCode,
      gatewayMessage: this.gatewayMessage,
      paymentId: this.paymentId,
      field: this.field,
    };
  }
}

/** Input failed validation (a DTO field, a money value, an option). Names the field. */
export class InvalidInputError extends PaymentsError {
  constructor(field: string, problem: string, details: PaymentsErrorDetails = {}) {
    super('INVALID_INPUT', `${field}: ${problem}`, { ...details, field, httpStatus: 400 });
  }
}

export class AmountMismatchError extends PaymentsError {
  constructor(expected: number, actual: number, details: PaymentsErrorDetails = {}) {
    super('AMOUNT_MISMATCH', `amount ${actual} does not match the prepared amount ${expected}`, {
      ...details,
      field: details.field ?? 'amount',
      httpStatus: 400,
    });
  }
}

export class OrderMismatchError extends PaymentsError {
  constructor(expected: string, actual: string, details: PaymentsErrorDetails = {}) {
    super('ORDER_MISMATCH', `orderId ${actual} does not match the prepared orderId ${expected}`, {
      ...details,
      field: 'orderId',
      httpStatus: 400,
    });
  }
}

export class DuplicateOrderError extends PaymentsError {
  constructor(gateway: string, orderId: string, details: PaymentsErrorDetails = {}) {
    super('DUPLICATE_ORDER', `orderId ${orderId} already exists for gateway ${gateway}`, {
      ...details,
      gateway,
      field: 'orderId',
      httpStatus: 409,
    });
  }
}

export class PaymentNotFoundError extends PaymentsError {
  constructor(what: string, details: PaymentsErrorDetails = {}) {
    super('PAYMENT_NOT_FOUND', `payment not found: ${what}`, { ...details, httpStatus: 404 });
  }
}

export class NotFoundError extends PaymentsError {
  constructor(entity: string, what: string, details: PaymentsErrorDetails = {}) {
    super(`${entity.toUpperCase()}_NOT_FOUND`, `${entity} not found: ${what}`, { ...details, httpStatus: 404 });
  }
}

export class InvalidTransitionError extends PaymentsError {
  constructor(from: string, to: string, paymentId?: string) {
    super('INVALID_TRANSITION', `payment${paymentId ? ` ${paymentId}` : ''} cannot move from ${from} to ${to}`, {
      paymentId,
      httpStatus: 409,
    });
  }
}

/** The payment is in a state where the requested operation makes no sense (e.g. cancel a READY payment). */
export class InvalidPaymentStateError extends PaymentsError {
  constructor(paymentId: string, status: string, operation: string) {
    super('INVALID_PAYMENT_STATE', `payment ${paymentId} is ${status}; cannot ${operation}`, {
      paymentId,
      httpStatus: 409,
    });
  }
}

export class CancelAmountExceedsBalanceError extends PaymentsError {
  constructor(requested: number, cancelable: number, details: PaymentsErrorDetails = {}) {
    super('CANCEL_AMOUNT_EXCEEDS_BALANCE', `cancel amount ${requested} exceeds the cancelable balance ${cancelable}`, {
      ...details,
      field: 'amount',
      httpStatus: 400,
    });
  }
}

/** A definitive refusal by the gateway (card declined, limits, bad card, not cancelable ...). Not retryable. */
export class GatewayDeclinedError extends PaymentsError {
  constructor(gateway: string, gatewayCode: string, gatewayMessage: string, details: PaymentsErrorDetails = {}) {
    super('GATEWAY_DECLINED', `${gateway} declined: ${gatewayCode}`, {
      httpStatus: 402,
      ...details,
      gateway,
      gatewayCode,
      gatewayMessage,
      retryable: details.retryable ?? false,
    });
  }
}

/**
 * The gateway could not be reached or answered with a transient failure. `requestSent` tells whether the
 * request may have been processed: false = provably nothing happened (safe to retry or give up),
 * true = outcome unknown (the payment goes UNKNOWN and must be read back).
 */
export class GatewayUnavailableError extends PaymentsError {
  readonly requestSent: boolean;
  constructor(gateway: string, reason: string, requestSent: boolean, details: PaymentsErrorDetails = {}) {
    super(
      'GATEWAY_UNAVAILABLE',
      `${gateway} unavailable (${requestSent ? 'outcome unknown' : 'not sent'}): ${reason}`,
      {
        httpStatus: 503,
        ...details,
        gateway,
        retryable: true,
      },
    );
    this.requestSent = requestSent;
  }
}

/** The merchant's configuration is wrong (bad key, contract missing). Not retryable; page a human. */
export class GatewayConfigurationError extends PaymentsError {
  constructor(gateway: string, gatewayCode: string, gatewayMessage: string, details: PaymentsErrorDetails = {}) {
    super('GATEWAY_CONFIGURATION', `${gateway} rejected our configuration: ${gatewayCode}`, {
      httpStatus: 500,
      ...details,
      gateway,
      gatewayCode,
      gatewayMessage,
      retryable: false,
    });
  }
}

/** The gateway rejected the request shape (a bug on our side or bad input that slipped validation). */
export class GatewayRequestError extends PaymentsError {
  constructor(gateway: string, gatewayCode: string, gatewayMessage: string, details: PaymentsErrorDetails = {}) {
    super('GATEWAY_REQUEST_REJECTED', `${gateway} rejected the request: ${gatewayCode}`, {
      httpStatus: 400,
      ...details,
      gateway,
      gatewayCode,
      gatewayMessage,
    });
  }
}

/** The approval left and its answer was lost: the payment is UNKNOWN until `sync` resolves it. */
export class PaymentOutcomeUnknownError extends PaymentsError {
  constructor(paymentId: string, gateway: string, reason: string, details: PaymentsErrorDetails = {}) {
    super('PAYMENT_OUTCOME_UNKNOWN', `payment ${paymentId}: ${gateway} outcome unknown (${reason}); call sync()`, {
      httpStatus: 503,
      ...details,
      paymentId,
      gateway,
      retryable: true,
    });
  }
}

/**
 * A confirm of a payment that already ended without being paid (FAILED, EXPIRED, CANCELED): nothing is sent, and the
 * buyer has to pay again under a new order. A confirm of a PAID payment is not this error: it answers the payment.
 */
export class PaymentAlreadyFinalError extends PaymentsError {
  /** The payment's status (named so that nothing reads it as an HTTP status). */
  readonly paymentStatus: string;
  constructor(paymentId: string, status: string, failureCode?: string | null, details: PaymentsErrorDetails = {}) {
    const why = failureCode ? ` (${failureCode})` : '';
    super('PAYMENT_ALREADY_FINAL', `payment ${paymentId} is already ${status}${why}; it cannot be confirmed again`, {
      ...details,
      paymentId,
      retryable: false,
      httpStatus: 409,
    });
    this.paymentStatus = status;
  }
}

/** `confirm(..., { onPending: 'throw' })` met another confirm of the payment still in flight; retry shortly. */
export class PaymentInProgressError extends PaymentsError {
  constructor(paymentId: string, details: PaymentsErrorDetails = {}) {
    super('PAYMENT_IN_PROGRESS', `another confirm of payment ${paymentId} is still in flight; retry shortly`, {
      ...details,
      paymentId,
      retryable: true,
      httpStatus: 409,
    });
  }
}

/**
 * The approval's answer was lost and the gateway's policy reversed it (NicePay net-cancel, docs/gateways/nicepay.md):
 * no money moved, the payment is CANCELED, and the buyer has to pay again under a new order.
 */
export class PaymentNetCanceledError extends PaymentsError {
  constructor(paymentId: string, gateway: string, details: PaymentsErrorDetails = {}) {
    super(
      'PAYMENT_NET_CANCELED',
      `payment ${paymentId}: ${gateway} approval answer was lost and the approval was net-canceled; start a new payment`,
      {
        httpStatus: 409,
        ...details,
        paymentId,
        gateway,
        retryable: false,
      },
    );
  }
}

/** The gateway answered about another payment key (tid / paymentKey / payToken) than the one we hold for the payment. */
export class PaymentKeyMismatchError extends PaymentsError {
  constructor(expected: string, actual: string, details: PaymentsErrorDetails = {}) {
    super('PAYMENT_KEY_MISMATCH', `gateway answered about payment key ${actual}, we hold ${expected}`, {
      httpStatus: 409,
      ...details,
    });
  }
}

export class SignatureMismatchError extends PaymentsError {
  constructor(gateway: string, what: string, details: PaymentsErrorDetails = {}) {
    super('SIGNATURE_MISMATCH', `${gateway}: ${what} signature does not verify`, {
      httpStatus: 401,
      ...details,
      gateway,
    });
  }
}

export class UnsupportedOperationError extends PaymentsError {
  constructor(gateway: string, operation: string, details: PaymentsErrorDetails = {}) {
    super('UNSUPPORTED_OPERATION', `${gateway} does not support ${operation}`, {
      httpStatus: 501,
      ...details,
      gateway,
    });
  }
}

export class GatewayNotConfiguredError extends PaymentsError {
  constructor(gateway: string) {
    super('GATEWAY_NOT_CONFIGURED', `gateway ${gateway} is not configured in PaymentsModule options`, {
      gateway,
      field: 'gateway',
      httpStatus: 400,
    });
  }
}

/** Options given to PaymentsModule are invalid. Thrown at boot; the message names every bad field. */
export class PaymentsConfigurationError extends PaymentsError {
  readonly problems: string[];
  constructor(problems: string[]) {
    super('INVALID_OPTIONS', `PaymentsModule options are invalid:\n  - ${problems.join('\n  - ')}`, {
      httpStatus: 500,
    });
    this.problems = problems;
  }
}

/** At-rest encryption could not decrypt (unknown key id, tampered ciphertext). */
export class EncryptionError extends PaymentsError {
  constructor(message: string) {
    super('ENCRYPTION_ERROR', message, { httpStatus: 500 });
  }
}

/**
 * The gateway knows the key the browser brought back as another payment's (or its read-back shows another order):
 * the confirm was not about this order. Nothing was approved for this order, so the payment stays READY and the
 * genuine confirm can still go through; the forged key is never stored.
 */
export class ForeignPaymentKeyError extends PaymentsError {
  constructor(gateway: string, orderId: string, details: PaymentsErrorDetails = {}) {
    super(
      'PAYMENT_KEY_NOT_FOR_ORDER',
      `${gateway}: the payment key given for order ${orderId} belongs to another payment`,
      {
        ...details,
        gateway,
        field: 'paymentKey',
        httpStatus: 409,
      },
    );
  }
}

/**
 * The gateway refused a cancel because the balance it holds is not the one we sent (a cancel made elsewhere, e.g. in
 * its dashboard, moved it). Nothing was refunded; read the payment back and try again.
 */
export class CancelConflictError extends PaymentsError {
  constructor(gateway: string, details: PaymentsErrorDetails = {}) {
    super('CANCEL_CONFLICT', `${gateway}: the cancelable balance changed at the gateway; read back and retry`, {
      ...details,
      gateway,
      retryable: true,
      httpStatus: 409,
    });
  }
}

/** Another cancel of the same payment is still in flight and did not finish in time; retry shortly. */
export class CancelInProgressError extends PaymentsError {
  constructor(paymentId: string, details: PaymentsErrorDetails = {}) {
    super('CANCEL_IN_PROGRESS', `another cancel of payment ${paymentId} is still in flight; retry shortly`, {
      ...details,
      paymentId,
      retryable: true,
      httpStatus: 409,
    });
  }
}

/** An idempotency key was reused with other parameters: the first request's result would be the wrong answer. */
export class IdempotencyKeyReusedError extends PaymentsError {
  constructor(idempotencyKey: string, differs: string, details: PaymentsErrorDetails = {}) {
    super('IDEMPOTENCY_KEY_REUSED', `idempotencyKey ${idempotencyKey} was used before with another ${differs}`, {
      ...details,
      field: 'idempotencyKey',
      httpStatus: 409,
    });
  }
}
