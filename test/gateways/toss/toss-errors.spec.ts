import fc from 'fast-check';
import {
  CancelConflictError,
  GatewayConfigurationError,
  GatewayDeclinedError,
  GatewayRequestError,
  GatewayUnavailableError,
  NotFoundError,
  PaymentNotFoundError,
} from '../../../libs/payments/src/domain/errors';
import {
  classifyTossError,
  TOSS_ERROR_TABLE,
  tossErrorFromResponse,
} from '../../../libs/payments/src/gateways/toss/toss.errors';

/** Toss's full error list ("전체 에러 목록") plus the codes only seen in per-endpoint tables or observed answers. */
const SPEC_CODES: Record<number, string[]> = {
  400: `ACCOUNT_OWNER_CHECK_FAILED ALREADY_CANCELED_PAYMENT ALREADY_CLOSE_ACCOUNT ALREADY_COMPLETED_PAYMENT
    ALREADY_EXIST_SUBMALL ALREADY_PROCESSED_PAYMENT ALREADY_REFUND_PAYMENT ALREADY_REFUNDING_PAYMENT
    API_VERSION_UPDATE_NEEDED BELOW_MINIMUM_AMOUNT BELOW_ZERO_AMOUNT DUPLICATED_CASH_RECEIPT DUPLICATED_ORDER_ID
    DUPLICATED_REQUEST EXCEED_MAX_AMOUNT EXCEED_MAX_CARD_INSTALLMENT_PLAN EXCEED_MAX_DAILY_PAYMENT_COUNT
    EXCEED_MAX_DUE_DATE EXCEED_MAX_ONE_DAY_WITHDRAW_AMOUNT EXCEED_MAX_ONE_TIME_WITHDRAW_AMOUNT EXCEED_MAX_PAYMENT_AMOUNT
    EXCEED_MAX_QUERY_LIMIT EXCEED_MAX_VALID_HOURS EXCEED_MIN_CARD_INSTALLMENT_PLAN EXCEED_UNKNOWN_CASE
    INCORRECT_FAIL_URL_FORMAT INCORRECT_SUCCESS_URL_FORMAT INVALID_ACCOUNT_NOT_CORRECT_BANK INVALID_ACCOUNT_NUMBER
    INVALID_ACCOUNT_NUMBER_OR_UNAVAILABLE INVALID_API_KEY INVALID_AUTHORIZE_AUTH
    INVALID_AUTHORIZE_AUTH_TYPE_GIFT_CERTIFICATE INVALID_BANK INVALID_BILL_KEY_REQUEST INVALID_BILLING_AUTH
    INVALID_BIRTH_DAY_FORMAT INVALID_BUSINESS_NUMBER INVALID_CARD INVALID_CARD_COMPANY INVALID_CARD_EXPIRATION
    INVALID_CARD_IDENTITY INVALID_CARD_INSTALLMENT_AMOUNT INVALID_CARD_INSTALLMENT_PLANS_WITH_MAX_AND_SINGLE
    INVALID_CARD_NUMBER INVALID_CARD_PASSWORD INVALID_CASH_RECEIPT_INFO INVALID_CLIENT_KEY INVALID_CURRENCY
    INVALID_CUSTOMER_KEY INVALID_DATE INVALID_EASY_PAY INVALID_EMAIL INVALID_FLOW_MODE_PARAMETERS
    INVALID_IDENTIFICATION_TYPE INVALID_ISO_DATE_FORMAT INVALID_ORDER_ID INVALID_ORDER_NAME INVALID_PAGING_KEY
    INVALID_PAYABLE_DATE INVALID_PAYMENT_KEY INVALID_REFUND_ACCOUNT_INFO INVALID_REFUND_ACCOUNT_NUMBER
    INVALID_REFUND_AMOUNT INVALID_REJECT_CARD INVALID_REQUEST INVALID_REQUIRED_PARAM INVALID_STOPPED_CARD
    INVALID_SUBMALL_ID INVALID_SUCCESS_URL INVALID_TEST_CODE INVALID_UNREGISTERED_SUBMALL INVALID_URL
    INVALID_URL_FORMAT INVALID_VALID_HOURS_WITH_DUE_DATE_AND_SINGLE INVALID_VIRTUAL_ACCOUNT_TYPE MAINTAINED_METHOD
    NOT_ALLOWED_HOLIDAY NOT_ALLOWED_INSTALLMENT_BELOW_AMOUNT NOT_ALLOWED_POINT_USE NOT_ENOUGH_AMOUNT
    NOT_FOUND_TERMINAL_ID NOT_MATCH_PAYEE_NAME NOT_MATCHES_CUSTOMER_KEY NOT_MATCHES_REFUNDABLE_AMOUNT
    NOT_REGISTERED_BUSINESS NOT_REGISTERED_SUBMALL NOT_SUPPORTED_CARD_TYPE NOT_SUPPORTED_CARRIER NOT_SUPPORTED_METHOD
    NOT_SUPPORTED_MONTHLY_INSTALLMENT_PLAN NOT_SUPPORTED_PROCESS NOT_SUPPORTED_USD PAY_PROCESS_ABORTED
    PAY_PROCESS_CANCELED REFUND_REJECTED REQUIRED_ACCOUNT_KEY REQUIRED_AMOUNT USER_ACCOUNT_ON_HOLD
    EXCEEDS_TRANSFER_AMOUNT_MAXIMUM PROVIDER_ERROR CARD_PROCESSING_ERROR UNAPPROVED_ORDER_ID RESTRICTED_TRANSFER_ACCOUNT
    INVALID_ACCOUNT_INFO_RE_REGISTER NOT_AVAILABLE_PAYMENT EXCEED_MAX_MONTHLY_PAYMENT_AMOUNT
    NOT_SUPPORTED_INSTALLMENT_PLAN_CARD_OR_MERCHANT INVALID_CARD_INSTALLMENT_PLAN EXCEED_CANCEL_AMOUNT_DISCOUNT_AMOUNT
    FORBIDDEN_BANK_REFUND_REQUEST NOT_SUPPORTED_MONTHLY_INSTALLMENT_PLAN_BELOW_AMOUNT INVALID_IDEMPOTENCY_KEY
    INVALID_TRANSACTION_KEY INVALID_CARD_LOST_OR_STOLEN ALREADY_REMOVED_BILLING_KEY NTS_ERROR
    NOT_REGISTERED_CARD_COMPANY`.split(/\s+/),
  401: ['UNAUTHORIZED_KEY'],
  403: `EXCEED_MAX_AUTH_COUNT EXCEED_MAX_REFUND_AMOUNT EXCEED_MAX_REFUND_DUE FORBIDDEN_CONSECUTIVE_REQUEST
    FORBIDDEN_REQUEST INVALID_PASSWORD NOT_ALLOWED_CHANGING_ACCOUNT NOT_ALLOWED_PARTIAL_REFUND
    NOT_ALLOWED_PARTIAL_REFUND_WAITING_DEPOSIT NOT_ALLOWED_REFUND_BANK NOT_AVAILABLE_BANK NOT_CANCELABLE_AMOUNT
    NOT_CANCELABLE_PAYMENT NOT_SUPPORTED_REFUND REJECT_ACCOUNT_PAYMENT REJECT_CARD_COMPANY REJECT_CARD_PAYMENT
    REJECT_TOSSPAY_INVALID_ACCOUNT EXCEED_MAX_ONE_DAY_AMOUNT INCORRECT_BASIC_AUTH_FORMAT FDS_ERROR
    NOT_CANCELABLE_PAYMENT_FOR_DORMANT_USER EXCEED_CANCEL_LIMIT`.split(/\s+/),
  404: `NOT_FOUND NOT_FOUND_BILLING NOT_FOUND_HTTP_METHOD NOT_FOUND_MERCHANT NOT_FOUND_MERCHANT_INTEGRATION
    NOT_FOUND_METHOD NOT_FOUND_METHOD_IN_GROUP NOT_FOUND_METHOD_OWNERSHIP NOT_FOUND_PAYMENT NOT_FOUND_PAYMENT_SESSION
    NOT_FOUND_SUBMALL PAYOUT_NOT_FOUND`.split(/\s+/),
  409: ['IDEMPOTENT_REQUEST_PROCESSING'],
  500: `FAILED_BILL_KEY_AUTH_CREATION FAILED_BILLING_AUTO_CANCEL FAILED_DB_PROCESSING FAILED_HASH_DATA_CREATION
    FAILED_INTERNAL_SYSTEM_PROCESSING FAILED_METHOD_HANDLING FAILED_METHOD_HANDLING_CANCEL
    FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING FAILED_REFUND_PROCESS COMMON_ERROR UNKNOWN_ERROR FAILED_PARTIAL_REFUND
    UNKNOWN_PAYMENT_ERROR FAILED_CARD_COMPANY_RESPONSE`.split(/\s+/),
};

