import type { LoggerService } from '@nestjs/common';
import {
  AmountMismatchError,
  GatewayDeclinedError,
  InvalidInputError,
  OrderMismatchError,
  UnsupportedOperationError,
} from '../../domain/errors';
import { assertKrwAmount, assertNonNegativeKrw } from '../../domain/money';
import { assertMatches, isKrwAmount, isRecord, nonEmptyString } from '../gateway-fields';
import { assertAnswerIsFor, isSettledApprovalOf } from '../gateway-answers';
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
  WebhookReply,
} from '../gateway.port';
import type { AppsInTossClient, AppsInTossHttpTransport, AppsInTossResult } from './apps-in-toss.client';
import {
  certificateInfo,
  loadAppsInTossCredentials,
  type AppsInTossCertificateInfo,
  type AppsInTossCertificateSet,
  type AppsInTossCredentials,
} from './apps-in-toss.crypto';
import { APPS_IN_TOSS_GATEWAY, malformedResponse } from './apps-in-toss.errors';
import type {
  AppsInTossExecuteResult,
  AppsInTossMakePaymentBody,
  AppsInTossPaymentStatus,
  AppsInTossPayMethod,
  AppsInTossRefundResult,
  AppsInTossStatusCard,
  AppsInTossTransaction,
  ResolvedAppsInTossOptions,
} from './apps-in-toss.types';
import { appsInTossWebhookReply, parseAppsInTossWebhook } from './apps-in-toss.webhook';

