import type { LoggerService } from '@nestjs/common';
import { InvalidInputError } from '../../domain/errors';
import { assertNonNegativeKrw } from '../../domain/money';
import { isKrwAmount, isRecord, nonEmptyString } from '../gateway-fields';
import type {
  CancelRequest,
  CancelResult,
  CardInfo,
  GatewayCancelTruth,
  GatewayPaymentStatus,
  GatewayPaymentTruth,
  PaymentLookup,
  PreparedPayment,
  PrepareRequest,
} from '../gateway.port';
import type { AppsInTossResult } from './apps-in-toss.client';
import { APPS_IN_TOSS_GATEWAY, malformedResponse } from './apps-in-toss.errors';
import type {
  AppsInTossExecuteResult,
  AppsInTossMakePaymentBody,
  AppsInTossPaymentStatus,
  AppsInTossPayMethod,
  AppsInTossRefundResult,
  AppsInTossStatusCard,
  AppsInTossTransaction,
} from './apps-in-toss.types';

/*
 * Wire ↔ port mapping of the TossPay partner API: the make-payment body built from a PrepareRequest, and the
 * execute / refund / status answers turned into the port's truths. No calls and no ordering here: the flows are in
 * apps-in-toss.gateway.ts. The decisions are explained in docs/gateways/apps-in-toss.md#mapping-decisions.
 */

/**
 * Canonical method of every Apps-in-Toss payment: TossPay is a wallet (간편결제), whichever funding source the buyer
 * picks inside it (TOSS_MONEY = account/Toss money, CARD = a card registered in TossPay). Toss Payments reports the
 * same wallet as 간편결제 (EASY_PAY) too. The funding source stays visible: `card` is set for CARD, and `raw`
 * keeps `payMethod`.
 */
export const APPS_IN_TOSS_METHOD = 'EASY_PAY';

/** Failure code recorded when the payment window was closed or lapsed before execution (payStatus PAY_CANCEL). */
export const APPS_IN_TOSS_WINDOW_CANCELED = 'PAY_CANCEL';

const KST_OFFSET = '+09:00'; // Asia/Seoul has no DST

/** The `extra` fields prepare forwards to make-payment; anything else is refused. */
const MAKE_PAYMENT_EXTRA_FIELDS = [
  'amountTaxable',
  'amountVat',
  'amountServiceFee',
  'enablePayMethods',
  'cashReceipt',
  'cashReceiptTradeOption',
  'installment',
] as const;
const PAY_METHODS: readonly AppsInTossPayMethod[] = ['TOSS_MONEY', 'CARD'];
const CASH_RECEIPT_TRADE_OPTIONS = ['GENERAL', 'CULTURE', 'PUBLIC_TP'] as const;
const INSTALLMENT_OPTIONS = ['USE', 'NOT_USE'] as const;

// --------------------------------------------------------------------------------------------------------------
// Requests
// --------------------------------------------------------------------------------------------------------------

/** The make-payment body for an already checked request (`amount` / `taxFree` are the checked values). */
export function makePaymentBody(
  request: PrepareRequest,
  checked: { amount: number; taxFree: number },
  testPayment: boolean,
): AppsInTossMakePaymentBody {
  return {
    orderNo: request.orderId,
    productDesc: request.orderName,
    amount: checked.amount,
    // Required, 0 for taxable goods: always sent.
    amountTaxFree: checked.taxFree,
    ...makePaymentExtras(request.extra, checked.amount),
    isTestPayment: testPayment,
  };
}

