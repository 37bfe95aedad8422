/*
 * What the simulated KISPG stores and the vocabulary it answers in: transactions, cancels, result codes, trxStatus
 * literals, payMethod spellings (docs/gateways/kispg.md#flow-at-a-glance).
 */

/** Methods in KISPG's upper-case response vocabulary. */
export type KispgPayMethod = 'CARD' | 'BANK' | 'VACNT' | 'PHONE';

/**
 * The simulator's states. KISPG itself only names `trxStatus`: AUTHENTICATED has none (not a transaction yet),
 * APPROVED = 승인 (also after partial cancels), WAITING_DEPOSIT = 입금대기, CANCELED = 취소.
 */
export type KispgTransactionState = 'AUTHENTICATED' | 'APPROVED' | 'WAITING_DEPOSIT' | 'CANCELED';

export interface KispgMerchant {
  mid: string;
  merchantKey: string;
  test: boolean;
}

export interface KispgCancelRecord {
  canNo: string;
  canAmt: number;
  canDtm: string;
  canMsg: string;
  /** 2001 (cancel) or 2211 (virtual-account refund). */
  resultCd: string;
  refundAccount?: { bankCode: string; accountNumber: string; holderName: string };
  /** True for the 23:30 test-MID auto-cancel. */
  automatic: boolean;
}

export interface KispgTransaction {
  tid: string;
  mid: string;
  ordNo: string;
  payMethod: KispgPayMethod;
  amt: number;
  goodsNm: string;
  ordNm: string;
  ordTel: string;
  ordEmail: string;
  mbsReserved: string;
  cupDepositAmt: number;
  crctType: string;
  crctNo: string;
  state: KispgTransactionState;
  /** VACNT only: the buyer transferred the money. */
  deposited: boolean;
  authenticatedAt: Date;
  approvedAt?: Date;
  appDtm: string;
  appNo: string;
  fnNm: string;
  vacntNo: string;
  lmtDay: string;
  cancels: KispgCancelRecord[];
  canceledAmt: number;
}

const METHOD_ALIASES: Readonly<Record<string, KispgPayMethod>> = {
  CARD: 'CARD',
  BANK: 'BANK',
  VACNT: 'VACNT',
  VBANK: 'VACNT', // integrators use both labels
  PHONE: 'PHONE',
  CELLPHONE: 'PHONE',
};

/** Approval success codes by method: the real ones (docs/gateways/kispg.md#approval-answer), not simulator inventions. */
export const APPROVAL_SUCCESS: Readonly<Record<KispgPayMethod, { resultCd: string; resultMsg: string }>> = {
  CARD: { resultCd: '3001', resultMsg: '카드 결제 성공' },
  BANK: { resultCd: '4000', resultMsg: '계좌이체 결제 성공' },
  VACNT: { resultCd: '4100', resultMsg: '가상계좌 채번 성공' },
  PHONE: { resultCd: 'A000', resultMsg: '휴대폰 결제 성공' },
};
export const DEPOSIT_SUCCESS = { resultCd: '4110', resultMsg: '가상계좌 입금 통보' };
export const CANCEL_SUCCESS = { resultCd: '2001', resultMsg: '취소 성공' };
export const REFUND_SUCCESS = { resultCd: '2211', resultMsg: '환불 성공' };
export const AUTH_SUCCESS = { resultCd: '0000', resultMsg: '인증 성공' };

/** trxStatus literals of /v2/order. */
export const TRX_STATUS = { approved: '승인', canceled: '취소', waitingDeposit: '입금대기' } as const;

/** The simulated card and bank, in KISPG's observed formats (card company code 02 = 국민). */
export const SIMULATED_CARD = { appCardCd: '02', acqCardCd: '02', fnNm: '국민', cardNo: '12345678****1234' };
export const SIMULATED_BANK_NAME = '신한';

export function normalizePayMethod(value: string): KispgPayMethod | undefined {
  return METHOD_ALIASES[value.trim().toUpperCase()];
}

export function trxStatusOf(transaction: KispgTransaction): string {
  if (transaction.state === 'CANCELED') return TRX_STATUS.canceled;
  if (transaction.state === 'WAITING_DEPOSIT') return TRX_STATUS.waitingDeposit;
  return TRX_STATUS.approved;
}
