import type { LoggerService } from '@nestjs/common';
import { createHash } from 'node:crypto';
import {
  AmountMismatchError,
  GatewayDeclinedError,
  GatewayRequestError,
  GatewayUnavailableError,
  InvalidInputError,
  OrderMismatchError,
  PaymentNotFoundError,
  SignatureMismatchError,
  UnsupportedOperationError,
} from '../../domain/errors';
import { assertKrwAmount, assertNonNegativeKrw } from '../../domain/money';
import type { GatewayClock } from '../gateway.definition';
import type {
  ApproveRequest,
  BillingChargeRequest,
  BillingKeyIssueRequest,
  BillingKeyTruth,
  CancelRequest,
  CancelResult,
  CardInfo,
  CashReceiptCancelRequest,
  CashReceiptIssueRequest,
  CashReceiptTruth,
  CheckoutParams,
  ConfirmInput,
  GatewayCancelTruth,
  GatewayCapabilities,
  GatewayPaymentStatus,
  GatewayPaymentTruth,
  GatewayTransaction,
  NetCancelRequest,
  ParsedWebhook,
  PaymentGateway,
  PaymentLookup,
  PreparedPayment,
  PrepareRequest,
  RawWebhookRequest,
  TransactionListRequest,
  UnknownApprovalRequest,
  UnknownApprovalResolution,
  VirtualAccountInfo,
  WebhookReply,
} from '../gateway.port';
import type { KispgCallResult, KispgClient } from './kispg.client';
import { formatKispgEdiDate, kispgEncData, parseKispgDateTime, verifyKispgHash } from './kispg.crypto';
import { kispgErrorFromResult, kispgMalformed } from './kispg.errors';
import {
  assertKispgText,
  canonicalKispgMethod,
  KISPG_EXTRA_SWITCHES,
  KISPG_OPTIONAL_AUTH_FIELDS,
  kispgMethodOf,
  normalizeKispgMethod,
} from './kispg.fields';
import type { KispgCancelBody, KispgResult, ResolvedKispgOptions } from './kispg.types';
import { kispgWebhookReply, parseKispgWebhook } from './kispg.webhook';

/** `charset` sent on every call (kispg.md §1: `UTF-8` is the default; all our amounts and hashes are ASCII). */
const CHARSET = 'UTF-8';
/** Auth-window result code (kispg.md §8: "인증 결과코드 (정상 : 0000)"). */
const AUTH_SUCCESS_CODE = '0000';
/** tid: 30 characters of mid + codes + time + sequence (kispg.md §4, §12). */
const TID_PATTERN = /^[A-Za-z0-9]{1,30}$/;
const AMOUNT_PATTERN = /^[0-9]{1,15}$/;
const EDI_DATE_PATTERN = /^[0-9]{14}$/;
/** ordNo ≤ 40 bytes (kispg.md §4); our orderIds are [A-Za-z0-9_-], so bytes = characters. */
const ORDER_NO_PATTERN = /^[A-Za-z0-9_-]{1,40}$/;

/** trxStatus literals of /v2/order (kispg.md §7). */
const TRX_APPROVED = '승인';
const TRX_CANCELED = '취소';
const TRX_WAITING_DEPOSIT = '입금대기';

/** Non-enumerable slot on a query truth: the cancels as read, with their content, for `settleCancel`. */
const READ_CANCELS = Symbol('kispg.readCancels');

export interface KispgGatewayDependencies {
  client: KispgClient;
  clock: GatewayClock;
  logger?: LoggerService;
  /** Releases the HTTP client's connections (application shutdown). */
  close?: () => Promise<void>;
}

/** One cancel as read from `/v2/order` cancelData (or derived from the amounts when the history shows no more). */
export interface ReadCancel {
  transactionKey: string;
  amount: number;
  canceledAt: Date | null;
  /** Every string value of the entry, to recognise it by content (appNo / appDtm of a cancel answer). */
  values: string[];
}

/**
 * KISPG's v2 API behind the `PaymentGateway` port (kispg.md). Browser form → returnUrl POST → server approval,
 * JSON cancels and queries, each signed with encData. KISPG has no net-cancel (kispg.md §3): a lost approval answer is
 * resolved by reading `/v2/order`, and a reversal is a plain full cancel.
 */
export class KispgGateway implements PaymentGateway {
  readonly name = 'kispg' as const;
  readonly capabilities: GatewayCapabilities = {
    partialCancel: true,
    // No 망취소 at KISPG (kispg.md §3); netCancel() is a full cancel, the documented compensation.
    netCancel: false,
    virtualAccount: true,
    // Not in the guide (kispg.md §10 [U]): no billing, no standalone cash receipts, no transaction list.
    billing: false,
    cashReceipts: false,
    transactions: false,
    webhooks: true,
  };
  readonly webhookAllowedSources: readonly string[];

  private readonly client: KispgClient;
  private readonly clock: GatewayClock;
  private readonly logger?: LoggerService;
  private readonly closeTransport?: () => Promise<void>;

  constructor(
    private readonly options: ResolvedKispgOptions,
    dependencies: KispgGatewayDependencies,
  ) {
    this.client = dependencies.client;
    this.clock = dependencies.clock;
    this.logger = dependencies.logger;
    this.closeTransport = dependencies.close;
    this.webhookAllowedSources = [...options.webhookAllowedSources];
  }

  // ------------------------------------------------------------------------------------------------------------
  // Checkout (kispg.md §4)
  // ------------------------------------------------------------------------------------------------------------