/** The optional make-payment fields from `extra`, each checked; an unknown key is refused, never forwarded. */
function makePaymentExtras(
  extra: Record<string, unknown> | undefined,
  amount: number,
): Partial<AppsInTossMakePaymentBody> {
  if (extra === undefined || extra === null) return {};
  for (const key of Object.keys(extra)) {
    if (!(MAKE_PAYMENT_EXTRA_FIELDS as readonly string[]).includes(key)) {
      throw new InvalidInputError(
        `extra.${key}`,
        `is not a make-payment field (allowed: ${MAKE_PAYMENT_EXTRA_FIELDS.join(', ')})`,
      );
    }
  }
  const out: Partial<AppsInTossMakePaymentBody> = {};
  for (const key of ['amountTaxable', 'amountVat', 'amountServiceFee'] as const) {
    const value = extra[key];
    if (value === undefined || value === null) continue;
    const checked = assertNonNegativeKrw(value, `extra.${key}`);
    if (checked > amount) throw new InvalidInputError(`extra.${key}`, 'must not exceed amount');
    out[key] = checked;
  }
  const methods = extra['enablePayMethods'];
  if (methods !== undefined && methods !== null) {
    // Whether a comma list ("TOSS_MONEY,CARD") works is unverified; omit the field to allow both.
    if (!PAY_METHODS.includes(methods as AppsInTossPayMethod)) {
      throw new InvalidInputError(
        'extra.enablePayMethods',
        'must be TOSS_MONEY or CARD (omit it for the store default)',
      );
    }
    out.enablePayMethods = methods as AppsInTossPayMethod;
  }
  const cashReceipt = extra['cashReceipt'];
  if (cashReceipt !== undefined && cashReceipt !== null) {
    // Toss silently reads anything but a boolean as false: refuse it instead.
    if (typeof cashReceipt !== 'boolean') throw new InvalidInputError('extra.cashReceipt', 'must be a boolean');
    out.cashReceipt = cashReceipt;
  }
  const tradeOption = optionalChoice(
    extra['cashReceiptTradeOption'],
    CASH_RECEIPT_TRADE_OPTIONS,
    'extra.cashReceiptTradeOption',
  );
  if (tradeOption !== undefined) out.cashReceiptTradeOption = tradeOption;
  const installment = optionalChoice(extra['installment'], INSTALLMENT_OPTIONS, 'extra.installment');
  if (installment !== undefined) out.installment = installment;
  return out;
}

function optionalChoice<T extends string>(value: unknown, allowed: readonly T[], field: string): T | undefined {
  if (value === undefined || value === null) return undefined;
  if (!(allowed as readonly unknown[]).includes(value))
    throw new InvalidInputError(field, `must be one of ${allowed.join(', ')}`);
  return value as T;
}

// --------------------------------------------------------------------------------------------------------------
// Answers
// --------------------------------------------------------------------------------------------------------------

/** execute-payment `success` → PAID truth. Card fields are flat here. */
export function executeTruth(
  result: AppsInTossResult<AppsInTossExecuteResult>,
  payToken: string,
  prepared: PreparedPayment,
): GatewayPaymentTruth {
  const success = result.body;
  const amount = requireAmount(success.amount, 'execute-payment', 'amount');
  return {
    gateway: APPS_IN_TOSS_GATEWAY,
    paymentKey: nonEmptyString(success.payToken) ?? payToken,
    orderId: nonEmptyString(success.orderNo) ?? prepared.orderId,
    status: 'PAID',
    totalAmount: amount,
    balanceAmount: amount,
    taxFreeAmount: prepared.taxFreeAmount,
    method: APPS_IN_TOSS_METHOD,
    approvedAt: parseKstTime(success.approvalTime),
    currency: 'KRW',
    card: success.payMethod === 'CARD' ? mapCard(success) : null,
    cancels: [],
    failure: null,
    lastTransactionKey: nonEmptyString(success.transactionId) ?? null,
    receiptUrl: nonEmptyString(success.salesCheckLinkUrl) ?? null,
    raw: result.scrubbed,
  };
}

/**
 * refund-payment `success` → CANCELED truth plus the cancel this refund created. `amount` is what we asked to refund,
 * `now` stands in for a refund time Toss did not give.
 */
export function refundResult(
  result: AppsInTossResult<AppsInTossRefundResult>,
  payToken: string,
  request: CancelRequest,
  amount: number,
  now: Date,
): CancelResult {
  const success = result.body;
  // The refund left and Toss answered SUCCESS about something: the truth carries what Toss says it refunded and for
  // which payToken. Another payToken or amount than ours makes the core keep the cancel UNKNOWN (reservation kept)
  // until `sync` books what get-payment-status shows (the ledger's settle checks).
  if (
    success.refundedAmount !== undefined &&
    success.refundedAmount !== null &&
    optionalAmount(success.refundedAmount) === undefined
  ) {
    throw malformedResponse('refund-payment', 'refundedAmount');
  }
  const cancel: GatewayCancelTruth = {
    transactionKey: refundTransactionKey(
      nonEmptyString(success.transactionId) ?? nonEmptyString(success.refundNo),
      payToken,
    ),
    amount: optionalAmount(success.refundedAmount) ?? amount,
    taxFreeAmount: request.taxFreeAmount ?? 0,
    canceledAt: parseKstTime(success.approvalTime) ?? now,
    reason: request.reason,
    status: 'DONE',
  };
  const remaining = optionalAmount(success.refundableAmount);
  const payment: GatewayPaymentTruth = {
    gateway: APPS_IN_TOSS_GATEWAY,
    paymentKey: nonEmptyString(success.payToken) ?? payToken,
    orderId: request.prepared.orderId,
    status: 'CANCELED',
    totalAmount: request.prepared.amount,
    balanceAmount: remaining !== undefined && remaining <= request.prepared.amount ? remaining : 0,
    method: APPS_IN_TOSS_METHOD,
    currency: 'KRW',
    cancels: [cancel],
    failure: null,
    lastTransactionKey: cancel.transactionKey,
    raw: result.scrubbed,
  };
  return { payment, cancel };
}

