/**
 * Toss error codes with their HTTP status and default (Korean) message, from Toss's published error list and the
 * per-endpoint tables. The table serves two purposes: the simulator's own errors, and the `TossPayments-Test-Code`
 * header, which forces any *known* code in test mode; an unknown code is answered with 400 `INVALID_TEST_CODE`
 * (docs/gateways/toss.md#simulator). Messages may change at Toss without a version bump, so clients must match on
 * `code` (docs/gateways/toss.md#errors).
 */
export interface TossErrorDefinition {
  status: number;
  message: string;
}

const e = (status: number, message: string): TossErrorDefinition => ({ status, message });

export const TOSS_ERRORS: Readonly<Record<string, TossErrorDefinition>> = {
  // ---- 400 -----------------------------------------------------------------------------------------------
  ACCOUNT_OWNER_CHECK_FAILED: e(400, '계좌 소유자를 가져오는데 실패했습니다. 은행코드, 계좌번호를 확인해주세요.'),
  ALREADY_CANCELED_PAYMENT: e(400, '이미 취소된 결제 입니다.'),
  ALREADY_CLOSE_ACCOUNT: e(400, '이미 해지된 계좌입니다.'),
  ALREADY_COMPLETED_PAYMENT: e(400, '이미 완료된 결제 입니다.'),
  ALREADY_EXIST_SUBMALL: e(400, '이미 존재하는 서브몰입니다.'),
  ALREADY_PROCESSED_PAYMENT: e(400, '이미 처리된 결제 입니다.'),
  ALREADY_REFUND_PAYMENT: e(400, '이미 환불된 결제입니다.'),
  ALREADY_REFUNDING_PAYMENT: e(400, '환불이 진행중인 결제입니다.'),
  ALREADY_REMOVED_BILLING_KEY: e(400, '이미 삭제된 빌링키입니다.'),
  API_VERSION_UPDATE_NEEDED: e(400, 'API 버전 업데이트가 필요합니다.'),
  BELOW_MINIMUM_AMOUNT: e(400, '신용카드는 결제금액이 100원 이상, 계좌는 200원이상부터 결제가 가능합니다.'),
  BELOW_ZERO_AMOUNT: e(400, '금액은 0보다 커야 합니다.'),
  CARD_PROCESSING_ERROR: e(400, '카드사에서 오류가 발생했습니다.'),
  DUPLICATED_CASH_RECEIPT: e(400, '현금영수증이 이미 발급되었습니다.'),
  DUPLICATED_ORDER_ID: e(400, '이미 승인 및 취소가 진행된 중복된 주문번호 입니다. 다른 주문번호로 진행해주세요.'),
  DUPLICATED_REQUEST: e(400, '중복된 요청입니다.'),
  EXCEED_CANCEL_AMOUNT_DISCOUNT_AMOUNT: e(400, '즉시할인금액보다 적은 금액은 부분취소가 불가능합니다.'),
  EXCEED_MAX_AMOUNT: e(400, '거래금액 한도를 초과했습니다.'),
  EXCEED_MAX_CARD_INSTALLMENT_PLAN: e(400, '설정 가능한 최대 할부 개월 수를 초과했습니다.'),
  EXCEED_MAX_DAILY_PAYMENT_COUNT: e(400, '하루 결제 가능 횟수를 초과했습니다.'),
  EXCEED_MAX_DUE_DATE: e(400, '가상 계좌의 최대 유효만료 기간을 초과했습니다.'),
  EXCEED_MAX_MONTHLY_PAYMENT_AMOUNT: e(400, '당월 결제 가능금액인 1,000,000원을 초과 하셨습니다.'),
  EXCEED_MAX_ONE_DAY_WITHDRAW_AMOUNT: e(400, '1일 출금 한도를 초과했습니다.'),
  EXCEED_MAX_ONE_TIME_WITHDRAW_AMOUNT: e(400, '1회 출금 한도를 초과했습니다.'),
  EXCEED_MAX_PAYMENT_AMOUNT: e(400, '하루 결제 가능 금액을 초과했습니다.'),
  EXCEED_MAX_QUERY_LIMIT: e(400, '조회 가능한 최대 개수를 초과했습니다.'),
  EXCEED_MAX_VALID_HOURS: e(400, '가상 계좌의 최대 유효시간을 초과했습니다.'),
  EXCEED_MIN_CARD_INSTALLMENT_PLAN: e(400, '설정 가능한 최소 할부 개월 수를 초과했습니다.'),
  EXCEED_UNKNOWN_CASE: e(400, '알 수 없는 한도 초과 오류입니다.'),
  EXCEEDS_TRANSFER_AMOUNT_MAXIMUM: e(400, '이체 가능 금액을 초과했습니다.'),
  FORBIDDEN_BANK_REFUND_REQUEST: e(400, '고객 계좌가 입금이 되지 않는 상태입니다.'),
  INCORRECT_FAIL_URL_FORMAT: e(400, '잘못된 failUrl 입니다.'),
  INCORRECT_SUCCESS_URL_FORMAT: e(400, '잘못된 successUrl 입니다.'),
  INVALID_ACCOUNT_INFO_RE_REGISTER: e(400, '유효하지 않은 계좌입니다. 계좌 재등록 후 시도해주세요.'),
  INVALID_ACCOUNT_NOT_CORRECT_BANK: e(400, '은행과 계좌번호가 일치하지 않습니다.'),
  INVALID_ACCOUNT_NUMBER: e(400, '계좌번호가 올바르지 않습니다.'),
  INVALID_ACCOUNT_NUMBER_OR_UNAVAILABLE: e(400, '계좌번호가 올바르지 않거나 사용할 수 없는 계좌입니다.'),
  INVALID_API_KEY: e(400, '잘못된 시크릿키 연동 정보 입니다.'),
  INVALID_AUTHORIZE_AUTH: e(400, '유효하지 않은 인증 방식입니다.'),
  INVALID_AUTHORIZE_AUTH_TYPE_GIFT_CERTIFICATE: e(400, '상품권 결제에 유효하지 않은 인증 방식입니다.'),
  INVALID_BANK: e(400, '유효하지 않은 은행입니다.'),
  INVALID_BILL_KEY_REQUEST: e(400, '빌링 인증이 완료되지 않았거나 유효하지 않은 빌링키입니다.'),
  INVALID_BILLING_AUTH: e(400, '유효하지 않은 빌링 인증입니다.'),
  INVALID_BIRTH_DAY_FORMAT: e(400, '생년월일 정보는 6자리의 yyMMdd 형식이어야 합니다.'),
  INVALID_BUSINESS_NUMBER: e(400, '유효하지 않은 사업자번호입니다.'),
  INVALID_CARD: e(400, '유효하지 않은 카드입니다.'),
  INVALID_CARD_COMPANY: e(400, '유효하지 않은 카드사입니다.'),
  INVALID_CARD_EXPIRATION: e(400, '카드 정보를 다시 확인해주세요. (유효기간)'),
  INVALID_CARD_IDENTITY: e(400, '입력하신 주민번호/사업자번호가 카드 소유주 정보와 일치하지 않습니다.'),
  INVALID_CARD_INSTALLMENT_AMOUNT: e(400, '할부가 가능한 최소 금액은 50,000원입니다.'),
  INVALID_CARD_INSTALLMENT_PLAN: e(400, '할부 개월 정보가 잘못되었습니다.'),
  INVALID_CARD_INSTALLMENT_PLANS_WITH_MAX_AND_SINGLE: e(
    400,
    '최대 할부 개월 수와 단일 할부 개월 수는 함께 사용할 수 없습니다.',
  ),
  INVALID_CARD_LOST_OR_STOLEN: e(400, '분실 혹은 도난 카드입니다.'),
  INVALID_CARD_NUMBER: e(400, '카드번호를 다시 확인해주세요.'),
  INVALID_CARD_PASSWORD: e(400, '카드 정보를 다시 확인해주세요. (비밀번호)'),
  INVALID_CASH_RECEIPT_INFO: e(400, '현금영수증 발급 정보가 올바르지 않습니다.'),
  INVALID_CLIENT_KEY: e(400, '잘못된 클라이언트 키 입니다.'),
  INVALID_CURRENCY: e(400, '잘못된 통화 값입니다.'),
  INVALID_CUSTOMER_KEY: e(
    400,
    '고객키는 영문 대소문자, 숫자, 특수문자(-, _, =, ., @)로 2자 이상 300자 이하여야 합니다.',
  ),
  INVALID_DATE: e(400, '날짜 데이터가 잘못 되었습니다.'),
  INVALID_EASY_PAY: e(400, '간편결제 정보가 올바르지 않습니다.'),
  INVALID_EMAIL: e(400, '유효하지 않은 이메일 주소 형식입니다.'),
  INVALID_FLOW_MODE_PARAMETERS: e(400, 'flowMode 파라미터가 올바르지 않습니다.'),
  INVALID_IDEMPOTENCY_KEY: e(400, '멱등키는 300자 이하여야 합니다.'),
  INVALID_IDENTIFICATION_TYPE: e(400, '유효하지 않은 신원 확인 유형입니다.'),
  INVALID_ISO_DATE_FORMAT: e(400, '날짜 형식이 ISO 8601 형식이 아닙니다.'),
  INVALID_ORDER_ID: e(
    400,
    'orderId는 영문 대소문자, 숫자, 특수문자(-, _, =)로 이루어진 6자 이상 64자 이하의 문자열이어야 합니다.',
  ),
  INVALID_ORDER_NAME: e(400, '주문명은 1자 이상 100자 이하여야 합니다.'),
  INVALID_PAGING_KEY: e(400, '잘못된 페이징 키 입니다.'),
  INVALID_PAYABLE_DATE: e(400, '결제 가능 기간이 아닙니다.'),
  INVALID_PAYMENT_KEY: e(400, '유효하지 않은 결제 키입니다.'),
  INVALID_REFUND_ACCOUNT_INFO: e(400, '환불 계좌번호와 예금주명이 일치하지 않습니다.'),
  INVALID_REFUND_ACCOUNT_NUMBER: e(400, '잘못된 환불 계좌번호입니다.'),
  INVALID_REFUND_AMOUNT: e(400, '잘못된 환불 금액입니다.'),
  INVALID_REJECT_CARD: e(400, '카드 사용이 거절되었습니다. 카드사 문의가 필요합니다.'),
  INVALID_REQUEST: e(400, '잘못된 요청입니다.'),
  INVALID_REQUIRED_PARAM: e(400, '필수 파라미터가 누락되었습니다.'),
  INVALID_STOPPED_CARD: e(400, '정지된 카드 입니다.'),
  INVALID_SUBMALL_ID: e(400, '유효하지 않은 서브몰 ID입니다.'),
  INVALID_SUCCESS_URL: e(400, '유효하지 않은 successUrl 입니다.'),
  INVALID_TEST_CODE: e(400, '유효하지 않은 테스트 코드입니다.'),
  INVALID_TRANSACTION_KEY: e(400, '잘못된 페이징 키 입니다.'),
  INVALID_UNREGISTERED_SUBMALL: e(400, '등록되지 않은 서브몰입니다.'),
  INVALID_URL: e(400, '유효하지 않은 URL 입니다.'),
  INVALID_URL_FORMAT: e(400, 'URL 형식이 올바르지 않습니다.'),
  INVALID_VALID_HOURS_WITH_DUE_DATE_AND_SINGLE: e(400, 'validHours와 dueDate는 함께 사용할 수 없습니다.'),
  INVALID_VIRTUAL_ACCOUNT_TYPE: e(400, '유효하지 않은 가상계좌 타입입니다.'),
  MAINTAINED_METHOD: e(400, '결제수단 점검 중입니다.'),
  NOT_ALLOWED_HOLIDAY: e(400, '휴일에는 처리할 수 없습니다.'),
  NOT_ALLOWED_INSTALLMENT_BELOW_AMOUNT: e(400, '할부가 불가능한 금액입니다.'),
  NOT_ALLOWED_POINT_USE: e(400, '포인트 사용이 불가한 카드로 카드 포인트 결제에 실패했습니다.'),
  NOT_AVAILABLE_PAYMENT: e(400, '결제가 불가능한 시간대입니다.'),
  NOT_ENOUGH_AMOUNT: e(400, '잔액이 부족합니다.'),
  NOT_FOUND_TERMINAL_ID: e(400, '단말기번호(Terminal Id)가 없습니다. 토스페이먼츠로 문의 바랍니다.'),
  NOT_MATCH_PAYEE_NAME: e(400, '수취인 이름이 일치하지 않습니다.'),
  NOT_MATCHES_CUSTOMER_KEY: e(400, '빌링 인증 고객키와 결제 요청 고객키가 일치하지 않습니다.'),
  NOT_MATCHES_REFUNDABLE_AMOUNT: e(400, '잔액 결과가 일치하지 않습니다.'),
  NOT_REGISTERED_BUSINESS: e(400, '등록되지 않은 사업자 번호입니다.'),
  NOT_REGISTERED_CARD_COMPANY: e(400, '카드를 등록하지 않은 카드사입니다.'),
  NOT_REGISTERED_SUBMALL: e(400, '등록되지 않은 서브몰입니다.'),
  NOT_SUPPORTED_CARD_TYPE: e(400, '지원되지 않는 카드 종류입니다.'),
  NOT_SUPPORTED_CARRIER: e(400, '지원되지 않는 통신사입니다.'),
  NOT_SUPPORTED_INSTALLMENT_PLAN_CARD_OR_MERCHANT: e(400, '할부가 지원되지 않는 카드 또는 가맹점 입니다.'),
  NOT_SUPPORTED_METHOD: e(400, '지원되지 않는 결제수단입니다.'),
  NOT_SUPPORTED_MONTHLY_INSTALLMENT_PLAN: e(400, '할부가 지원되지 않는 카드입니다.'),
  NOT_SUPPORTED_MONTHLY_INSTALLMENT_PLAN_BELOW_AMOUNT: e(400, '할부 최소 금액 미만으로 할부가 불가능합니다.'),
  NOT_SUPPORTED_PROCESS: e(400, '지원되지 않는 프로세스입니다.'),
  NOT_SUPPORTED_USD: e(400, 'USD 결제를 지원하지 않습니다.'),
  NTS_ERROR: e(400, '[TS1] 국세청 처리 중 오류가 발생했습니다.'),
  PAY_PROCESS_ABORTED: e(400, '결제가 취소되었거나 진행되지 않았습니다.'),
  PAY_PROCESS_CANCELED: e(400, '사용자에 의해 결제가 취소되었습니다.'),
  PROVIDER_ERROR: e(400, '일시적인 오류가 발생했습니다. 잠시 후 다시 시도해주세요.'),
  REFUND_REJECTED: e(400, '환불이 거절됐습니다. 결제사에 문의 부탁드립니다.'),
  REQUIRED_ACCOUNT_KEY: e(400, '고정 가상계좌 발급에는 accountKey가 필요합니다.'),
  REQUIRED_AMOUNT: e(400, '금액은 필수 값입니다.'),
  RESTRICTED_TRANSFER_ACCOUNT: e(
    400,
    '계좌는 등록 후 12시간 뒤부터 결제할 수 있습니다. 관련 정책은 해당 은행으로 문의해주세요.',
  ),
  UNAPPROVED_ORDER_ID: e(400, '아직 승인되지 않은 주문번호입니다.'),
  USER_ACCOUNT_ON_HOLD: e(400, '해당 계좌는 지급 정지된 계좌입니다.'),
  // ---- 401 -----------------------------------------------------------------------------------------------
  UNAUTHORIZED_KEY: e(401, '인증되지 않은 시크릿 키 혹은 클라이언트 키 입니다.'),
  // ---- 403 -----------------------------------------------------------------------------------------------
  EXCEED_CANCEL_LIMIT: e(403, '취소 가능 한도를 초과했습니다.'),
  EXCEED_MAX_AUTH_COUNT: e(403, '최대 인증 횟수를 초과했습니다. 카드사로 문의해주세요.'),
  EXCEED_MAX_ONE_DAY_AMOUNT: e(403, '일일 한도를 초과했습니다.'),
  EXCEED_MAX_REFUND_AMOUNT: e(403, '환불 가능 금액을 초과했습니다.'),
  EXCEED_MAX_REFUND_DUE: e(403, '환불 가능한 기간이 지났습니다.'),
  FDS_ERROR: e(403, '[토스페이먼츠] 위험거래가 감지되어 결제가 제한됩니다.'),
  FORBIDDEN_CONSECUTIVE_REQUEST: e(403, '반복적인 요청은 허용되지 않습니다. 잠시 후 다시 시도해주세요.'),
  FORBIDDEN_REQUEST: e(403, '허용되지 않은 요청입니다.'),
  INCORRECT_BASIC_AUTH_FORMAT: e(403, "잘못된 요청입니다. ':' 를 포함해 인코딩해주세요."),
  INVALID_PASSWORD: e(403, '결제 비밀번호가 일치하지 않습니다.'),
  NOT_ALLOWED_CHANGING_ACCOUNT: e(403, '계좌 변경이 허용되지 않습니다.'),
  NOT_ALLOWED_PARTIAL_REFUND: e(
    403,
    '에스크로 주문, 현금 카드 결제일 때는 부분 환불이 불가합니다. 이외 다른 결제 수단에서 부분 취소가 되지 않을 때는 토스페이먼츠에 문의해 주세요.',
  ),
  NOT_ALLOWED_PARTIAL_REFUND_WAITING_DEPOSIT: e(403, '입금 대기중인 결제는 부분 환불이 불가합니다.'),
  NOT_ALLOWED_REFUND_BANK: e(403, '환불이 허용되지 않는 은행입니다.'),
  NOT_AVAILABLE_BANK: e(403, '은행 서비스 시간이 아닙니다.'),
  NOT_CANCELABLE_AMOUNT: e(403, '취소 할 수 없는 금액 입니다.'),
  NOT_CANCELABLE_PAYMENT: e(403, '취소 할 수 없는 결제 입니다.'),
  NOT_CANCELABLE_PAYMENT_FOR_DORMANT_USER: e(403, '휴면 처리된 회원의 결제는 취소할 수 없습니다.'),
  NOT_SUPPORTED_REFUND: e(403, '환불을 지원하지 않는 결제입니다.'),
  REJECT_ACCOUNT_PAYMENT: e(403, '잔액부족으로 결제에 실패했습니다.'),
  REJECT_CARD_COMPANY: e(403, '결제 승인이 거절되었습니다.'),
  REJECT_CARD_PAYMENT: e(403, '한도초과 혹은 잔액부족으로 결제에 실패했습니다.'),
  REJECT_TOSSPAY_INVALID_ACCOUNT: e(
    403,
    '선택하신 출금 계좌가 출금이체 등록이 되어 있지 않아요. 계좌를 다시 등록해 주세요.',
  ),
  // ---- 404 -----------------------------------------------------------------------------------------------
  NOT_FOUND: e(404, '존재하지 않는 정보 입니다.'),
  NOT_FOUND_BILLING: e(404, '존재하지 않는 빌링 정보 입니다.'),
  NOT_FOUND_HTTP_METHOD: e(404, '지원하지 않는 HTTP 메서드입니다.'),
  NOT_FOUND_MERCHANT: e(404, '존재하지 않는 가맹점입니다.'),
  NOT_FOUND_MERCHANT_INTEGRATION: e(404, '가맹점 연동 정보가 없습니다.'),
  NOT_FOUND_METHOD: e(404, '존재하지 않는 결제수단입니다.'),
  NOT_FOUND_METHOD_IN_GROUP: e(404, '그룹에 존재하지 않는 결제수단입니다.'),
  NOT_FOUND_METHOD_OWNERSHIP: e(404, '결제수단 소유 정보가 없습니다.'),
  NOT_FOUND_PAYMENT: e(404, '존재하지 않는 결제 정보 입니다.'),
  NOT_FOUND_PAYMENT_SESSION: e(404, '결제 시간이 만료되어 결제 진행 데이터가 존재하지 않습니다.'),
  NOT_FOUND_SUBMALL: e(404, '존재하지 않는 서브몰입니다.'),
  PAYOUT_NOT_FOUND: e(404, '존재하지 않는 지급대행 정보입니다.'),
  // ---- 409 / 500 -----------------------------------------------------------------------------------------
  IDEMPOTENT_REQUEST_PROCESSING: e(409, '이전 멱등 요청이 처리중입니다.'),
  COMMON_ERROR: e(500, '일시적인 오류가 발생했습니다. 잠시 후 다시 시도해주세요.'),
  FAILED_BILL_KEY_AUTH_CREATION: e(500, '빌링키 인증 생성에 실패했습니다. 잠시 후 다시 시도해주세요.'),
  FAILED_BILLING_AUTO_CANCEL: e(500, '자동결제 취소에 실패했습니다. 잠시 후 다시 시도해주세요.'),
  FAILED_CARD_COMPANY_RESPONSE: e(500, '카드사에서 에러가 발생했습니다. 잠시 후 다시 시도해 주세요.'),
  FAILED_DB_PROCESSING: e(500, '잘못된 요청 값으로 처리 중 DB 에러가 발생했습니다.'),
  FAILED_HASH_DATA_CREATION: e(500, '해시 데이터 생성에 실패했습니다.'),
  FAILED_INTERNAL_SYSTEM_PROCESSING: e(500, '내부 시스템 처리 작업이 실패했습니다. 잠시 후 다시 시도해주세요.'),
  FAILED_METHOD_HANDLING: e(500, '결제수단 처리 중 오류가 발생했습니다.'),
  FAILED_METHOD_HANDLING_CANCEL: e(500, '취소 중 결제 시 사용한 결제 수단 처리과정에서 일시적인 에러가 발생했습니다.'),
  FAILED_PARTIAL_REFUND: e(500, '은행 응답시간 지연이나 일시적인 오류로 부분환불요청에 실패했습니다.'),
  FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING: e(500, '결제가 완료되지 않았어요. 다시 시도해주세요.'),
  FAILED_REFUND_PROCESS: e(500, '은행 응답시간 지연이나 일시적인 오류로 환불요청에 실패했습니다.'),
  UNKNOWN_ERROR: e(500, '알 수 없는 에러가 발생했습니다.'),
  UNKNOWN_PAYMENT_ERROR: e(500, '결제에 실패했어요. 같은 문제가 반복된다면 은행이나 카드사로 문의해주세요.'),
};

/** A Toss error answer: `status` + `{code, message}` envelope (docs/gateways/toss.md#errors). Never carries secrets. */
export class TossApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'TossApiError';
  }

  toBody(): { code: string; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** The error for a known code, optionally with a more specific message. */
export function tossError(code: string, message?: string): TossApiError {
  const definition = TOSS_ERRORS[code];
  if (!definition) throw new Error(`toss simulator bug: unknown error code ${code}`);
  return new TossApiError(definition.status, code, message ?? definition.message);
}

/**
 * Codes whose 4xx answer is transient: a retry with the same Idempotency-Key must re-execute, so the idempotency
 * store never keeps them (docs/gateways/toss.md#settings-for-unverified-behaviour).
 */
export const RETRYABLE_4XX_CODES: ReadonlySet<string> = new Set([
  'PROVIDER_ERROR',
  'CARD_PROCESSING_ERROR',
  'FORBIDDEN_CONSECUTIVE_REQUEST',
  'IDEMPOTENT_REQUEST_PROCESSING',
]);