  /**
   * The `/v2/auth` form the browser submits (kispg.md §4: a form submit, not an iframe). Every required field of the
   * guide is filled; optional ones come from `extra` and are checked against the guide's byte limits. `payMethod` is
   * '' when no method was chosen (KISPG then shows all methods). Amounts are digit strings, hashed exactly as sent.
   */
  async prepare(request: PrepareRequest): Promise<CheckoutParams> {
    const orderNo = assertKispgText(request.orderId, 'orderId', {
      maxBytes: 40,
      pattern: ORDER_NO_PATTERN,
      patternHint: 'must be 1-40 characters of A-Z a-z 0-9 _ - (KISPG ordNo, kispg.md §4)',
    });
    const amount = assertKrwAmount(request.amount, 'amount');
    assertNonNegativeKrw(request.taxFreeAmount, 'taxFreeAmount');
    const goodsAmt = String(amount);
    if (goodsAmt.length > 15) throw new InvalidInputError('amount', 'must fit 15 digits (kispg.md §4 goodsAmt)');
    const goodsNm = assertKispgText(request.orderName, 'orderName', { maxBytes: 100 });
    const ordNm = assertKispgText(request.customer?.name, 'customer.name', { maxBytes: 30 });
    const phone = request.customer?.phone;
    const ordTel = assertKispgText(typeof phone === 'string' ? phone.replace(/[-\s]/g, '') : phone, 'customer.phone', {
      maxBytes: 20,
      pattern: /^[0-9]+$/,
      patternHint: 'must be a phone number (digits, hyphens allowed; kispg.md §4 ordTel)',
    });
    const ordEmail =
      request.customer?.email !== undefined
        ? assertKispgText(request.customer.email, 'customer.email', {
            maxBytes: 60,
            pattern: /^[^\s@]+@[^\s@]+$/,
            patternHint: 'must be an e-mail address',
          })
        : '';
    const returnUrl = assertKispgText(request.returnUrl, 'returnUrl', {
      maxBytes: 255,
      pattern: /^https?:\/\/\S+$/,
      patternHint: 'must be an http(s) URL (receives the auth result, kispg.md §4)',
    });

    let payMethod = '';
    if (request.method !== undefined && request.method !== '') {
      const mapped = kispgMethodOf(request.method);
      if (!mapped) {
        throw new InvalidInputError('method', 'must be CARD, TRANSFER, VIRTUAL_ACCOUNT or MOBILE_PHONE (KISPG CARD/BANK/VACNT/PHONE)');
      }
      payMethod = mapped;
    }

    const extra = request.extra ?? {};
    if (extra === null || typeof extra !== 'object' || Array.isArray(extra)) {
      throw new InvalidInputError('extra', 'must be an object');
    }
    const optional: Record<string, string> = {};
    for (const [key, value] of Object.entries(extra)) {
      if (KISPG_EXTRA_SWITCHES.has(key)) continue;
      const rule = Object.prototype.hasOwnProperty.call(KISPG_OPTIONAL_AUTH_FIELDS, key) ? KISPG_OPTIONAL_AUTH_FIELDS[key] : undefined;
      if (!rule) {
        throw new InvalidInputError(`extra.${key}`, 'is not an optional KISPG auth field (kispg.md §4)');
      }
      if (value === undefined || value === null) continue;
      optional[key] = assertKispgText(typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value, `extra.${key}`, rule);
    }
    const model = extra['model'] ?? 'WEB';
    if (model !== 'WEB' && model !== 'MOB') throw new InvalidInputError('extra.model', "must be 'WEB' or 'MOB' (kispg.md §4)");
    const escrow = extra['escrow'] ?? false;
    if (typeof escrow !== 'boolean') throw new InvalidInputError('extra.escrow', 'must be a boolean');
    if (optional['crctNo'] !== undefined && (optional['crctType'] ?? '1') === '0') {
      throw new InvalidInputError('extra.crctNo', "must not be set when crctType is '0' (no cash receipt)");
    }
    if (optional['crctType'] !== undefined && optional['crctType'] !== '0' && optional['crctNo'] === undefined) {
      throw new InvalidInputError('extra.crctNo', 'is required for a cash receipt (crctType 1 or 2)');
    }
    if (optional['cupDepositAmt'] !== undefined && Number(optional['cupDepositAmt']) > amount) {
      throw new InvalidInputError('extra.cupDepositAmt', 'must not exceed amount (goodsAmt includes the deposit, kispg.md §4)');
    }

    const ediDate = formatKispgEdiDate(this.clock.now());
    return {
      gateway: 'kispg',
      kind: 'form',
      actionUrl: `${this.options.baseUrl}/v2/auth`,
      method: 'POST',
      fields: {
        payMethod,
        trxCd: escrow ? '1' : '0',
        mid: this.options.mid,
        goodsNm,
        currencyType: 'KRW',
        ordNo: orderNo,
        goodsAmt,
        ordNm,
        ordTel,
        ordEmail,
        returnUrl,
        ediDate,
        encData: kispgEncData(this.options.mid, ediDate, goodsAmt, this.options.merchantKey),
        payReqType: '1',
        charset: CHARSET,
        model,
        ...optional,
      },
    };
  }

