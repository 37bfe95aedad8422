import type { Clock } from '../clock';
import { formatKstDateTime, vatOfTaxable } from './apps-in-toss-simulator.format';

/*
 * What the simulated TossPay partner API stores and refuses: the payment record (and a new one built from a checked
 * make-payment), the FAIL envelope as an error, and the request-field checks every endpoint shares. The endpoints themselves are in apps-in-toss-simulator.store.ts;
 * the success bodies they answer are built in apps-in-toss-simulator.answers.ts.
 */

/**
 * Error codes the simulator answers. The first four are documented by Toss; EXECUTE_PAY_NOT_APPROVED and
 * FORBIDDEN_REQUEST are seen only in third-party client mappings; the rest are the simulator's own names for cases
 * Toss does not document (a double execute, a refund in the wrong state, an unknown payment). A client should
 * surface them, not switch on them (docs/gateways/apps-in-toss.md#simulator-settings).
 */
export const APPS_IN_TOSS_ERROR_CODES = {
  INVALID_PARAMETER: 'INVALID_PARAMETER',
  PAYMENT_EXISTING_PAYMENT: 'PAYMENT_EXISTING_PAYMENT',
  COMMON_INVALID_API_KEY: 'COMMON_INVALID_API_KEY',
  COMMON_BREAK_TIME_OF_BANK: 'COMMON_BREAK_TIME_OF_BANK',
  EXECUTE_PAY_NOT_APPROVED: 'EXECUTE_PAY_NOT_APPROVED',
  FORBIDDEN_REQUEST: 'FORBIDDEN_REQUEST',
  PAYMENT_NOT_FOUND: 'PAYMENT_NOT_FOUND',
  EXECUTE_ALREADY_COMPLETED: 'EXECUTE_ALREADY_COMPLETED',
  REFUND_NOT_REFUNDABLE: 'REFUND_NOT_REFUNDABLE',
  NOT_FOUND: 'NOT_FOUND',
} as const;

const E = APPS_IN_TOSS_ERROR_CODES;

/** A FAIL envelope with its HTTP status (make/execute/refund answer 200/400, get-payment-status 200/404). */
export class AppsInTossApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    readonly reason: string,
  ) {
    super(`${errorCode}: ${reason}`);
  }

  toBody(): { resultType: 'FAIL'; error: { errorCode: string; reason: string } } {
    return { resultType: 'FAIL', error: { errorCode: this.errorCode, reason: this.reason } };
  }
}

export const invalid = (reason: string): AppsInTossApiError => new AppsInTossApiError(400, E.INVALID_PARAMETER, reason);

export type PayStatus =
  | 'PAY_STANDBY'
  | 'PAY_APPROVED'
  | 'PAY_CANCEL'
  | 'PAY_PROGRESS'
  | 'PAY_COMPLETE'
  | 'REFUND_PROGRESS'
  | 'REFUND_SUCCESS'
  | 'SETTLEMENT_COMPLETE'
  | 'SETTLEMENT_REFUND_COMPLETE';

export type PayMethod = 'CARD' | 'TOSS_MONEY';

export const PAY_METHODS: readonly PayMethod[] = ['CARD', 'TOSS_MONEY'];

export interface PaymentTransaction {
  stepType: 'PAY' | 'REFUND';
  transactionId: string;
  paidAmount: number;
  /** Negative for REFUND. */
  transactionAmount: number;
  discountedAmount: number;
  pointAmount: number;
  regTs: string;
}

export interface CardDetails {
  cardCompanyCode: number;
  cardCompanyName: string;
  cardAuthorizationNo: string | null;
  cardMethodType: 'CREDIT' | 'CHECK' | 'PREPAYMENT';
  cardUserType: 'PERSONAL';
  cardNumber: string;
  cardBinNumber: string;
  cardNum4Print: string;
  spreadOut: number;
  noInterest: boolean;
  salesCheckLinkUrl: string;
}

export interface AccountDetails {
  accountBankCode: string;
  accountBankName: string;
  accountNumber: string;
}

export interface StoredPayment {
  payToken: string;
  orderNo: string;
  userKey: string;
  isTestPayment: boolean;
  productDesc: string;
  amount: number;
  amountTaxFree: number;
  amountTaxable: number;
  amountVat: number;
  amountServiceFee: number;
  enablePayMethods: PayMethod[] | null;
  cashReceipt: boolean;
  cashReceiptTradeOption: string;
  installment: string;
  payStatus: PayStatus;
  payMethod: PayMethod | null;
  discountedAmount: number;
  paidAmount: number;
  card: CardDetails | null;
  account: AccountDetails | null;
  transactionId: string | null;
  cashReceiptMgtKey: string | null;
  transactions: PaymentTransaction[];
  createdTs: string;
  /** make-payment time on the simulator's clock: when the window lapses (`windowLapsesAfterMs`) is measured from it. */
  createdAt: Date;
  paidTs: string | null;
  /** Kept for `executeTwice: 'replay'`. */
  executeAnswer: Record<string, unknown> | null;
}