describe('toss error table (docs/gateways/toss.md#errors)', () => {
  it("classifies every code in Toss's full error list and the per-endpoint tables", () => {
    const missing = Object.values(SPEC_CODES)
      .flat()
      .filter((code) => code.length > 0 && !TOSS_ERROR_TABLE.has(code));
    expect(missing).toEqual([]);
    expect(TOSS_ERROR_TABLE.size).toBeGreaterThanOrEqual(Object.values(SPEC_CODES).flat().length);
  });

  it.each([
    [400, 'PROVIDER_ERROR', 'retryable'],
    [400, 'CARD_PROCESSING_ERROR', 'retryable'],
    [500, 'FAILED_INTERNAL_SYSTEM_PROCESSING', 'retryable'],
    [409, 'IDEMPOTENT_REQUEST_PROCESSING', 'retryable'],
    [403, 'FORBIDDEN_CONSECUTIVE_REQUEST', 'retryable'],
    [403, 'NOT_AVAILABLE_BANK', 'retryable'],
    [500, 'FAILED_REFUND_PROCESS', 'retryable'],
    [400, 'REFUND_REJECTED', 'decline'],
    [403, 'REJECT_CARD_PAYMENT', 'decline'],
    [403, 'FDS_ERROR', 'decline'],
    [400, 'EXCEED_MAX_DAILY_PAYMENT_COUNT', 'decline'],
    [403, 'NOT_CANCELABLE_AMOUNT', 'decline'],
    [400, 'ALREADY_CANCELED_PAYMENT', 'decline'],
    [400, 'INVALID_STOPPED_CARD', 'decline'],
    [404, 'NOT_FOUND_PAYMENT_SESSION', 'decline'],
    [401, 'UNAUTHORIZED_KEY', 'configuration'],
    [400, 'INVALID_API_KEY', 'configuration'],
    [403, 'INCORRECT_BASIC_AUTH_FORMAT', 'configuration'],
    [400, 'NOT_SUPPORTED_METHOD', 'configuration'],
    [400, 'INVALID_REQUEST', 'request'],
    [400, 'INVALID_ORDER_ID', 'request'],
    [400, 'ALREADY_PROCESSED_PAYMENT', 'request'],
    [400, 'NOT_MATCHES_CUSTOMER_KEY', 'request'],
    [500, 'FAILED_DB_PROCESSING', 'request'],
    [404, 'NOT_FOUND_PAYMENT', 'not-found'],
    [404, 'NOT_FOUND', 'not-found'],
    [404, 'NOT_FOUND_BILLING', 'not-found'],
    [400, 'NOT_MATCHES_REFUNDABLE_AMOUNT', 'conflict'],
  ] as const)('HTTP %i %s -> %s', (status, code, category) => {
    expect(classifyTossError(status, code)).toBe(category);
  });

  it('treats 429 as retryable whatever the code', () => {
    expect(classifyTossError(429, undefined)).toBe('retryable');
    expect(classifyTossError(429, 'INVALID_REQUEST')).toBe('retryable');
  });

  it('classifies unknown codes by status: 5xx retryable, 4xx request', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 400, max: 599 }).filter((status) => status !== 429),
        fc.stringMatching(/^ZZ_[A-Z_]{1,20}$/),
        (status, code) => {
          expect(classifyTossError(status, code)).toBe(status >= 500 ? 'retryable' : 'request');
        },
      ),
    );
    expect(classifyTossError(502, undefined)).toBe('retryable');
    expect(classifyTossError(404, undefined)).toBe('request');
  });
});

