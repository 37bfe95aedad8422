import {
  AmountMismatchError,
  approvalOutcome,
  GatewayConfigurationError,
  GatewayDeclinedError,
  GatewayRequestError,
  GatewayUnavailableError,
  InvalidInputError,
  OrderMismatchError,
  PaymentKeyMismatchError,
  PaymentStatus,
  SignatureMismatchError,
  PaymentsError,
} from 'nestjs-kr-payments';

/**
 * The one table that decides where an IN_PROGRESS payment goes when its approval throws (rule 4 of
 * docs/architecture.md#rules-that-keep-money-exact).
 */
describe('approvalOutcome', () => {
  it.each([
    [
      'a decline',
      new GatewayDeclinedError('toss', 'REJECT_CARD_COMPANY', '거절'),
      PaymentStatus.FAILED,
      'REJECT_CARD_COMPANY',
    ],
    [
      'a rejected request',
      new GatewayRequestError('toss', 'INVALID_REQUEST', 'bad'),
      PaymentStatus.FAILED,
      'INVALID_REQUEST',
    ],
    ['an invalid input', new InvalidInputError('paymentKey', 'too long'), PaymentStatus.FAILED, 'INVALID_INPUT'],
    [
      'a request that never left',
      new GatewayUnavailableError('toss', 'ECONNREFUSED', false),
      PaymentStatus.READY,
      'NOT_SENT',
    ],
    [
      'our configuration rejected',
      new GatewayConfigurationError('toss', 'UNAUTHORIZED_KEY', 'key'),
      PaymentStatus.READY,
      'UNAUTHORIZED_KEY',
    ],
    [
      'a lost answer',
      new GatewayUnavailableError('toss', 'timeout', true),
      PaymentStatus.UNKNOWN,
      'GATEWAY_UNAVAILABLE',
    ],
    [
      'a retryable gateway code',
      new GatewayUnavailableError('toss', 'PROVIDER_ERROR', true, { gatewayCode: 'PROVIDER_ERROR' }),
      PaymentStatus.UNKNOWN,
      'PROVIDER_ERROR',
    ],
    [
      'a 5xx-class library error',
      new PaymentsError('SOMETHING', 'x', { httpStatus: 502 }),
      PaymentStatus.UNKNOWN,
      'SOMETHING',
    ],
    ['an unexpected exception', new TypeError('boom'), PaymentStatus.UNKNOWN, 'OUTCOME_UNKNOWN'],
    // The request left; only the answer disagrees with what we asked: the money may have moved.
    ['an answer for another amount', new AmountMismatchError(10_000, 1_000), PaymentStatus.UNKNOWN, 'AMOUNT_MISMATCH'],
    ['an answer for another order', new OrderMismatchError('ord_a', 'ord_b'), PaymentStatus.UNKNOWN, 'ORDER_MISMATCH'],
    [
      'an answer for another payment key',
      new PaymentKeyMismatchError('tid_a', 'tid_b'),
      PaymentStatus.UNKNOWN,
      'PAYMENT_KEY_MISMATCH',
    ],
    [
      'an answer whose signature does not verify',
      new SignatureMismatchError('nicepay', 'approve response'),
      PaymentStatus.UNKNOWN,
      'SIGNATURE_MISMATCH',
    ],
  ])('%s', (_label, error, status, code) => {
    expect(approvalOutcome(error)).toMatchObject({ status, code });
  });
});