  /**
   * The body KISPG's window POSTs to returnUrl (kispg.md §4 "Auth result") → ConfirmInput. `ordNo` is the orderId,
   * `amt` the amount (digits only), `tid` the paymentKey; the whole body travels on as `authResult` for
   * `verifyConfirmInput`. A failed auth carries only resultCd/resultMsg (kispg.md §3): that is a decline.
   */
  confirmInputFromReturn(body: Record<string, unknown>): ConfirmInput {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new InvalidInputError('body', 'must be the returnUrl form body');
    }
    const authResult: Record<string, string> = {};
    for (const [key, value] of Object.entries(body)) {
      if (typeof value === 'string') authResult[key] = value;
      else if (value !== undefined && value !== null) throw new InvalidInputError(`body.${key}`, 'must be a string');
    }
    const resultCd = authResult['resultCd'];
    const ordNo = authResult['ordNo'];
    const amt = authResult['amt'];
    if (resultCd !== undefined && resultCd !== AUTH_SUCCESS_CODE && (ordNo === undefined || amt === undefined)) {
      throw new GatewayDeclinedError('kispg', resultCd, authResult['resultMsg'] ?? '');
    }
    if (ordNo === undefined || ordNo === '') throw new InvalidInputError('ordNo', 'is required (KISPG auth result)');
    assertKispgText(ordNo, 'ordNo', { maxBytes: 40 });
    if (amt === undefined || !AMOUNT_PATTERN.test(amt)) throw new InvalidInputError('amt', 'must be 1-15 digits (KISPG auth result)');
    const amount = Number(amt);
    if (!Number.isSafeInteger(amount)) throw new InvalidInputError('amt', 'is not an integer KRW amount');
    const tid = authResult['tid'];
    return {
      orderId: ordNo,
      amount,
      ...(tid !== undefined && tid !== '' ? { paymentKey: tid } : {}),
      authResult,
    };
  }

  /**
   * Local checks of the auth result before any approval (kispg.md §2.2, §8, DESIGN.md §3 rule 5): resultCd 0000 with a
   * tid, amt and ordNo equal to what we prepared, and encData per `returnHashFormula`. Never calls the network.
   */
  verifyConfirmInput(prepared: PreparedPayment, input: ConfirmInput): void {
    const auth = input.authResult;
    if (!auth || typeof auth !== 'object') throw new InvalidInputError('authResult', 'is required (the KISPG returnUrl body)');
    const resultCd = auth['resultCd'];
    if (typeof resultCd !== 'string' || resultCd.length === 0) throw new InvalidInputError('authResult.resultCd', 'is required');
    if (resultCd !== AUTH_SUCCESS_CODE) {
      throw new GatewayDeclinedError('kispg', resultCd, typeof auth['resultMsg'] === 'string' ? auth['resultMsg'] : '');
    }
    const tid = auth['tid'];
    if (typeof tid !== 'string' || !TID_PATTERN.test(tid)) {
      throw new InvalidInputError('authResult.tid', 'is required on a successful auth: 1-30 letters/digits (kispg.md §4)');
    }
    if (input.paymentKey !== undefined && input.paymentKey !== tid) {
      throw new InvalidInputError('paymentKey', 'must equal authResult.tid');
    }
    const amt = auth['amt'];
    if (typeof amt !== 'string' || !AMOUNT_PATTERN.test(amt)) throw new InvalidInputError('authResult.amt', 'must be 1-15 digits');
    // Never trust the browser (kispg.md §2.2 "Always compare amounts and ordNo with your own order record").
    if (input.orderId !== prepared.orderId) throw new OrderMismatchError(prepared.orderId, input.orderId, { gateway: 'kispg' });
    if (auth['ordNo'] !== prepared.orderId) {
      throw new OrderMismatchError(prepared.orderId, String(auth['ordNo'] ?? ''), { gateway: 'kispg' });
    }
    if (input.amount !== prepared.amount) throw new AmountMismatchError(prepared.amount, input.amount, { gateway: 'kispg' });
    if (amt !== String(prepared.amount)) {
      throw new AmountMismatchError(prepared.amount, Number(amt), { gateway: 'kispg', field: 'authResult.amt' });
    }
    if (this.options.returnHashFormula === 'mid+ediDate+amt+merchantKey') {
      const ediDate = auth['ediDate'];
      if (typeof ediDate !== 'string' || !EDI_DATE_PATTERN.test(ediDate)) {
        throw new SignatureMismatchError('kispg', 'auth result (ediDate missing or malformed)');
      }
      const valid = verifyKispgHash(auth['encData'], {
        mid: this.options.mid,
        ediDate,
        amount: amt,
        merchantKey: this.options.merchantKey,
      });
      if (!valid) throw new SignatureMismatchError('kispg', 'auth result encData');
    }
  }

  // ------------------------------------------------------------------------------------------------------------
  // Payments (kispg.md §5, §7)
  // ------------------------------------------------------------------------------------------------------------

  /**
   * POST /v2/payment with a fresh ediDate (kispg.md §5). Success only on the method's code (kispg.md §8); the answer
   * must name the same tid, amount and ordNo. A lost answer surfaces as GatewayUnavailableError(requestSent=true) from
   * the HTTP layer: the core marks the payment UNKNOWN and calls `resolveUnknownApproval` (/v2/order).
   */
  /** The core ran `verifyConfirmInput` before moving the row to IN_PROGRESS (gateway.port.ts). */
  async approve(request: ApproveRequest): Promise<GatewayPaymentTruth> {
    const auth = request.input.authResult as Record<string, string>;
    const tid = auth['tid'];
    const goodsAmt = String(request.prepared.amount);
    const ediDate = formatKispgEdiDate(this.clock.now());
    const result = await this.client.payment({
      mid: this.options.mid,
      tid,
      goodsAmt,
      ediDate,
      encData: kispgEncData(this.options.mid, ediDate, goodsAmt, this.options.merchantKey),
      charset: CHARSET,
    });
    const body = result.body;
    const resultCd = stringOf(body.resultCd);
    // The request was applied or not; an answer without a result code does not say which (kispg.md §8: unknown →
    // /v2/order). A decline here would mark FAILED a payment KISPG may have approved.
    if (!resultCd) throw kispgMalformed('payment', 'no resultCd');
    const payMethod =
      normalizeKispgMethod(body.payMethod) ?? normalizeKispgMethod(auth['payMethod']) ?? kispgMethodOf(request.prepared.method);
    if (!this.isApprovalSuccess(payMethod, resultCd)) {
      throw kispgErrorFromResult(resultCd, stringOf(body.resultMsg), this.resultContext('payment', request.prepared.orderId));
    }
    this.checkApprovalHash(body);
    if (body.tid !== undefined && body.tid !== tid) throw kispgMalformed('payment', 'tid differs from the approved tid');
    const approvedAmount = readAmount(body.amt);
    if (approvedAmount === null) throw kispgMalformed('payment', 'amt');
    // A success answer lists ordNo (kispg.md §5); only failures are reduced (§3). The auth-result hash does not cover
    // ordNo or tid (§2.2), so this answer is what binds the approved tid to our order.
    const answeredOrderNo = stringOf(body.ordNo);
    if (!answeredOrderNo) throw kispgMalformed('payment', 'ordNo');
    // Another amount or order in a success answer: the money moved, but not as prepared. Report it exactly as KISPG
    // did; the core's apply refuses a truth that is not this payment and keeps it UNKNOWN for a human (DESIGN.md §3).
    // Throwing AmountMismatchError here would be read as a decline and mark the payment FAILED.
    const status: GatewayPaymentStatus = payMethod === 'VACNT' ? 'WAITING_FOR_DEPOSIT' : 'PAID';
    return this.truthOf(result, {
      tid,
      orderId: answeredOrderNo,
      totalAmount: approvedAmount,
      balanceAmount: approvedAmount,
      status,
      payMethod,
      cancels: [],
    });
  }

  /**
   * POST /v2/order by tid (paymentKey) else ordNo, hashed with the ORIGINAL amount (kispg.md §7, §15.3). trxStatus and
   * cancelData become the canonical status and balance (see `truthFromOrder`).
   */
  async getPayment(lookup: PaymentLookup): Promise<GatewayPaymentTruth> {
    const amount = assertKrwAmount(lookup.amount, 'amount');
    const goodsAmt = String(amount);
    const ediDate = formatKispgEdiDate(this.clock.now());
    const reference = lookup.paymentKey ? { tid: lookup.paymentKey } : { ordNo: lookup.orderId };
    const result = await this.client.order({
      mid: this.options.mid,
      ...reference,
      goodsAmt,
      ediDate,
      encData: kispgEncData(this.options.mid, ediDate, goodsAmt, this.options.merchantKey),
      charset: CHARSET,
    });
    const body = result.body;
    const trxStatus = stringOf(body.trxStatus);
    if (!trxStatus) {
      throw kispgErrorFromResult(stringOf(body.resultCd), stringOf(body.resultMsg), this.resultContext('order', lookup.paymentKey ?? lookup.orderId));
    }
    if (lookup.paymentKey && body.tid !== undefined && body.tid !== lookup.paymentKey) {
      throw kispgMalformed('order', 'tid differs from the queried tid');
    }
    return this.truthFromOrder(result, lookup.orderId, amount);
  }

  /**
   * KISPG has no net-cancel (kispg.md §3, production comment "망취소가 따로 없는 것 같음"). The spec's rule for a lost
   * approval answer: resolve it with /v2/order before reporting anything (kispg.md §8). A query KISPG answers
   * without a record (not approved, unknown tid) leaves the payment where it is: an IN_PROGRESS truth.
   */
  async resolveUnknownApproval(request: UnknownApprovalRequest): Promise<UnknownApprovalResolution> {
    const paymentKey = request.paymentKey ?? request.prepared.gatewayPaymentKey ?? null;
    try {
      const truth = await this.getPayment({ paymentKey, orderId: request.prepared.orderId, amount: request.prepared.amount });
      return { action: 'query', truth };
    } catch (error) {
      if (!(error instanceof GatewayRequestError || error instanceof PaymentNotFoundError || error instanceof GatewayDeclinedError)) {
        throw error;
      }
      return {
        action: 'query',
        truth: {
          gateway: 'kispg',
          paymentKey: paymentKey ?? '',
          orderId: request.prepared.orderId,
          status: 'IN_PROGRESS',
          totalAmount: request.prepared.amount,
          balanceAmount: request.prepared.amount,
          cancels: [],
          failure: { code: error.gatewayCode ?? error.code, message: error.gatewayMessage ?? error.message },
          raw: { resultCd: error.gatewayCode ?? null, resultMsg: error.gatewayMessage ?? null },
        },
      };
    }
  }

  /**
   * Full (partCanFlg 0) or partial (1) cancel (kispg.md §6); canAmt is what is hashed (7.2). A cancel answer carries no
   * balance, so the payment is read back from /v2/order and its balance checked against ours (balanceBefore − amount).
   */
  async cancel(request: CancelRequest): Promise<CancelResult> {
    const amount = assertKrwAmount(request.amount, 'amount');
    const balanceBefore = assertNonNegativeKrw(request.balanceBefore, 'balanceBefore');
    if (amount > balanceBefore) throw new InvalidInputError('amount', `must not exceed the remaining balance ${balanceBefore}`);
    const reason = assertKispgText(request.reason, 'reason', { maxBytes: 100 });
    const tid = this.assertTid(request.paymentKey, 'paymentKey');
    const prepared = request.prepared;
    // partCanFlg 0 = cancel everything still cancelable (canAmt = the remaining balance), 1 = part of it (kispg.md §6).
    const whole = request.isFull && amount === balanceBefore;
    const sent = await this.sendCancel({ prepared, tid, amount, whole, reason, refundAccount: request.refundAccount });
    return this.settleCancel(prepared, tid, amount, balanceBefore, sent, reason);
  }

  /**
   * KISPG has no 망취소 (kispg.md §3): the compensation for an approval we must not keep is a full cancel of it. Returns
   * the payment as KISPG then reports it.
   */
  async netCancel(request: NetCancelRequest): Promise<GatewayPaymentTruth> {
    const tid = this.assertTid(request.paymentKey ?? request.prepared.gatewayPaymentKey, 'paymentKey');
    const prepared = request.prepared;
    const reason = 'approval reversed by merchant (no net-cancel at KISPG)';
    const sent = await this.sendCancel({ prepared, tid, amount: prepared.amount, whole: true, reason });
    const { payment } = await this.settleCancel(prepared, tid, prepared.amount, prepared.amount, sent, reason);
    return payment;
  }

  // ------------------------------------------------------------------------------------------------------------
  // Not offered by KISPG (kispg.md §10)
  // ------------------------------------------------------------------------------------------------------------

  async issueBillingKey(_request: BillingKeyIssueRequest): Promise<BillingKeyTruth> {
    throw new UnsupportedOperationError('kispg', 'issueBillingKey (no billing API in the KISPG guide)');
  }

  async chargeBillingKey(_request: BillingChargeRequest): Promise<GatewayPaymentTruth> {
    throw new UnsupportedOperationError('kispg', 'chargeBillingKey (no billing API in the KISPG guide)');
  }

  async deleteBillingKey(_billingKey: string, _customerKey: string): Promise<void> {
    throw new UnsupportedOperationError('kispg', 'deleteBillingKey (no billing API in the KISPG guide)');
  }

  async issueCashReceipt(_request: CashReceiptIssueRequest): Promise<CashReceiptTruth> {
    throw new UnsupportedOperationError('kispg', 'issueCashReceipt (cash receipts only at auth time: extra.crctType/crctNo)');
  }

  async cancelCashReceipt(_request: CashReceiptCancelRequest): Promise<CashReceiptTruth> {
    throw new UnsupportedOperationError('kispg', 'cancelCashReceipt (no cash-receipt API in the KISPG guide)');
  }

  async getCashReceipt(_receiptKey: string, _requestDate: Date): Promise<CashReceiptTruth> {
    throw new UnsupportedOperationError('kispg', 'getCashReceipt (no cash-receipt API in the KISPG guide)');
  }

  listTransactions(_request: TransactionListRequest): AsyncIterable<GatewayTransaction> {
    const error = new UnsupportedOperationError('kispg', 'listTransactions (no transaction list API in the KISPG guide)');
    return {
      [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(error) }),
    };
  }

  // ------------------------------------------------------------------------------------------------------------
  // Notifications (kispg.md §9)
  // ------------------------------------------------------------------------------------------------------------

  async parseWebhook(request: RawWebhookRequest): Promise<ParsedWebhook> {
    return parseKispgWebhook(request, {
      mid: this.options.mid,
      merchantKey: this.options.merchantKey,
      notificationHash: this.options.notificationHash,
    });
  }

  webhookReply(outcome: 'accepted' | 'rejected'): WebhookReply {
    return kispgWebhookReply(outcome, this.options.notificationReply);
  }

  async close(): Promise<void> {
    await this.closeTransport?.();
  }

  // ------------------------------------------------------------------------------------------------------------
  // Internals
  // ------------------------------------------------------------------------------------------------------------

  private async sendCancel(input: {
    prepared: PreparedPayment;
    tid: string;
    amount: number;
    whole: boolean;
    reason: string;
    refundAccount?: CancelRequest['refundAccount'];
  }): Promise<KispgCallResult> {
    let payMethod = kispgMethodOf(input.prepared.method);
    if (!payMethod) {
      // The row does not know its method yet (an old row, or a method KISPG never reported): ask KISPG.
      const current = await this.getPayment({ paymentKey: input.tid, orderId: input.prepared.orderId, amount: input.prepared.amount });
      payMethod = kispgMethodOf(current.method);
    }
    if (!payMethod) throw new InvalidInputError('method', 'the payment method is unknown; KISPG cancels must name payMethod (kispg.md §6)');

    const canAmt = String(input.amount);
    const ediDate = formatKispgEdiDate(this.clock.now());
    const body: KispgCancelBody = {
      payMethod,
      tid: input.tid,
      mid: this.options.mid,
      ordNo: input.prepared.orderId,
      canAmt,
      canMsg: input.reason,
      partCanFlg: input.whole ? '0' : '1',
      encData: kispgEncData(this.options.mid, ediDate, canAmt, this.options.merchantKey),
      ediDate,
      charset: CHARSET,
    };
    // Refund account for VACNT (required: the money goes back by transfer) and BANK (kispg.md §6 "cond.").
    if (input.refundAccount) {
      body.refundBankCd = assertKispgText(input.refundAccount.bankCode, 'refundAccount.bankCode', {
        maxBytes: 3,
        pattern: /^[0-9]{2,3}$/,
        patternHint: 'must be a 2-3 digit KISPG bank code (kispg.md §11)',
      });
      body.refundAccnt = assertKispgText(input.refundAccount.accountNumber.replace(/[-\s]/g, ''), 'refundAccount.accountNumber', {
        maxBytes: 20,
        pattern: /^[0-9]+$/,
        patternHint: 'must be digits',
      });
      body.refundNm = assertKispgText(input.refundAccount.holderName, 'refundAccount.holderName', { maxBytes: 30 });
    } else if (payMethod === 'VACNT') {
      throw new InvalidInputError('refundAccount', 'is required to cancel a deposited virtual account (kispg.md §6)');
    }

    const result = await this.client.cancel(body);
    const resultCd = stringOf(result.body.resultCd);
    // No result code: the cancel may have been applied; unknown, never a failed cancel (kispg.md §8).
    if (!resultCd) throw kispgMalformed('cancel', 'no resultCd');
    if (!this.options.cancelSuccessCodes.includes(resultCd)) {
      throw kispgErrorFromResult(resultCd, stringOf(result.body.resultMsg), this.resultContext('cancel', input.prepared.orderId));
    }
    // A success answer about another transaction proves nothing about ours (kispg.md §2.2: always compare).
    const answeredTid = stringOf(result.body.tid);
    if (answeredTid !== undefined && answeredTid !== '' && answeredTid !== input.tid) {
      throw kispgMalformed('cancel', 'tid differs from the cancelled tid');
    }
    const answeredOrderNo = stringOf(result.body.ordNo);
    if (answeredOrderNo !== undefined && answeredOrderNo !== '' && answeredOrderNo !== input.prepared.orderId) {
      throw kispgMalformed('cancel', 'ordNo differs from the cancelled order');
    }
    return result;
  }

  /**
   * After a successful cancel answer: read the payment back and pick the cancel we just made. The success code is
   * final (kispg.md §8: only success codes are stable), so when the read-back fails or lags, the truth is built from
   * our own arithmetic rather than turning a done refund into an unknown one.
   */
  private async settleCancel(
    prepared: PreparedPayment,
    tid: string,
    amount: number,
    balanceBefore: number,
    sent: KispgCallResult,
    reason: string,
  ): Promise<CancelResult> {
    const expectedBalance = balanceBefore - amount;
    const answer = sent.body;
    const answeredAt = parseKispgDateTime(answer.appDtm) ?? this.clock.now();
    const answerValues = [stringOf(answer.appNo), stringOf(answer.appDtm)].filter((v): v is string => !!v);

    let payment: GatewayPaymentTruth | null = null;
    try {
      payment = await this.getPayment({ paymentKey: tid, orderId: prepared.orderId, amount: prepared.amount });
    } catch (error) {
      this.logger?.warn?.(
        `kispg: cancel of ${prepared.orderId} succeeded (${stringOf(answer.resultCd)}) but the /v2/order read-back failed: ${
          error instanceof Error ? error.message : String(error)
        }; using our balance ${expectedBalance}`,
        'KispgGateway',
      );
    }

    const fallbackKey = `${tid}:cancel:${createHash('sha256')
      .update(`${stringOf(answer.tid) ?? ''}|${stringOf(answer.appNo) ?? ''}|${stringOf(answer.appDtm) ?? ''}|${amount}|${balanceBefore}`)
      .digest('hex')
      .slice(0, 16)}`;

    if (payment === null) {
      const cancel: GatewayCancelTruth = { transactionKey: fallbackKey, amount, taxFreeAmount: 0, canceledAt: answeredAt, reason, status: 'DONE' };
      return {
        payment: this.truthOf(sent, {
          tid,
          orderId: prepared.orderId,
          totalAmount: prepared.amount,
          balanceAmount: expectedBalance,
          status: cancelStatusFor(prepared.amount, expectedBalance),
          payMethod: kispgMethodOf(prepared.method),
          cancels: [],
        }),
        cancel,
      };
    }

    if (payment.balanceAmount !== expectedBalance) {
      // Below: someone else cancelled too (admin console); above: the read-back does not show our cancel yet (or its
      // cancelData cannot be read). Either way the ledger reconciles by amounts; say so.
      this.logger?.warn?.(
        `kispg: after cancelling ${amount} of ${prepared.orderId}, /v2/order reports balance ${payment.balanceAmount}; expected ${expectedBalance}`,
        'KispgGateway',
      );
    }
    if (payment.balanceAmount > expectedBalance) {
      payment = {
        ...payment,
        balanceAmount: expectedBalance,
        status: cancelStatusFor(payment.totalAmount, expectedBalance),
      };
    }

    // Our cancel in the history: same amount, recognised by the answer's appNo/appDtm when it carries them.
    const readCancels = (payment as GatewayPaymentTruth & { [READ_CANCELS]?: ReadCancel[] })[READ_CANCELS] ?? [];
    const sameAmount = readCancels.filter((c) => c.amount === amount);
    const ours =
      sameAmount.find((c) => answerValues.some((v) => c.values.includes(v))) ??
      (sameAmount.length > 0 ? sameAmount[sameAmount.length - 1] : undefined);
    const cancel: GatewayCancelTruth = ours
      ? { transactionKey: ours.transactionKey, amount, taxFreeAmount: 0, canceledAt: ours.canceledAt ?? answeredAt, reason, status: 'DONE' }
      : { transactionKey: fallbackKey, amount, taxFreeAmount: 0, canceledAt: answeredAt, reason, status: 'DONE' };
    return { payment, cancel };
  }

  /**
   * /v2/order answer → truth (kispg.md §7). trxStatus decides the state (`승인` | `취소` | `입금대기`); the canceled
   * amount is computed from the amounts we can read in cancelData, never from its key names (its shape is unknown,
   * kispg.md §7 [U]). When cancelData cannot be read, the state comes from trxStatus alone: `취소` = all cancelled,
   * `승인` = nothing we can prove (the ledger keeps the cancels it already knows: cancelled amounts only grow).
   */
  private truthFromOrder(result: KispgCallResult, orderId: string, originalAmount: number): GatewayPaymentTruth {
    const body = result.body;
    const tid = stringOf(body.tid);
    if (!tid || !TID_PATTERN.test(tid)) throw kispgMalformed('order', 'tid');
    const totalAmount = readAmount(body.amt);
    if (totalAmount === null) throw kispgMalformed('order', 'amt');
    const trxStatus = stringOf(body.trxStatus) ?? '';
    const payMethod = normalizeKispgMethod(body.payMethod);

    const history = readCancelHistory(body.cancelData, tid);
    let cancels: ReadCancel[] = history ?? [];
    let canceled = cancels.reduce((sum, c) => sum + c.amount, 0);
    if (history !== null && canceled > totalAmount) {
      this.logger?.warn?.(`kispg: cancelData of ${orderId} sums to more than the payment; ignored`, 'KispgGateway');
      cancels = [];
      canceled = 0;
    }
    if (history === null && body.cancelData !== undefined && body.cancelData !== null && body.cancelData !== '') {
      this.logger?.warn?.(`kispg: cancelData of ${orderId} is unreadable; status taken from trxStatus`, 'KispgGateway');
    }

    let status: GatewayPaymentStatus;
    let balanceAmount: number;
    const cancelYN = stringOf(body.cancelYN)?.toUpperCase();
    if (trxStatus === TRX_CANCELED || (trxStatus === '' && cancelYN === 'Y')) {
      status = 'CANCELED';
      balanceAmount = 0;
      if (history !== null && canceled < totalAmount) {
        // The history does not show the cancel that emptied the payment (a full cancel may not be listed): the rest.
        cancels = [
          ...cancels,
          { transactionKey: `${tid}:cancel:rest`, amount: totalAmount - canceled, canceledAt: null, values: [] },
        ];
      }
    } else if (trxStatus === TRX_WAITING_DEPOSIT) {
      status = 'WAITING_FOR_DEPOSIT';
      balanceAmount = totalAmount;
      cancels = [];
    } else if (trxStatus === TRX_APPROVED) {
      balanceAmount = totalAmount - canceled;
      status = cancelStatusFor(totalAmount, balanceAmount);
    } else {
      // A literal we do not know: never settle on a guess (sync will see the real state later).
      this.logger?.warn?.(`kispg: unknown trxStatus "${trxStatus}" for ${orderId}, treated as IN_PROGRESS`, 'KispgGateway');
      status = 'IN_PROGRESS';
      balanceAmount = totalAmount;
      cancels = [];
    }

    const truth = this.truthOf(result, {
      tid,
      orderId: stringOf(body.ordNo) ?? orderId,
      totalAmount,
      balanceAmount,
      status,
      payMethod,
      cancels: cancels.map((c) => ({
        transactionKey: c.transactionKey,
        amount: c.amount,
        taxFreeAmount: 0,
        canceledAt: c.canceledAt,
        reason: null,
        status: 'DONE' as const,
      })),
    });
    if (totalAmount !== originalAmount) {
      this.logger?.warn?.(`kispg: /v2/order reports amt ${totalAmount} for ${orderId}, we hold ${originalAmount}`, 'KispgGateway');
    }
    Object.defineProperty(truth, READ_CANCELS, { value: cancels, enumerable: false });
    return truth;
  }

  /** Fields common to approval and query answers → truth. `raw` is the body already scrubbed by the HTTP layer. */
  private truthOf(
    result: KispgCallResult,
    facts: {
      tid: string;
      orderId: string;
      totalAmount: number;
      balanceAmount: number;
      status: GatewayPaymentStatus;
      payMethod: string | null;
      cancels: GatewayCancelTruth[];
    },
  ): GatewayPaymentTruth {
    const body = result.body;
    return {
      gateway: 'kispg',
      paymentKey: facts.tid,
      orderId: facts.orderId,
      status: facts.status,
      totalAmount: facts.totalAmount,
      balanceAmount: facts.balanceAmount,
      method: facts.payMethod ? canonicalKispgMethod(facts.payMethod) : null,
      approvedAt: parseKispgDateTime(body.appDtm),
      currency: 'KRW',
      card: facts.payMethod === 'CARD' ? cardOf(body) : null,
      virtualAccount: facts.payMethod === 'VACNT' ? virtualAccountOf(body) : null,
      cancels: facts.cancels,
      failure: null,
      lastTransactionKey: null,
      raw: result.scrubbed,
    };
  }

  /** Approval success ⇔ resultCd ∈ successCodes[payMethod] (kispg.md §8). Unknown method: any method's code. */
  private isApprovalSuccess(payMethod: string | null, resultCd: string): boolean {
    const table = this.options.successCodes as Record<string, readonly string[]>;
    if (payMethod && table[payMethod]) return table[payMethod].includes(resultCd);
    return Object.values(table).some((codes) => codes.includes(resultCd));
  }

  /**
   * The approval answer's encData (kispg.md §2.2 / §15.2 [U]). A mismatch (or, with 'require', its absence) does not
   * prove the approval failed, only that this answer cannot be trusted: the outcome is unknown and must be read
   * back from /v2/order, never FAILED while money may have moved.
   */
  private checkApprovalHash(body: KispgResult): void {
    const mode = this.options.approvalResponseHash;
    if (mode === 'ignore') return;
    const encData = stringOf(body.encData);
    const ediDate = stringOf(body.ediDate);
    const amt = stringOf(body.amt);
    if (!encData || !ediDate) {
      if (mode === 'require') throw kispgMalformed('payment', 'approval answer carries no encData/ediDate (approvalResponseHash: require)');
      return;
    }
    const valid =
      !!amt && verifyKispgHash(encData, { mid: this.options.mid, ediDate, amount: amt, merchantKey: this.options.merchantKey });
    if (!valid) throw kispgMalformed('payment', 'approval answer encData does not verify');
  }

  private assertTid(value: unknown, field: string): string {
    if (typeof value !== 'string' || !TID_PATTERN.test(value)) {
      throw new InvalidInputError(field, 'must be the KISPG tid (1-30 letters/digits)');
    }
    return value;
  }

  private resultContext(operation: 'payment' | 'cancel' | 'order', reference: string) {
    return { operation, reference, categories: this.options.resultCodeCategories };
  }
}