/** get-payment-status `success` → truth. Card fields are nested under `card` here; see `mapPayStatus`. */
export function statusTruth(
  result: AppsInTossResult<AppsInTossPaymentStatus>,
  lookup: PaymentLookup,
  logger?: LoggerService,
): GatewayPaymentTruth {
  const success = result.body;
  const payToken = nonEmptyString(success.payToken) ?? lookup.paymentKey ?? undefined;
  if (!payToken) throw malformedResponse('get-payment-status', 'payToken');
  // A status answer about another payToken never replaces ours: the ledger refuses it against the stored key
  // (PaymentKeyMismatchError), as it does another orderNo or amount.
  const totalAmount = requireAmount(success.amount, 'get-payment-status', 'amount');
  const transactions = Array.isArray(success.transactions) ? success.transactions.filter(isRecord) : [];
  const payStatus = typeof success.payStatus === 'string' ? success.payStatus : '';
  const status = mapPayStatus(payStatus, logger);
  const refunded = status === 'CANCELED' || payStatus === 'REFUND_PROGRESS';
  const cancels = refunded ? refundCancels(transactions, payToken, totalAmount, payStatus === 'REFUND_PROGRESS') : [];
  const payStep = transactions.find((t) => t.stepType === 'PAY');
  const last = transactions[transactions.length - 1];
  const paid = status === 'PAID' || status === 'CANCELED';
  return {
    gateway: APPS_IN_TOSS_GATEWAY,
    paymentKey: payToken,
    orderId: nonEmptyString(success.orderNo) ?? lookup.orderId,
    status,
    totalAmount,
    // Full refunds only: a refunded payment has nothing left; REFUND_PROGRESS still holds the money.
    balanceAmount: status === 'CANCELED' ? 0 : totalAmount,
    taxFreeAmount: optionalAmount(success.amountTaxFree),
    vat: optionalAmount(success.amountVat),
    method: paid || nonEmptyString(success.payMethod) ? APPS_IN_TOSS_METHOD : null,
    approvedAt: paid ? (parseKstTime(success.paidTs) ?? parseKstTime(payStep?.regTs)) : null,
    currency: 'KRW',
    card: success.payMethod === 'CARD' && isRecord(success.card) ? mapCard(success.card) : null,
    cancels,
    failure:
      status === 'EXPIRED'
        ? {
            code: APPS_IN_TOSS_WINDOW_CANCELED,
            message: 'the TossPay window was closed or lapsed before execution (payStatus PAY_CANCEL)',
          }
        : null,
    lastTransactionKey: nonEmptyString(last?.transactionId) ?? null,
    receiptUrl: isRecord(success.card) ? (nonEmptyString(success.card.salesCheckLinkUrl) ?? null) : null,
    raw: result.scrubbed,
  };
}

/**
 * payStatus → canonical status (docs/gateways/apps-in-toss.md#status-mapping):
 * - PAY_STANDBY (created, window not completed) and PAY_APPROVED (buyer authenticated, not executed) → READY: Toss
 *   holds the payment as not approved and nothing is in flight there, so no money has moved. Once our own execute
 *   call is over (`maxCallMs`), READY proves the execute did not happen; the payToken can still be executed;
 * - PAY_PROGRESS → IN_PROGRESS: Toss is executing it, the outcome is still open;
 * - PAY_CANCEL (the buyer closed the window, or it lapsed, before execution) → EXPIRED with failure PAY_CANCEL: the
 *   window was abandoned, no money ever moved (so it is not a refund), and the payToken is dead;
 * - PAY_COMPLETE, SETTLEMENT_COMPLETE → PAID;
 * - REFUND_PROGRESS → PAID with the refund as an IN_PROGRESS cancel (money still held until it completes);
 * - REFUND_SUCCESS, SETTLEMENT_REFUND_COMPLETE → CANCELED.
 * An unknown value is reported as IN_PROGRESS (never as settled, never as "not approved") and logged.
 */