describe('tossErrorFromResponse', () => {
  const ctx = { operation: 'confirm', resource: 'payment' as const, reference: 'order-123456' };

  it('PROVIDER_ERROR (400) is a retryable GatewayUnavailableError with requestSent=true', () => {
    const error = tossErrorFromResponse(400, { code: 'PROVIDER_ERROR', message: '일시적인 오류' }, ctx);
    expect(error).toBeInstanceOf(GatewayUnavailableError);
    expect((error as GatewayUnavailableError).requestSent).toBe(true);
    expect(error.retryable).toBe(true);
    expect(error.gatewayCode).toBe('PROVIDER_ERROR');
    expect(error.gatewayMessage).toBe('일시적인 오류');
    expect(error.gateway).toBe('toss');
  });

  it('REJECT_CARD_COMPANY is a non-retryable GatewayDeclinedError', () => {
    const error = tossErrorFromResponse(403, { code: 'REJECT_CARD_COMPANY', message: '카드사 거절' }, ctx);
    expect(error).toBeInstanceOf(GatewayDeclinedError);
    expect(error.retryable).toBe(false);
    expect(error.gatewayCode).toBe('REJECT_CARD_COMPANY');
    expect(error.gatewayMessage).toBe('카드사 거절');
  });

  it('UNAUTHORIZED_KEY is a GatewayConfigurationError', () => {
    const error = tossErrorFromResponse(401, { code: 'UNAUTHORIZED_KEY', message: '인증되지 않은 키' }, ctx);
    expect(error).toBeInstanceOf(GatewayConfigurationError);
    expect(error.retryable).toBe(false);
    expect(error.gatewayCode).toBe('UNAUTHORIZED_KEY');
  });

  it('INVALID_REQUEST is a GatewayRequestError', () => {
    const error = tossErrorFromResponse(400, { code: 'INVALID_REQUEST', message: '잘못된 요청' }, ctx);
    expect(error).toBeInstanceOf(GatewayRequestError);
    expect(error.retryable).toBe(false);
  });

  it('NOT_FOUND_PAYMENT is a PaymentNotFoundError naming the reference; billing not-found is a NotFoundError', () => {
    const payment = tossErrorFromResponse(404, { code: 'NOT_FOUND_PAYMENT', message: '없음' }, ctx);
    expect(payment).toBeInstanceOf(PaymentNotFoundError);
    expect(payment.code).toBe('PAYMENT_NOT_FOUND');
    expect(payment.gatewayCode).toBe('NOT_FOUND_PAYMENT');
    expect(payment.message).toContain('order-123456');

    const billing = tossErrorFromResponse(
      404,
      { code: 'NOT_FOUND_BILLING', message: '없음' },
      {
        operation: 'chargeBillingKey',
        resource: 'billing_key',
        reference: 'charge order-1',
      },
    );
    expect(billing).toBeInstanceOf(NotFoundError);
    expect(billing.code).toBe('BILLING_KEY_NOT_FOUND');
    expect(billing.gatewayCode).toBe('NOT_FOUND_BILLING');
  });

  it('NOT_MATCHES_REFUNDABLE_AMOUNT is a retryable CancelConflictError (409), never a decline', () => {
    const error = tossErrorFromResponse(
      400,
      { code: 'NOT_MATCHES_REFUNDABLE_AMOUNT', message: '환불 가능한 금액과 일치하지 않습니다.' },
      { operation: 'cancel', resource: 'payment', reference: 'tviva-key' },
    );
    expect(error).toBeInstanceOf(CancelConflictError);
    expect(error).not.toBeInstanceOf(GatewayDeclinedError);
    expect(error).toMatchObject({
      code: 'CANCEL_CONFLICT',
      retryable: true,
      httpStatus: 409,
      gateway: 'toss',
      gatewayCode: 'NOT_MATCHES_REFUNDABLE_AMOUNT',
      gatewayMessage: '환불 가능한 금액과 일치하지 않습니다.',
    });
  });

  it('a 502 HTML page (no code) is retryable and named by its status', () => {
    const error = tossErrorFromResponse(502, '<html>Bad Gateway</html>', ctx);
    expect(error).toBeInstanceOf(GatewayUnavailableError);
    expect(error.gatewayCode).toBe('HTTP_502');
  });
});