// --------------------------------------------------------------------------------------------------------------
// Pure helpers
// --------------------------------------------------------------------------------------------------------------

function cancelStatusFor(totalAmount: number, balanceAmount: number): GatewayPaymentStatus {
  if (balanceAmount <= 0) return 'CANCELED';
  return balanceAmount < totalAmount ? 'PARTIALLY_CANCELED' : 'PAID';
}

function stringOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** KISPG amounts are digit strings (kispg.md §1, §15.8); a safe integer number is tolerated. Else null. */
export function readAmount(value: unknown): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : null;
  if (typeof value !== 'string' || !AMOUNT_PATTERN.test(value)) return null;
  const amount = Number(value);
  return Number.isSafeInteger(amount) ? amount : null;
}

/**
 * cancelData (kispg.md §7: "부분취소 내역(Json 형식으로 리턴)", shape unknown [U]) → the cancels it lists, or null when
 * it cannot be read. Accepted: absent/empty (no cancels), a JSON string (possibly encoded twice), an array, or an
 * object holding one array or standing for one cancel. Each entry is a bare amount or an object in which exactly one
 * amount can be recognised (a digit value under a key that says amount/amt; the key names are not relied on beyond
 * that). Transaction keys are derived from each entry's whole content, so they stay the same on every read whatever
 * the order of the list.
 */