/** orderNo: ≤ 50 of digits, letters and `_-:.^@` (apps-in-toss.md §4.1; `~` appears only in the seed [G], not allowed). */
export const APPS_IN_TOSS_ORDER_NO_PATTERN = /^[0-9A-Za-z_\-:.^@]{1,50}$/;
/** productDesc ≤ 255 (apps-in-toss.md §4.1). */
export const APPS_IN_TOSS_MAX_PRODUCT_DESC = 255;
/** amount: int64 with "Max Length 7" in the reference schema (apps-in-toss.md §4.1 [R]). */
export const APPS_IN_TOSS_MAX_AMOUNT = 9_999_999;
/** payToken ≤ 30 (apps-in-toss.md §4.1 [R]). */
export const APPS_IN_TOSS_MAX_PAY_TOKEN = 30;
/** refund reason ≤ 55 (apps-in-toss.md §4.3 [R]). */
export const APPS_IN_TOSS_MAX_REFUND_REASON = 55;
/** refund reason charset: Hangul, digits, letters and `_ - : . ^ @ ( ) [ ] # / ! % ? &` (apps-in-toss.md §4.3). */
export const APPS_IN_TOSS_REFUND_REASON_PATTERN = /^[\uAC00-\uD7A3\u1100-\u11FF\u3130-\u318F0-9A-Za-z_\-:.^@()[\]#/!%?&]+$/;
/** userKey is an int64 (apps-in-toss.md §3, login-me); sent as its decimal string. */
const USER_KEY_PATTERN = /^[0-9]{1,19}$/;
const INT64_MAX = 9223372036854775807n;
const KST_OFFSET = '+09:00'; // Asia/Seoul has no DST

/** The `extra` fields prepare forwards to make-payment (apps-in-toss.md §4.1); anything else is refused. */
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

/**
 * Canonical method of every Apps-in-Toss payment: TossPay is a wallet (간편결제), whichever funding source the buyer
 * picks inside it (TOSS_MONEY = account/Toss money, CARD = a card registered in TossPay). Toss Payments reports the
 * same wallet as 간편결제 (EASY_PAY) too. The funding source stays visible: `card` is set for CARD, and `raw`
 * keeps `payMethod`.
 */
export const APPS_IN_TOSS_METHOD = 'EASY_PAY';

/** Failure code recorded when the buyer closed the payment window before execution (payStatus PAY_CANCEL). */
export const APPS_IN_TOSS_WINDOW_CANCELED = 'PAY_CANCEL';

export interface AppsInTossGatewayDependencies {
  client: AppsInTossClient;
  /** The HTTP client whose dispatcher holds the certificate: `rotateCertificate` swaps it there. */
  http: AppsInTossHttpTransport;
  /** The credential set the HTTP client was built with (already loaded and checked). */
  credentials: AppsInTossCredentials;
  clock: GatewayClock;
  logger?: LoggerService;
}

/**
 * Apps-in-Toss TossPay (partner API over mTLS) behind the `PaymentGateway` port. Flow (apps-in-toss.md §0):
 * prepare = make-payment (server) → payToken → the mini-app calls `checkoutPayment` → approve = execute-payment →
 * cancel = refund-payment (full only) → getPayment = get-payment-status (the only recovery path: no webhooks).
 */
export class AppsInTossGateway implements PaymentGateway {
  readonly name = APPS_IN_TOSS_GATEWAY;
  readonly capabilities: GatewayCapabilities = {
    // refund-payment has no amount field (apps-in-toss.md §4.3).
    partialCancel: false,
    netCancel: false,
    virtualAccount: false,
    // Server-side TossPay billing APIs are not documented (apps-in-toss.md §8).
    billing: false,
    // TossPay issues the cash receipt itself when make-payment sets `cashReceipt: true` (§4.1); no separate API.
    cashReceipts: false,
    transactions: false,
    webhooks: false,
  };

  private readonly client: AppsInTossClient;
  private readonly http: AppsInTossHttpTransport;
  private readonly clock: GatewayClock;
  private readonly logger?: LoggerService;
  private credentials: AppsInTossCredentials;

  constructor(
    private readonly options: ResolvedAppsInTossOptions,
    dependencies: AppsInTossGatewayDependencies,
  ) {
    this.client = dependencies.client;
    this.http = dependencies.http;
    this.credentials = dependencies.credentials;
    this.clock = dependencies.clock;
    this.logger = dependencies.logger;
  }

  // ------------------------------------------------------------------------------------------------------------
  // Certificate (apps-in-toss.md §1.2)
  // ------------------------------------------------------------------------------------------------------------

  /** Public facts about the client certificate in use (fingerprint, subject, validity). */
  certificate(): AppsInTossCertificateInfo {
    return certificateInfo(this.credentials);
  }

  /**
   * Swaps the client certificate without a restart (apps-in-toss.md §1.2: several certificates can be registered at
   * once, so the new one is accepted before the old one is removed). The new set is loaded and checked first (parse,
   * key matches certificate, not expired); a bad set throws `InvalidInputError` naming the field and the old
   * certificate stays in use. New calls use a new dispatcher; in-flight calls finish on the old one. `ca` omitted =
   * keep the current trust anchors (rotating the client certificate does not change the server's CA).
   */
  rotateCertificate(set: AppsInTossCertificateSet): AppsInTossCertificateInfo {
    const loaded = loadAppsInTossCredentials(
      { tlsCert: set?.tlsCert, tlsKey: set?.tlsKey, ca: set?.ca ?? undefined },
      this.clock.now(),
    );
    const ca = loaded.ca ?? (set?.ca === undefined ? this.credentials.ca : undefined);
    this.http.updateTls({ cert: loaded.cert, key: loaded.key, ...(ca ? { ca } : {}) });
    const previous = this.credentials.fingerprint256;
    this.credentials = { ...loaded, ca };
    this.logger?.log?.(
      `client certificate rotated: ${previous} -> ${loaded.fingerprint256} (valid to ${loaded.validTo.toISOString()})`,
      'AppsInTossGateway',
    );
    return certificateInfo(this.credentials);
  }

  // ------------------------------------------------------------------------------------------------------------
  // Checkout (apps-in-toss.md §4.1, §8)
  // ------------------------------------------------------------------------------------------------------------

  /**
   * make-payment with the buyer's `x-toss-user-key` (= `customer.customerKey`, the userKey from Toss login, §3).
   * Returns `kind: 'payToken'`: the mini-app passes `fields.payToken` to `checkoutPayment` (§8; both call shapes are in
   * docs/gateways/apps-in-toss.md). `paymentKey` makes the core store the payToken as the row's gatewayPaymentKey.
   */
  async prepare(request: PrepareRequest): Promise<CheckoutParams> {
    const userKey = requireUserKey(request.customer?.customerKey, 'customer.customerKey');
    assertOrderNo(request.orderId);
    const amount = assertPayAmount(request.amount, 'amount');
    const taxFree = assertNonNegativeKrw(request.taxFreeAmount, 'taxFreeAmount');
    if (taxFree > amount) throw new InvalidInputError('taxFreeAmount', 'must not exceed amount');
    assertProductDesc(request.orderName);
    if (request.method !== undefined && request.method !== APPS_IN_TOSS_METHOD) {
      throw new InvalidInputError(
        'method',
        `Apps-in-Toss has one method (TossPay, ${APPS_IN_TOSS_METHOD}); restrict funding with extra.enablePayMethods (TOSS_MONEY or CARD)`,
      );
    }

    const body: AppsInTossMakePaymentBody = {
      orderNo: request.orderId,
      productDesc: request.orderName,
      amount,
      // Required, 0 for taxable goods (§4.1): always sent.
      amountTaxFree: taxFree,
      ...makePaymentExtras(request.extra, amount),
      isTestPayment: this.options.testPayment,
    };
    const result = await this.client.makePayment(userKey, body);
    const payToken = result.body.payToken;
    if (typeof payToken !== 'string' || payToken.length === 0 || payToken.length > APPS_IN_TOSS_MAX_PAY_TOKEN) {
      throw malformedResponse('make-payment', 'payToken');
    }
    return { gateway: APPS_IN_TOSS_GATEWAY, kind: 'payToken', paymentKey: payToken, fields: { payToken } };
  }

  /**
   * Local checks before execute: the payToken (from the confirm input or the one prepare stored) and the buyer's
   * userKey are present, and orderId/amount are the prepared ones. A payToken that differs from the stored one is
   * refused: it belongs to another payment.
   */
  verifyConfirmInput(prepared: PreparedPayment, input: ConfirmInput): void {
    const payToken = input.payToken ?? prepared.gatewayPaymentKey ?? undefined;
    if (typeof payToken !== 'string' || payToken.length === 0) {
      throw new InvalidInputError('payToken', 'is required (returned by prepare as checkout.fields.payToken)');
    }
    if (payToken.length > APPS_IN_TOSS_MAX_PAY_TOKEN) {
      throw new InvalidInputError('payToken', `must be at most ${APPS_IN_TOSS_MAX_PAY_TOKEN} characters (apps-in-toss.md §4.2)`);
    }
    if (input.payToken && prepared.gatewayPaymentKey && input.payToken !== prepared.gatewayPaymentKey) {
      throw new InvalidInputError('payToken', 'does not match the payToken issued for this order');
    }
    requireUserKey(prepared.customer?.customerKey, 'customer.customerKey');
    if (input.orderId !== prepared.orderId) throw new OrderMismatchError(prepared.orderId, input.orderId);
    if (input.amount !== prepared.amount) throw new AmountMismatchError(prepared.amount, input.amount);
  }

  // ------------------------------------------------------------------------------------------------------------
  // Payments
  // ------------------------------------------------------------------------------------------------------------

  /**
   * execute-payment (apps-in-toss.md §4.2). Success needs resultType SUCCESS with `code` 0/null and no `errorCode`
   * (§7, checked in the client); the answer's amount and orderNo must be ours. A FAIL is a typed decline; a
   * transport-class resultType or a lost answer is GatewayUnavailableError(requestSent=true): the core marks the
   * payment UNKNOWN and `sync` reads it back with get-payment-status (no webhook will tell us, §0).
   */
  async approve(request: ApproveRequest): Promise<GatewayPaymentTruth> {
    // The core ran `verifyConfirmInput` before moving the row to IN_PROGRESS (gateway.port.ts).
    const { prepared, input } = request;
    const payToken = (input.payToken ?? prepared.gatewayPaymentKey) as string;
    const userKey = requireUserKey(prepared.customer?.customerKey, 'customer.customerKey');
    let result: AppsInTossResult<AppsInTossExecuteResult>;
    try {
      result = await this.client.executePayment(userKey, {
        payToken,
        orderNo: prepared.orderId,
        isTestPayment: this.options.testPayment,
      });
    } catch (error) {
      // A second execute of a completed payment answers FAIL with an unspecified code (apps-in-toss.md §4.5 [U]),
      // e.g. a retried confirm whose first answer was lost. Before a refusal is reported as final, the payment is read
      // back: if Toss holds it as paid for our order and amount, that is the answer.
      if (error instanceof GatewayDeclinedError) {
        const executed = await this.readBackPaid(userKey, payToken, prepared);
        if (executed) return executed;
      }
      throw error;
    }
    const truth = this.executeTruth(result, payToken, prepared);
    this.warnOnModeMismatch(result.body.mode, 'execute-payment');
    // The execute left and Toss answered SUCCESS: money may have moved for our payToken whatever the answer says. An
    // answer about another order, amount or payToken is an unknown outcome for the core (UNKNOWN, then
    // get-payment-status), never FAILED and never PAID under a foreign payToken (apps-in-toss.md §7).
    assertAnswerIsFor(APPS_IN_TOSS_GATEWAY, truth, { orderId: prepared.orderId, amount: prepared.amount, paymentKey: payToken });
    return truth;
  }

  /** The payment's truth when get-payment-status shows it paid for exactly this order and amount; else null. */
  private async readBackPaid(userKey: string, payToken: string, prepared: PreparedPayment): Promise<GatewayPaymentTruth | null> {
    try {
      const result = await this.client.getPaymentStatus(userKey, {
        payToken,
        orderNo: prepared.orderId,
        isTestPayment: this.options.testPayment,
      });
      const truth = this.statusTruth(result, { paymentKey: payToken, orderId: prepared.orderId, amount: prepared.amount });
      const asked = { orderId: prepared.orderId, amount: prepared.amount, paymentKey: payToken };
      return isSettledApprovalOf(truth, asked) && truth.cancels.length === 0 ? truth : null;
    } catch {
      return null; // the refusal stands; `sync` can still read the payment later
    }
  }

  /**
   * get-payment-status (apps-in-toss.md §4.4) by payToken and orderNo, as the buyer (`lookup.customerKey` is the
   * userKey). Every payStatus maps onto a canonical status; see `mapPayStatus`.
   */
  async getPayment(lookup: PaymentLookup): Promise<GatewayPaymentTruth> {
    const userKey = requireUserKey(lookup.customerKey ?? undefined, 'customerKey');
    const result = await this.client.getPaymentStatus(userKey, {
      ...(lookup.paymentKey ? { payToken: lookup.paymentKey } : {}),
      orderNo: lookup.orderId,
      isTestPayment: this.options.testPayment,
    });
    return this.statusTruth(result, lookup);
  }

  /**
   * refund-payment (apps-in-toss.md §4.3): full refunds only (no amount field), so a partial cancel is refused before
   * anything is sent. The reason must fit §4.3's charset and length. The answer becomes a CANCELED truth whose one
   * cancel is this refund.
   */
  async cancel(request: CancelRequest): Promise<CancelResult> {
    if (!request.isFull) {
      throw new UnsupportedOperationError(APPS_IN_TOSS_GATEWAY, 'partial refund (refund-payment has no amount field; apps-in-toss.md §4.3)');
    }
    assertRefundReason(request.reason);
    const payToken = request.paymentKey || request.prepared.gatewayPaymentKey;
    if (typeof payToken !== 'string' || payToken.length === 0) {
      throw new InvalidInputError('paymentKey', 'the payment has no payToken to refund');
    }
    const userKey = requireUserKey(request.prepared.customer?.customerKey, 'customer.customerKey');
    const amount = assertKrwAmount(request.amount, 'amount');
    const result = await this.client.refundPayment(
      userKey,
      { payToken, reason: request.reason, isTestPayment: this.options.testPayment },
      request.prepared.orderId,
    );
    return this.refundTruth(result, payToken, request, amount);
  }

  async netCancel(_request: NetCancelRequest): Promise<GatewayPaymentTruth> {
    throw new UnsupportedOperationError(
      APPS_IN_TOSS_GATEWAY,
      'netCancel (no net-cancel API; a lost execute answer is read back with get-payment-status)',
    );
  }

  // ------------------------------------------------------------------------------------------------------------
  // Not offered (apps-in-toss.md §0, §4, §8)
  // ------------------------------------------------------------------------------------------------------------

  async issueBillingKey(_request: BillingKeyIssueRequest): Promise<BillingKeyTruth> {
    throw new UnsupportedOperationError(APPS_IN_TOSS_GATEWAY, 'billing keys (server-side TossPay billing APIs are not documented)');
  }

  async chargeBillingKey(_request: BillingChargeRequest): Promise<GatewayPaymentTruth> {
    throw new UnsupportedOperationError(APPS_IN_TOSS_GATEWAY, 'billing keys (server-side TossPay billing APIs are not documented)');
  }

  async deleteBillingKey(_billingKey: string, _customerKey: string): Promise<void> {
    throw new UnsupportedOperationError(APPS_IN_TOSS_GATEWAY, 'billing keys (server-side TossPay billing APIs are not documented)');
  }

  async issueCashReceipt(_request: CashReceiptIssueRequest): Promise<CashReceiptTruth> {
    throw new UnsupportedOperationError(APPS_IN_TOSS_GATEWAY, 'cash receipts (set extra.cashReceipt at prepare; TossPay issues it)');
  }

  async cancelCashReceipt(_request: CashReceiptCancelRequest): Promise<CashReceiptTruth> {
    throw new UnsupportedOperationError(APPS_IN_TOSS_GATEWAY, 'cash receipts (set extra.cashReceipt at prepare; TossPay issues it)');
  }

  async getCashReceipt(_receiptKey: string, _requestDate: Date): Promise<CashReceiptTruth> {
    throw new UnsupportedOperationError(APPS_IN_TOSS_GATEWAY, 'cash receipts (set extra.cashReceipt at prepare; TossPay issues it)');
  }

  listTransactions(_request: TransactionListRequest): AsyncIterable<GatewayTransaction> {
    throw new UnsupportedOperationError(APPS_IN_TOSS_GATEWAY, 'listTransactions (no transaction list API; use sync per payment)');
  }

  parseWebhook(request: RawWebhookRequest): Promise<ParsedWebhook> {
    return parseAppsInTossWebhook(request);
  }

  webhookReply(outcome: 'accepted' | 'rejected'): WebhookReply {
    return appsInTossWebhookReply(outcome);
  }

  async close(): Promise<void> {
    await this.http.close?.();
  }

  // ------------------------------------------------------------------------------------------------------------
  // Mapping
  // ------------------------------------------------------------------------------------------------------------

  /** execute-payment `success` → PAID truth (apps-in-toss.md §4.2, §10). Card fields are flat here. */
  private executeTruth(
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

  /** refund-payment `success` → CANCELED truth plus the cancel this refund created (apps-in-toss.md §4.3). */
  private refundTruth(
    result: AppsInTossResult<AppsInTossRefundResult>,
    payToken: string,
    request: CancelRequest,
    amount: number,
  ): CancelResult {
    const success = result.body;
    // The refund left and Toss answered SUCCESS about something: the truth carries what Toss says it refunded and for
    // which payToken. Another payToken or amount than ours makes the core keep the cancel UNKNOWN (reservation kept)
    // until `sync` books what get-payment-status shows (apps-in-toss.md §4.3, §7; ledger settle checks).
    if (success.refundedAmount !== undefined && success.refundedAmount !== null && optionalAmount(success.refundedAmount) === undefined) {
      throw malformedResponse('refund-payment', 'refundedAmount');
    }
    const cancel: GatewayCancelTruth = {
      transactionKey: refundTransactionKey(nonEmptyString(success.transactionId) ?? nonEmptyString(success.refundNo), payToken),
      amount: optionalAmount(success.refundedAmount) ?? amount,
      taxFreeAmount: request.taxFreeAmount ?? 0,
      canceledAt: parseKstTime(success.approvalTime) ?? this.clock.now(),
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

  /** get-payment-status `success` → truth (apps-in-toss.md §4.4, §4.5). Card fields are nested under `card` here. */
  private statusTruth(result: AppsInTossResult<AppsInTossPaymentStatus>, lookup: PaymentLookup): GatewayPaymentTruth {
    const success = result.body;
    const payToken = nonEmptyString(success.payToken) ?? lookup.paymentKey ?? undefined;
    if (!payToken) throw malformedResponse('get-payment-status', 'payToken');
    // A status answer about another payToken never replaces ours: the ledger refuses it against the stored key
    // (PaymentKeyMismatchError), as it does another orderNo or amount.
    const totalAmount = requireAmount(success.amount, 'get-payment-status', 'amount');
    const transactions = Array.isArray(success.transactions) ? success.transactions.filter(isRecord) : [];
    const payStatus = typeof success.payStatus === 'string' ? success.payStatus : '';
    const status = this.mapPayStatus(payStatus);
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
      // Full refunds only (§4.3): a refunded payment has nothing left; REFUND_PROGRESS still holds the money.
      balanceAmount: status === 'CANCELED' ? 0 : totalAmount,
      taxFreeAmount: optionalAmount(success.amountTaxFree),
      vat: optionalAmount(success.amountVat),
      method: paid || nonEmptyString(success.payMethod) ? APPS_IN_TOSS_METHOD : null,
      approvedAt: paid ? (parseKstTime(success.paidTs) ?? parseKstTime(payStep?.regTs)) : null,
      currency: 'KRW',
      card: success.payMethod === 'CARD' && isRecord(success.card) ? mapCard(success.card) : null,
      cancels,
      failure:
        status === 'FAILED'
          ? { code: APPS_IN_TOSS_WINDOW_CANCELED, message: 'the buyer canceled the TossPay window before execution (payStatus PAY_CANCEL)' }
          : null,
      lastTransactionKey: nonEmptyString(last?.transactionId) ?? null,
      receiptUrl: isRecord(success.card) ? (nonEmptyString(success.card.salesCheckLinkUrl) ?? null) : null,
      raw: result.scrubbed,
    };
  }

  /**
   * payStatus → canonical status (apps-in-toss.md §4.5):
   * - PAY_STANDBY (created, window not completed) → READY;
   * - PAY_APPROVED (buyer authenticated, not executed: no money moved yet) and PAY_PROGRESS → IN_PROGRESS;
   * - PAY_CANCEL (the buyer canceled the window, or it expired, before execution) → FAILED with failure PAY_CANCEL:
   *   no money ever moved, so it is not a CANCELED (refunded) payment, and the payToken is dead;
   * - PAY_COMPLETE, SETTLEMENT_COMPLETE → PAID;
   * - REFUND_PROGRESS → PAID with the refund as an IN_PROGRESS cancel (money still held until it completes);
   * - REFUND_SUCCESS, SETTLEMENT_REFUND_COMPLETE → CANCELED.
   * An unknown value is reported as IN_PROGRESS (never as settled) and logged.
   */
  mapPayStatus(payStatus: string): GatewayPaymentStatus {
    switch (payStatus) {
      case 'PAY_STANDBY':
        return 'READY';
      case 'PAY_APPROVED':
      case 'PAY_PROGRESS':
        return 'IN_PROGRESS';
      case 'PAY_CANCEL':
        return 'FAILED';
      case 'PAY_COMPLETE':
      case 'SETTLEMENT_COMPLETE':
      case 'REFUND_PROGRESS':
        return 'PAID';
      case 'REFUND_SUCCESS':
      case 'SETTLEMENT_REFUND_COMPLETE':
        return 'CANCELED';
      default:
        this.logger?.warn?.(`appsInToss: unknown payStatus "${payStatus}", treated as IN_PROGRESS`, 'AppsInTossGateway');
        return 'IN_PROGRESS';
    }
  }

  /** `mode` (LIVE/TEST) of an answer that disagrees with `testPayment` (apps-in-toss.md §5, §7): a deployment mix-up. */
  private warnOnModeMismatch(mode: unknown, operation: string): void {
    if (mode !== 'LIVE' && mode !== 'TEST') return;
    const expected = this.options.testPayment ? 'TEST' : 'LIVE';
    if (mode !== expected) {
      this.logger?.warn?.(`appsInToss: ${operation} answered mode ${mode} but testPayment is ${this.options.testPayment}`, 'AppsInTossGateway');
    }
  }
}

// --------------------------------------------------------------------------------------------------------------
// Pure helpers
// --------------------------------------------------------------------------------------------------------------

/**
 * The cancels of a refunded payment from get-payment-status `transactions` (REFUND rows, negative amounts, §4.4).
 * Full refunds only, so when Toss lists no REFUND row the whole amount is one refund. The transaction key is the
 * same one `cancel()` records (`refundTransactionKey`), so a refund seen by both is booked once.
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
    return [{ transactionKey: refundTransactionKey(null, payToken), amount: totalAmount, taxFreeAmount: 0, canceledAt: null, status }];
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

/** Toss's refund transactionId when it has one (reconcile on it, §7); else one stable key per payToken (one refund). */
export function refundTransactionKey(transactionId: string | null | undefined, payToken: string): string {
  return transactionId && transactionId.length > 0 ? transactionId : `${payToken}:refund`;
}

/** Card fields of execute (flat, strings) or status (`card{}`, integers): the type drift of §4.4 coerced. */
function mapCard(source: AppsInTossExecuteResult | AppsInTossStatusCard): CardInfo {
  const installment = toInteger(source.spreadOut);
  const companyCode = source.cardCompanyCode;
  return {
    issuerCode: companyCode === null || companyCode === undefined || companyCode === '' ? undefined : String(companyCode),
    // Toss returns the number masked (§4.2); anything not masked is not kept.
    maskedNumber: typeof source.cardNumber === 'string' && source.cardNumber.includes('*') ? source.cardNumber : undefined,
    approveNo: nonEmptyString(source.cardAuthorizationNo),
    installmentMonths: installment,
    cardType: nonEmptyString(source.cardMethodType),
  };
}

/**
 * `approvalTime` is Asia/Seoul wall-clock `yyyy-MM-dd HH:mm:ss` (apps-in-toss.md §4.2). The status timestamps'
 * format is unspecified (§4.4 [U]): ISO strings (zone or not, KST assumed without), `yyyyMMddHHmmss`, and epoch
 * numbers (ms, or s when small) are accepted; anything else is null.
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

function makePaymentExtras(extra: Record<string, unknown> | undefined, amount: number): Partial<AppsInTossMakePaymentBody> {
  if (extra === undefined || extra === null) return {};
  const out: Partial<AppsInTossMakePaymentBody> = {};
  for (const key of Object.keys(extra)) {
    if (!(MAKE_PAYMENT_EXTRA_FIELDS as readonly string[]).includes(key)) {
      throw new InvalidInputError(`extra.${key}`, `is not a make-payment field (allowed: ${MAKE_PAYMENT_EXTRA_FIELDS.join(', ')})`);
    }
  }
  for (const key of ['amountTaxable', 'amountVat', 'amountServiceFee'] as const) {
    const value = extra[key];
    if (value === undefined || value === null) continue;
    const checked = assertNonNegativeKrw(value, `extra.${key}`);
    if (checked > amount) throw new InvalidInputError(`extra.${key}`, 'must not exceed amount');
    out[key] = checked;
  }
  const methods = extra['enablePayMethods'];
  if (methods !== undefined && methods !== null) {
    // A comma list ("TOSS_MONEY,CARD") is unverified (apps-in-toss.md §4.1 [U]); omit the field to allow both.
    if (!PAY_METHODS.includes(methods as AppsInTossPayMethod)) {
      throw new InvalidInputError('extra.enablePayMethods', 'must be TOSS_MONEY or CARD (omit it for the store default)');
    }
    out.enablePayMethods = methods as AppsInTossPayMethod;
  }
  const cashReceipt = extra['cashReceipt'];
  if (cashReceipt !== undefined && cashReceipt !== null) {
    // Anything but a boolean is silently treated as false by Toss (§4.1): refuse it instead.
    if (typeof cashReceipt !== 'boolean') throw new InvalidInputError('extra.cashReceipt', 'must be a boolean');
    out.cashReceipt = cashReceipt;
  }
  const tradeOption = extra['cashReceiptTradeOption'];
  if (tradeOption !== undefined && tradeOption !== null) {
    if (!(CASH_RECEIPT_TRADE_OPTIONS as readonly unknown[]).includes(tradeOption)) {
      throw new InvalidInputError('extra.cashReceiptTradeOption', `must be one of ${CASH_RECEIPT_TRADE_OPTIONS.join(', ')}`);
    }
    out.cashReceiptTradeOption = tradeOption as (typeof CASH_RECEIPT_TRADE_OPTIONS)[number];
  }
  const installment = extra['installment'];
  if (installment !== undefined && installment !== null) {
    if (!(INSTALLMENT_OPTIONS as readonly unknown[]).includes(installment)) {
      throw new InvalidInputError('extra.installment', `must be one of ${INSTALLMENT_OPTIONS.join(', ')}`);
    }
    out.installment = installment as (typeof INSTALLMENT_OPTIONS)[number];
  }
  return out;
}

/** The buyer's userKey (apps-in-toss.md §3): an int64 from login-me, sent as its decimal string. */
export function requireUserKey(value: unknown, field: string): string {
  if (value === undefined || value === null || value === '') {
    throw new InvalidInputError(field, 'is required: the buyer\'s Toss userKey (x-toss-user-key, from Toss login)');
  }
  if (typeof value !== 'string' || !USER_KEY_PATTERN.test(value) || BigInt(value) > INT64_MAX) {
    throw new InvalidInputError(field, 'must be the Toss userKey: digits only, an int64 (apps-in-toss.md §3)');
  }
  return value;
}

function assertOrderNo(orderId: unknown): void {
  assertMatches(
    orderId,
    'orderId',
    APPS_IN_TOSS_ORDER_NO_PATTERN,
    'must be 1-50 characters of 0-9 A-Z a-z _ - : . ^ @ (Apps-in-Toss orderNo, apps-in-toss.md §4.1)',
  );
}

function assertProductDesc(orderName: unknown): void {
  if (typeof orderName !== 'string' || orderName.trim().length === 0) {
    throw new InvalidInputError('orderName', 'must not be blank (Apps-in-Toss productDesc, apps-in-toss.md §4.1)');
  }
  if (orderName.length > APPS_IN_TOSS_MAX_PRODUCT_DESC) {
    throw new InvalidInputError('orderName', `must be at most ${APPS_IN_TOSS_MAX_PRODUCT_DESC} characters (productDesc)`);
  }
  if (orderName.includes('\\') || orderName.includes('"')) {
    throw new InvalidInputError('orderName', 'must not contain a backslash or a double quote (productDesc, apps-in-toss.md §4.1)');
  }
}

function assertPayAmount(value: unknown, field: string): number {
  const amount = assertKrwAmount(value, field);
  if (amount > APPS_IN_TOSS_MAX_AMOUNT) {
    throw new InvalidInputError(field, `must be at most ${APPS_IN_TOSS_MAX_AMOUNT} (7 digits, apps-in-toss.md §4.1)`);
  }
  return amount;
}

function assertRefundReason(reason: unknown): void {
  if (typeof reason !== 'string' || reason.length === 0 || reason.length > APPS_IN_TOSS_MAX_REFUND_REASON) {
    throw new InvalidInputError('reason', `must be 1-${APPS_IN_TOSS_MAX_REFUND_REASON} characters (refund-payment, apps-in-toss.md §4.3)`);
  }
  if (!APPS_IN_TOSS_REFUND_REASON_PATTERN.test(reason)) {
    throw new InvalidInputError('reason', 'may contain only Hangul, digits, letters and _ - : . ^ @ ( ) [ ] # / ! % ? & (no spaces; apps-in-toss.md §4.3)');
  }
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