export interface AppsInTossStoreSettings {
  clock: Clock;
  merchantKeyConfigured: boolean;
  allowTildeInOrderNo: boolean;
  sandboxRejectsExecute: boolean;
  sandboxRejectCode: string;
  refundReasonRequired: boolean;
  refundReasonAllowsSpace: boolean;
  executeTwice: 'fail' | 'replay';
  /** null: a window never lapses by itself. */
  windowLapsesAfterMs: number | null;
}

/** A make-payment request that passed every check. */
export interface MakeRequest {
  orderNo: string;
  productDesc: string;
  amount: number;
  amountTaxFree: number;
  amountTaxable?: number | null;
  amountVat?: number | null;
  amountServiceFee?: number | null;
  isTestPayment: boolean;
  enablePayMethods: PayMethod[] | null;
  cashReceipt: boolean;
  cashReceiptTradeOption: string;
  installment: string;
}

/** A new PAY_STANDBY payment. */
export function newStoredPayment(
  payToken: string,
  userKey: string,
  request: MakeRequest,
  createdAt: Date,
): StoredPayment {
  // The tax split Toss derives when the merchant leaves it out (how exactly is not documented): the VAT-bearing part
  // is amount − taxFree − serviceFee; VAT = that ÷ 11 rounded up, as documented; the supply value is the rest.
  const amountServiceFee = request.amountServiceFee ?? 0;
  const grossTaxable = Math.max(0, request.amount - request.amountTaxFree - amountServiceFee);
  const amountVat = request.amountVat ?? vatOfTaxable(grossTaxable);
  const amountTaxable = request.amountTaxable ?? Math.max(0, grossTaxable - amountVat);
  return {
    payToken,
    orderNo: request.orderNo,
    userKey,
    isTestPayment: request.isTestPayment,
    productDesc: request.productDesc,
    amount: request.amount,
    amountTaxFree: request.amountTaxFree,
    amountTaxable,
    amountVat,
    amountServiceFee,
    enablePayMethods: request.enablePayMethods,
    cashReceipt: request.cashReceipt,
    cashReceiptTradeOption: request.cashReceiptTradeOption,
    installment: request.installment,
    payStatus: 'PAY_STANDBY',
    payMethod: null,
    discountedAmount: 0,
    paidAmount: request.amount,
    card: null,
    account: null,
    transactionId: null,
    cashReceiptMgtKey: null,
    transactions: [],
    createdTs: formatKstDateTime(createdAt),
    createdAt,
    paidTs: null,
    executeAnswer: null,
  };
}

export function bankBreakTime(): AppsInTossApiError {
  return new AppsInTossApiError(400, E.COMMON_BREAK_TIME_OF_BANK, '은행 점검 시간입니다.');
}

export function requirePayToken(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 30)
    throw invalid('payToken은 30자 이하의 문자열이어야 합니다.');
  return value;
}

export function requireIsTestPayment(value: unknown): boolean {
  if (typeof value !== 'boolean') throw invalid('isTestPayment는 boolean이어야 합니다.');
  return value;
}

/**
 * execute/refund's isTestPayment means "was this payToken issued in sandbox"; the simulator refuses a mismatch
 * (what Toss answers is not documented).
 */
export function assertSameMode(payment: StoredPayment, isTestPayment: boolean): void {
  if (payment.isTestPayment !== isTestPayment) throw invalid('isTestPayment가 결제 생성 시와 다릅니다.');
}

/**
 * `enablePayMethods`: null/absent = the store's default, `CARD`, `TOSS_MONEY`; a comma list of those is accepted too,
 * although only a third-party doc uses one (the adapter never sends it). Max 100 chars.
 */
export function parseEnablePayMethods(value: unknown): PayMethod[] | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.length === 0 || value.length > 100)
    throw invalid('enablePayMethods가 올바르지 않습니다.');
  const methods = value.split(',').map((method) => method.trim());
  if (methods.some((method) => !PAY_METHODS.includes(method as PayMethod)))
    throw invalid('enablePayMethods가 올바르지 않습니다.');
  return [...new Set(methods as PayMethod[])];
}

export function optionalEnum(value: unknown, allowed: readonly string[], field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !allowed.includes(value))
    throw invalid(`${field}는 ${allowed.join(', ')} 중 하나여야 합니다.`);
  return value;
}