export function readCancelHistory(cancelData: unknown, tid: string): ReadCancel[] | null {
  let data = cancelData;
  for (let depth = 0; typeof data === 'string' && depth < 3; depth++) {
    const text = data.trim();
    if (text === '') return [];
    try {
      data = JSON.parse(text);
    } catch {
      return null;
    }
  }
  if (data === undefined || data === null) return [];
  let entries: unknown[];
  if (Array.isArray(data)) {
    entries = data;
  } else if (typeof data === 'object') {
    const arrays = Object.values(data as Record<string, unknown>).filter(Array.isArray);
    entries = arrays.length === 1 ? (arrays[0] as unknown[]) : arrays.length === 0 ? [data] : [];
    if (arrays.length > 1) return null;
  } else {
    return null;
  }

  const seen = new Map<string, number>();
  const cancels: ReadCancel[] = [];
  for (const entry of entries) {
    const amount = entryAmount(entry);
    if (amount === null || amount <= 0) return null;
    const values = entryValues(entry);
    const digest = createHash('sha256').update(stableJson(entry)).digest('hex').slice(0, 16);
    const occurrence = (seen.get(digest) ?? 0) + 1;
    seen.set(digest, occurrence);
    cancels.push({
      transactionKey: `${tid}:cancel:${digest}${occurrence > 1 ? `-${occurrence}` : ''}`,
      amount,
      // A yyyyMMddHHmmss value in the entry is its time, whatever the key is called.
      canceledAt: values.filter((v) => v.length === 14).map(parseKispgDateTime).find((d) => d !== null) ?? null,
      values,
    });
  }
  return cancels;
}