export function mapPayStatus(payStatus: string, logger?: LoggerService): GatewayPaymentStatus {
  switch (payStatus) {
    case 'PAY_STANDBY':
    case 'PAY_APPROVED':
      return 'READY';
    case 'PAY_PROGRESS':
      return 'IN_PROGRESS';
    case 'PAY_CANCEL':
      return 'EXPIRED';
    case 'PAY_COMPLETE':
    case 'SETTLEMENT_COMPLETE':
    case 'REFUND_PROGRESS':
      return 'PAID';
    case 'REFUND_SUCCESS':
    case 'SETTLEMENT_REFUND_COMPLETE':
      return 'CANCELED';
    default:
      logger?.warn?.(`appsInToss: unknown payStatus "${payStatus}", treated as IN_PROGRESS`, 'AppsInTossGateway');
      return 'IN_PROGRESS';
  }
}

/**
 * The cancels of a refunded payment from get-payment-status `transactions` (REFUND rows, negative amounts). Full
 * refunds only, so when Toss lists no REFUND row the whole amount is one refund. The transaction key is the same one
 * `cancel()` records (`refundTransactionKey`), so a refund seen by both is booked once.
 */
function refundCancels(
  transactions: AppsInTossTransaction[],
  payToken: string,
  totalAmount: number,
  inProgress: boolean,
): GatewayCancelTruth[] {
  const refunds = transactions.filter((t) => t.stepType === 'REFUND');
  const status: GatewayCancelTruth['status'] = inProgress ? 'IN_PROGRESS' : 'DONE';
  if (refunds.length === 0) {
    return [
      {
        transactionKey: refundTransactionKey(null, payToken),
        amount: totalAmount,
        taxFreeAmount: 0,
        canceledAt: null,
        status,
      },
    ];
  }
  return refunds.map((refund) => {
    const raw = typeof refund.transactionAmount === 'number' ? refund.transactionAmount : refund.paidAmount;
    const amount = typeof raw === 'number' && Number.isSafeInteger(raw) && raw !== 0 ? Math.abs(raw) : totalAmount;
    return {
      transactionKey: refundTransactionKey(nonEmptyString(refund.transactionId), payToken),
      amount,
      taxFreeAmount: 0,
      canceledAt: parseKstTime(refund.regTs),
      status,
    };
  });
}

/** Toss's refund transactionId when it has one (the key Toss recommends reconciling on); else one stable key per payToken. */
export function refundTransactionKey(transactionId: string | null | undefined, payToken: string): string {
  return transactionId && transactionId.length > 0 ? transactionId : `${payToken}:refund`;
}

/**
 * Card fields of execute (flat, strings) or status (`card{}`, integers): the two endpoints type the same fields
 * differently, so every one is coerced (docs/gateways/apps-in-toss.md#method-amounts-and-card-fields).
 */
function mapCard(source: AppsInTossExecuteResult | AppsInTossStatusCard): CardInfo {
  const companyCode = source.cardCompanyCode;
  return {
    issuerCode:
      companyCode === null || companyCode === undefined || companyCode === '' ? undefined : String(companyCode),
    // Toss returns the number masked; anything not masked is not kept.
    maskedNumber:
      typeof source.cardNumber === 'string' && source.cardNumber.includes('*') ? source.cardNumber : undefined,
    approveNo: nonEmptyString(source.cardAuthorizationNo),
    installmentMonths: toInteger(source.spreadOut),
    cardType: nonEmptyString(source.cardMethodType),
  };
}

/**
 * `approvalTime` is Asia/Seoul wall-clock `yyyy-MM-dd HH:mm:ss`. The status timestamps' format is not documented
 * (docs/gateways/apps-in-toss.md#timestamps): ISO strings (zone or not, KST assumed without), `yyyyMMddHHmmss`, and
 * epoch numbers (ms, or s when small) are accepted; anything else is null.
 */
export function parseKstTime(value: unknown): Date | null {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) {
    const parsed = new Date(value < 1e12 ? value * 1000 : value);
    return Number.isNaN(parsed.getTime()) ? null : parsed;
  }
  if (typeof value !== 'string' || value.trim().length === 0) return null;
  let text = value.trim();
  const compact = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (compact) text = `${compact[1]}-${compact[2]}-${compact[3]}T${compact[4]}:${compact[5]}:${compact[6]}`;
  text = text.replace(/^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2})/, '$1T$2');
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(text)) return null;
  const hasZone = /([zZ]|[+-]\d{2}:?\d{2})$/.test(text);
  const parsed = new Date(hasZone ? text : `${text}${KST_OFFSET}`);
  return Number.isNaN(parsed.getTime()) ? null : parsed;
}

function requireAmount(value: unknown, operation: string, field: string): number {
  if (!isKrwAmount(value)) throw malformedResponse(operation, `${field} is not an integer KRW amount`);
  return value;
}

function optionalAmount(value: unknown): number | undefined {
  return isKrwAmount(value) ? value : undefined;
}

function toInteger(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value.trim());
  return undefined;
}
