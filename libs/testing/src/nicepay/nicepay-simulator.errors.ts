/**
 * NicePay result codes the simulator answers with, with their HTTP status and message from the official code table
 * (docs/gateways/nicepay.md#errors). NicePay reports most business errors with HTTP 200 and a non-`0000`
 * `resultCode`: 401 ↔ U104/U108, 403 ↔ U103/U109, 404 ↔ U107/U121, 405 ↔ U308.
 * Clients must branch on `resultCode`, never on the HTTP status or the message.
 */
export interface NicePayErrorDefinition {
  status: number;
  message: string;
}

const e = (status: number, message: string): NicePayErrorDefinition => ({ status, message });

export const NICEPAY_ERRORS: Readonly<Record<string, NicePayErrorDefinition>> = {
  // ---- authentication -----------------------------------------------------------------------------------------------
  U101: e(401, 'BASE64 DECODE 실패'),
  U103: e(403, '사용자 인증타입이 맞지 않습니다.'),
  U104: e(401, '사용자 인증에 실패하였습니다.'),
  U108: e(404, '허가되지 않은 요청 입니다.'),
  U116: e(401, '사용자 정보가 존재하지 않습니다.'),
  U117: e(401, '사용자 비밀번호가 일치하지 않습니다.'),
  U304: e(401, 'BASIC AUTHENTICATION 실패'),
  U308: e(405, 'Method Not Allowed.'),
  // ---- validation ---------------------------------------------------------------------------------------------------
  P007: e(200, '필수 파라미터가 없습니다.'),
  P009: e(200, '파라미터 길이가 최대길이 보다 큰값 입니다.'),
  P010: e(200, '파라미터가 숫자형식이 아닙니다.'),
  P011: e(200, '파라미터가 boolean형식이 아닙니다.'),
  P013: e(200, '파라미터가 공급가액, 부가세, 봉사료, 비과세급액의 합과 동일하지 않습니다.'),
  P017: e(200, '결제금액은 0원 결제가 불가합니다.'),
  '3041': e(200, '금액 오류(1000원 미만 신용카드 승인 불가)'),
  P024: e(200, '날짜형식(ISO8601)이 아닙니다.'),
  U130: e(200, '허용된 Date형식이 아닙니다.'),
  U131: e(200, '허용된 Data형식이 아닙니다.'),
  U132: e(200, '허용된 옵션 내용이 아닙니다.'),
  // ---- signatures / duplicates / amounts ----------------------------------------------------------------------------
  A101: e(200, 'SIGN DATA 검증에 실패하였습니다'),
  U112: e(200, '이미 사용된 OrderId 입니다.'),
  '2201': e(200, '기승인존재'),
  A123: e(200, '거래금액 불일치(인증된 금액과 승인요청 금액 불일치)'),
  // ---- not found ----------------------------------------------------------------------------------------------------
  U107: e(404, '거래내역이 존재 하지 않습니다.'),
  U121: e(404, '인증 요청내역이 존재하지 않습니다.'),
  U126: e(200, 'orderId가 존재 하지 않습니다.'),
  // ---- cancel -------------------------------------------------------------------------------------------------------
  U106: e(200, '현금영수증 취소는 별도 API 이용 요망'),
  U122: e(200, '취소 해당거래 없음'),
  U128: e(200, '부분취소는 운영 환경에서 이용 가능(샌드박스는 부분취소 미제공)'),
  U319: e(200, '요청하신 면세금액이 취소가능한 면세금액을 초과 오류'),
  '2010': e(200, '취소 요청금액 0원 이하'),
  '2013': e(200, '취소 완료 거래'),
  '2016': e(200, '취소 기한 초과'),
  '2030': e(200, '해당결제수단 부분취소 불가'),
  '2032': e(200, '취소금액이 취소가능금액보다 큼'),
  // ---- net cancel ---------------------------------------------------------------------------------------------------
  '2020': e(200, '망상 취소 허용시간 초과'),
  // ---- billing ------------------------------------------------------------------------------------------------------
  // F101 is reported to be what an undecryptable encData gets; the code table's text for F101 describes something
  // else, so the simulator uses a message that says what happened.
  F101: e(200, 'encData 복호화에 실패하였습니다.'),
  F112: e(200, '유효하지않은 카드번호를 입력하셨습니다 (card_bin 없음)'),
  A124: e(200, '해당 BID가 존재하지 않습니다'),
  U115: e(200, '삭제 처리된 BID 입니다.'),
  // ---- cash receipts ------------------------------------------------------------------------------------------------
  '7041': e(200, '금액오류(0원 이하 발행불가)'),
  // ---- server -------------------------------------------------------------------------------------------------------
  S999: e(500, '기타오류가 발생하였습니다.'),
};

/**
 * A NicePay error answer: HTTP status + `{resultCode, resultMsg, ...extra}`. `extra` carries the fields NicePay
 * keeps on some failures (e.g. `authDate` on a failed billing-key expire). Never carries secrets.
 */
export class NicePayApiError extends Error {
  constructor(
    readonly status: number,
    readonly resultCode: string,
    readonly resultMsg: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(`${resultCode} ${resultMsg}`);
    this.name = 'NicePayApiError';
  }

  toBody(): Record<string, unknown> {
    return { resultCode: this.resultCode, resultMsg: this.resultMsg, ...this.extra };
  }
}

/** The error for a known code, optionally with a more specific message and extra body fields. */
export function nicepayError(code: string, message?: string, extra?: Record<string, unknown>): NicePayApiError {
  const definition = NICEPAY_ERRORS[code];
  if (!definition) throw new Error(`nicepay simulator bug: unknown result code ${code}`);
  return new NicePayApiError(definition.status, code, message ?? definition.message, extra);
}