function entryAmount(entry: unknown): number | null {
  if (typeof entry === 'string' || typeof entry === 'number') return readAmount(entry);
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return null;
  const candidates = Object.entries(entry as Record<string, unknown>).filter(
    ([key, value]) => /amt|amount/i.test(key) && readAmount(value) !== null,
  );
  if (candidates.length === 1) return readAmount(candidates[0][1]);
  // Several amount-like fields (e.g. a cancel amount and a remaining amount): take the one that says cancel.
  const cancelAmounts = candidates.filter(([key]) => /can/i.test(key));
  return cancelAmounts.length === 1 ? readAmount(cancelAmounts[0][1]) : null;
}

function entryValues(entry: unknown): string[] {
  if (entry === null || typeof entry !== 'object') return [];
  return Object.values(entry as Record<string, unknown>)
    .map((value) => stringOf(value))
    .filter((value): value is string => value !== undefined);
}

function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const keys = Object.keys(value as Record<string, unknown>).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

/** Card fields of an approval/query answer (kispg.md §5). `cardType` is 0/1 in the guide, 01 in the sibling: kept as sent. */
function cardOf(body: KispgResult): CardInfo {
  const quota = readAmount(body.quota);
  const cardNo = stringOf(body.cardNo);
  return {
    issuerCode: stringOf(body.appCardCd),
    acquirerCode: stringOf(body.acqCardCd),
    // KISPG returns the number masked (`12345678****1234`); anything not masked is not kept.
    maskedNumber: cardNo && cardNo.includes('*') ? cardNo : undefined,
    approveNo: stringOf(body.appNo),
    installmentMonths: quota ?? undefined,
    cardType: stringOf(body.cardType),
  };
}

/** VACNT fields (kispg.md §5, §7): vacntNo, lmtDay (deposit deadline, yyyyMMdd KST), the bank in fnCd/fnNm. */
function virtualAccountOf(body: KispgResult): VirtualAccountInfo | null {
  const accountNumber = stringOf(body.vacntNo);
  if (!accountNumber) return null;
  const bankCode = stringOf(body.fnCd) ?? stringOf(body.fnNm) ?? '';
  const lmtDay = stringOf(body.lmtDay);
  return {
    bankCode: bankCode.slice(0, 10),
    accountNumber,
    customerName: stringOf(body.ordNm),
    // A yyyyMMdd deadline means "through that day": the end of the day in KST.
    dueDate: lmtDay && lmtDay.length === 8 ? parseKispgDateTime(`${lmtDay}235959`) : parseKispgDateTime(lmtDay),
  };
}
