/**
 * KISPG publishes no failure codes, so the simulator answers refusals with clearly namespaced, invented codes rather
 * than pretend to know KISPG's (docs/gateways/kispg.md#simulator-inventions). Every code can be
 * replaced through `KispgSimulatorOptions.failureCodes`.
 */
export type KispgFailureKind =
  | 'unknownMid'
  | 'hashMismatch'
  | 'ediDate'
  | 'amountMismatch'
  | 'unknownTid'
  | 'alreadyApproved'
  | 'overBalance'
  | 'partialNotAllowed'
  | 'duplicateOrder'
  /** A required field is missing, too long (bytes) or malformed. */
  | 'invalidField'
  /** Simulator addition: the buyer gave up or the card company declined in the window (`outcome: 'failure'`). */
  | 'authDeclined';

/** SIM1..SIM9 for the checks every KISPG fake needs, SIM10/SIM11 for the two above. */
export const DEFAULT_FAILURE_CODES: Readonly<Record<KispgFailureKind, string>> = {
  unknownMid: 'SIM1',
  hashMismatch: 'SIM2',
  ediDate: 'SIM3',
  amountMismatch: 'SIM4',
  unknownTid: 'SIM5',
  alreadyApproved: 'SIM6',
  overBalance: 'SIM7',
  partialNotAllowed: 'SIM8',
  duplicateOrder: 'SIM9',
  invalidField: 'SIM10',
  authDeclined: 'SIM11',
};

/** Korean messages in KISPG's register. */
export const FAILURE_MESSAGES: Readonly<Record<KispgFailureKind, string>> = {
  unknownMid: '가맹점 정보 없음',
  hashMismatch: '해쉬값 불일치',
  ediDate: '전문요청일시 오류',
  amountMismatch: '금액 불일치',
  unknownTid: '거래 정보 없음',
  alreadyApproved: '이미 승인된 거래',
  overBalance: '취소 가능 금액 초과',
  partialNotAllowed: '부분취소 불가 거래',
  duplicateOrder: '중복된 주문번호',
  invalidField: '요청 항목 오류',
  authDeclined: '사용자 결제 취소',
};

/** A refusal: answered as HTTP 200 `{resultCd, resultMsg}`, as KISPG answers its own refusals. */
export class KispgRefusal extends Error {
  constructor(
    readonly kind: KispgFailureKind,
    readonly detail?: string,
  ) {
    super(detail ? `${FAILURE_MESSAGES[kind]} (${detail})` : FAILURE_MESSAGES[kind]);
  }
}

export const refuse = (kind: KispgFailureKind, detail?: string): never => {
  throw new KispgRefusal(kind, detail);
};
