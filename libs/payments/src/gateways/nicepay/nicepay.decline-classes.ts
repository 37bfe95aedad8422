import { BILLING_KEY_DELETED_CODE, type DeclineClass } from '../gateway-capabilities';
import { NICEPAY_ERROR_TABLE } from './nicepay.errors';

/**
 * Billing-charge result codes by what the next try should be (docs/gateways/nicepay.md#decline-classes). HARD: the
 * card number, its expiry or the bid itself is unusable; retrying the same bid can never succeed.
 */
const HARD = new Set([
  '3011', // 카드번호 오류
  '3021', // 유효기간 오류
  '3053', // 확인 불가 해외카드
  '3057', // 인증 불가카드
  'F112', // 유효하지 않은 카드번호
  'F118', // 사용 불가 카드
  'A124', // BID 없음
  'A125', // BID 무효
  'A126', // 삭제된 빌키
  'U115', // 삭제 처리된 BID
  'U309', // 발급되지 않은 BID
  BILLING_KEY_DELETED_CODE,
]);

/** SOFT: the card company refused this time (limits, balance); a later day may go through. */
const SOFT = new Set([
  '3095', // 카드사 실패 응답
  '3081', // 카드 잔액 값 오류
  '3041', // 금액 오류 (1,000원 미만): a later amount change can fix it
]);

/**
 * The class of a NicePay billing-charge failure. TRANSIENT and CONFIGURATION follow the result-code table
 * (nicepay.errors.ts: retryable / configuration), plus HTTP 5xx or 429 without a code; anything else is UNKNOWN.
 */
export function nicePayDeclineClassOf(code: string): DeclineClass {
  if (HARD.has(code)) return 'HARD';
  if (SOFT.has(code)) return 'SOFT';
  const category = NICEPAY_ERROR_TABLE.get(code);
  if (category === 'retryable' || /^HTTP_(5\d\d|429)$/.test(code)) return 'TRANSIENT';
  if (category === 'configuration') return 'CONFIGURATION';
  return 'UNKNOWN';
}
