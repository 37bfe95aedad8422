import { randomUUID } from 'node:crypto';
import type { LoggerService } from '@nestjs/common';
import {
  ForeignPaymentKeyError,
  GatewayUnavailableError,
  OrderMismatchError,
  PaymentNotFoundError,
  PaymentsError,
} from '../../domain/errors';
import { acceptDuplicateApproval, assertAnswerIsFor, type AskedPayment } from '../gateway-answers';
import type {
  BillingChargeRequest,
  BillingKeyCapability,
  BillingKeyIssueRequest,
  BillingKeyTruth,
  CashReceiptCancelRequest,
  CashReceiptCapability,
  CashReceiptIssueRequest,
  CashReceiptTruth,
  DeclineClass,
  LostApprovalPolicyCapability,
  ParsedWebhook,
  RawWebhookRequest,
  ReturnUrlCapability,
  UnknownApprovalRequest,
  UnknownApprovalResolution,
  WebhookCapability,
  WebhookReply,
} from '../gateway-capabilities';
import { isRecord } from '../gateway-fields';
import type {
  ApproveRequest,
  CancelRequest,
  CancelResult,
  CheckoutParams,
  ConfirmInput,
  GatewayFeatures,
  GatewayPaymentTruth,
  PaymentGateway,
  PaymentLookup,
  PreparedPayment,
  PrepareRequest,
} from '../gateway.port';
import type { GatewayClock } from '../payment-gateway-module';
import { nicePayRequestMaxMs, type NicePayClient, type NicePayResult } from './nicepay.client';
import { nicePayKstDate } from './nicepay.crypto';
import { nicePayDeclineClassOf } from './nicepay.decline-classes';
import {
  NICEPAY_ALREADY_APPROVED_CODES,
  NICEPAY_BILLING_KEY_GONE_CODES,
  NICEPAY_DUPLICATE_ORDER_CODES,
  NICEPAY_OTHER_AMOUNT_AUTHENTICATED_CODES,
  nicePayErrorFromResult,
} from './nicepay.errors';
import { assertBid, assertOrderId, assertTid, nicePayRequestOrderId } from './nicepay.fields';
import { NicePayLostApprovals } from './nicepay.lost-approval';
import {
  billingKeyTruthOf,
  malformed,
  verifiedPaymentTruth,
  verifiedReceiptTruth,
  type ReceiptMappingContext,
} from './nicepay.mapping';
import {
  billingChargeBody,
  billingRegistBody,
  cancelBody,
  cashReceiptCancelBody,
  cashReceiptIssueBody,
  checkoutFields,
} from './nicepay.requests';
import { confirmInputFromReturnBody, verifyNicePayReturn } from './nicepay.return';
import type { NicePayCashReceipt, NicePayPayment, ResolvedNicePayOptions } from './nicepay.types';
import { NICEPAY_SANDBOX_BASE_URL } from './nicepay.types';
import { nicePayWebhookReply, parseNicePayWebhook } from './nicepay.webhook';

export interface NicePayGatewayDependencies {
  client: NicePayClient;
  clock: GatewayClock;
  logger?: LoggerService;
  /** Releases the HTTP connections (application shutdown). */
  closeTransport?: () => Promise<void>;
}

/**
 * NicePay Start API /v1, Server-approval model, behind the `PaymentGateway` port (docs/gateways/nicepay.md). This
 * class holds the flows: which call comes when, what is checked before and after it, and what an answer that cannot
 * be trusted means. Request bodies are built in nicepay.requests.ts, answers mapped in nicepay.mapping.ts, and the HTTP
 * exchange lives in NicePayClient.
 */
export class NicePayGateway
  implements
    PaymentGateway,
    BillingKeyCapability,
    CashReceiptCapability,
    WebhookCapability,
    LostApprovalPolicyCapability,
    ReturnUrlCapability
{
  readonly name = 'nicepay' as const;
  readonly features: GatewayFeatures;
  /**
   * Two requests in a row, each as long as the client's longest request (`nicePayRequestMaxMs`: one exchange with
   * Basic auth, four with Bearer): an approval or billing charge refused as a duplicate reads the payment back before
   * it returns (docs/gateways/nicepay.md#how-long-a-call-can-take).
   */
  readonly maxCallMs: number;
  readonly webhookAllowedSources: readonly string[];

  private readonly client: NicePayClient;
  private readonly logger?: LoggerService;
  private readonly closeTransport?: () => Promise<void>;
  private readonly lostApprovals: NicePayLostApprovals;

  constructor(
    private readonly options: ResolvedNicePayOptions,
    dependencies: NicePayGatewayDependencies,
  ) {
    this.client = dependencies.client;
    this.logger = dependencies.logger;
    this.closeTransport = dependencies.closeTransport;
    this.lostApprovals = new NicePayLostApprovals(options, dependencies);
    this.maxCallMs = 2 * nicePayRequestMaxMs(options.timeouts, options.authMode);
    this.webhookAllowedSources = [...options.webhookAllowedSources];
    this.features = {
      // The real sandbox host refuses every cancelAmt (U128); production and simulators allow it.
      partialCancel: options.baseUrl !== NICEPAY_SANDBOX_BASE_URL,
      virtualAccount: true,
      netCancel: true,
    };
  }

  // ---- Checkout and return (docs/gateways/nicepay.md#checkout, #return-and-approval) ------------------------------

  /**
   * What `AUTHNICE.requestPay({...})` needs. NicePay POSTs the authentication result to returnUrl, which the app hands
   * to `PaymentsService.confirmReturn`.
   */
  async prepare(request: PrepareRequest): Promise<CheckoutParams> {
    return { gateway: 'nicepay', kind: 'sdk', fields: checkoutFields(request, this.options.clientId) };
  }

  confirmInputFromReturn(body: Record<string, unknown>): ConfirmInput {
    return confirmInputFromReturnBody(body);
  }

  /**
   * Local checks before approval, all before any network call (docs/gateways/nicepay.md#return-and-approval): the
   * window's result code, our clientId, the prepared orderId and amount, and the returnUrl signature.
   */
  verifyConfirmInput(prepared: PreparedPayment, input: ConfirmInput): void {
    verifyNicePayReturn(prepared, input, this.options);
  }

  // ---- Payments (docs/gateways/nicepay.md#return-and-approval, #inquiry, #lost-approvals) -------------------------

  /**
   * POST /v1/payments/{tid}: resultCode 0000 required, the response signature verified, then orderId/amount/tid
   * checked. A lost answer (read timeout, reset) is the HTTP client's GatewayUnavailableError(requestSent=true): the
   * core marks the payment UNKNOWN and calls resolveUnknownApproval. An answer that does not verify or is about another
   * payment throws the core's mismatch errors (UNKNOWN, never FAILED). A tid NicePay does not know is a
   * `PaymentNotFoundError`; a tid of another order is a `ForeignPaymentKeyError` (see `refusedApproval` and
   * `approvedAnotherOrder`): nothing was approved for this order either way. The core ran `verifyConfirmInput` before.
   */
  async approve(request: ApproveRequest): Promise<GatewayPaymentTruth> {
    const tid = (request.input.authResult as Record<string, string>)['tid'];
    const asked = { orderId: request.prepared.orderId, amount: request.prepared.amount, paymentKey: tid };
    let truth: GatewayPaymentTruth;
    try {
      truth = this.verifiedTruth(await this.client.approve(tid, { amount: request.prepared.amount }), 'approve');
    } catch (error) {
      return this.refusedApproval(error, tid, asked);
    }
    if (truth.paymentKey === tid && truth.orderId !== asked.orderId) await this.approvedAnotherOrder(truth, asked);
    assertAnswerIsFor('nicepay', truth, asked);
    return truth;
  }

  /**
   * An approval NicePay refused. "Already approved" (U114/A225/2201, which one is not documented) reads the tid back:
   * our own earlier approval is the answer, another order's payment a `ForeignPaymentKeyError`. A123 says the tid was
   * authenticated for another amount: the returnUrl signature covers neither tid nor orderId, so that tid came from
   * another order's window. Any other refusal stands.
   */
  private async refusedApproval(error: unknown, tid: string, asked: AskedPayment): Promise<GatewayPaymentTruth> {
    const code = error instanceof PaymentsError ? error.gatewayCode : undefined;
    if (code && NICEPAY_OTHER_AMOUNT_AUTHENTICATED_CODES.has(code)) {
      throw new ForeignPaymentKeyError('nicepay', asked.orderId, { cause: error });
    }
    if (!code || !NICEPAY_ALREADY_APPROVED_CODES.has(code)) throw error;
    let truth: GatewayPaymentTruth;
    try {
      truth = this.verifiedTruth(await this.client.getPaymentByTid(tid), 'getPayment');
    } catch (readError) {
      if (!(readError instanceof PaymentNotFoundError)) throw readError;
      // "Approved" and "no such payment" at once: nothing here proves either way, so the outcome is unknown.
      throw new GatewayUnavailableError('nicepay', `approve: ${code} but the read-back finds no payment`, true);
    }
    const ours = acceptDuplicateApproval('nicepay', truth, asked);
    if (ours) return ours;
    throw error;
  }

  /**
   * A signed approval of the tid we sent, naming another order. The orderId is not covered by the signature, so the
   * answer alone cannot tell a tid of another order's window (NicePay approved that order, not ours) from an answer
   * altered on its way. NicePay's record of our own order decides: none means nothing was approved for this order
   * (`ForeignPaymentKeyError`); otherwise the caller's mismatch check makes the outcome unknown.
   */
  private async approvedAnotherOrder(truth: GatewayPaymentTruth, asked: AskedPayment): Promise<void> {
    try {
      await this.client.getPaymentByOrderId(asked.orderId);
    } catch (error) {
      if (error instanceof PaymentNotFoundError) throw new ForeignPaymentKeyError('nicepay', asked.orderId);
    }
    this.logger?.warn?.(
      `nicepay: approval of order ${asked.orderId} answered about order ${truth.orderId.slice(0, 64)}`,
      'NicePayGateway',
    );
  }

  /**
   * GET /v1/payments/{tid}, else GET /v1/payments/find/{orderId}; the signature is verified. NicePay having no such
   * payment (U107 and the other not-found codes) is a `PaymentNotFoundError` either way
   * (docs/gateways/nicepay.md#no-record-at-nicepay).
   */
  async getPayment(lookup: PaymentLookup): Promise<GatewayPaymentTruth> {
    if (lookup.paymentKey) {
      assertTid(lookup.paymentKey, 'paymentKey');
      return this.verifiedTruth(await this.client.getPaymentByTid(lookup.paymentKey), 'getPayment');
    }
    assertOrderId(lookup.orderId, 'orderId');
    return this.verifiedTruth(await this.client.getPaymentByOrderId(lookup.orderId), 'getPaymentByOrderId');
  }

  /** An approval whose answer was lost: net-cancel or query, per `unknownApprovalPolicy` (nicepay.lost-approval.ts). */
  resolveUnknownApproval(request: UnknownApprovalRequest): Promise<UnknownApprovalResolution> {
    return this.lostApprovals.resolve(request);
  }

  /**
   * POST /v1/payments/{tid}/cancel (docs/gateways/nicepay.md#cancel). The response signature covers the original tid
   * and amount; the created cancel is the `cancels` element whose tid is `cancelledTid`.
   */
  async cancel(request: CancelRequest): Promise<CancelResult> {
    const tid = request.paymentKey;
    assertTid(tid, 'paymentKey');
    const result = await this.client.cancel(tid, cancelBody(request));
    const payment = this.verifiedTruth(result, 'cancel');
    assertAnswerIsFor('nicepay', payment, {
      orderId: request.prepared.orderId,
      amount: request.prepared.amount,
      paymentKey: tid,
    });
    const cancelledTid = typeof result.body.cancelledTid === 'string' ? result.body.cancelledTid : '';
    const cancel = payment.cancels.find((element) => element.transactionKey === cancelledTid);
    if (!cancel) {
      // A 0000 without the cancel it should contain: the cancel may or may not exist; the core must read it back.
      throw new GatewayUnavailableError(
        'nicepay',
        'cancel: response does not identify the created cancel (cancelledTid)',
        true,
      );
    }
    const expectedBalance = request.balanceBefore - request.amount;
    if (payment.balanceAmount !== expectedBalance || cancel.amount !== request.amount) {
      // Someone else cancelled meanwhile (dashboard), or a full cancel took more than we asked: the truth is what
      // NicePay says, and the ledger reconciles from it.
      this.logger?.warn?.(
        `nicepay: cancel of order ${request.prepared.orderId} left balance ${payment.balanceAmount} (expected ${expectedBalance}) ` +
          `with a cancel of ${cancel.amount} (requested ${request.amount})`,
        'NicePayGateway',
      );
    }
    return { payment, cancel };
  }

  // ---- Billing keys (docs/gateways/nicepay.md#billing-keys) --------------------------------------------------------

  /** POST /v1/subscribe/regist with the card data encrypted into `encData` in this process. */
  async issueBillingKey(request: BillingKeyIssueRequest): Promise<BillingKeyTruth> {
    const body = billingRegistBody(request, this.options.secretKey, this.options.encMode);
    return billingKeyTruthOf(await this.client.registerBillingKey(body), request.customerKey);
  }

  /**
   * POST /v1/subscribe/{bid}/payments. A retried charge whose first attempt went through answers "orderId used"
   * (U112/P015/A127): it is read back by orderId and accepted when it is the charge we asked for. When NicePay shows
   * no payment under that orderId (a declined charge is found by tid only), the refusal stands.
   */
  async chargeBillingKey(request: BillingChargeRequest): Promise<GatewayPaymentTruth> {
    const body = billingChargeBody(request);
    const asked = { orderId: request.orderId, amount: request.amount };
    try {
      const truth = this.verifiedTruth(
        await this.client.chargeBillingKey(request.billingKey, body),
        'chargeBillingKey',
      );
      assertAnswerIsFor('nicepay', truth, asked);
      return truth;
    } catch (error) {
      if (error instanceof PaymentsError && error.gatewayCode && NICEPAY_DUPLICATE_ORDER_CODES.has(error.gatewayCode)) {
        const truth = await this.client.getPaymentByOrderId(request.orderId).then(
          (result) => this.verifiedTruth(result, 'getPaymentByOrderId'),
          (readError: unknown) => {
            if (readError instanceof PaymentNotFoundError) return null;
            throw readError;
          },
        );
        const ours = truth && acceptDuplicateApproval('nicepay', truth, asked);
        if (ours) return ours;
      }
      throw error;
    }
  }

  /** POST /v1/subscribe/{bid}/expire; "already deleted" (U115/A126) is what we wanted. */
  declineClassOf(code: string): DeclineClass {
    return nicePayDeclineClassOf(code);
  }

  async deleteBillingKey(billingKey: string, _customerKey: string): Promise<void> {
    assertBid(billingKey);
    // The port gives no id for a deletion; a fresh orderId is what NicePay requires (unique per request).
    const outcome = await this.client.expireBillingKey(billingKey, {
      orderId: nicePayRequestOrderId('bid-expire', randomUUID()),
    });
    const code = isRecord(outcome.body) ? outcome.body['resultCode'] : undefined;
    if (code === '0000') return;
    if (typeof code === 'string' && NICEPAY_BILLING_KEY_GONE_CODES.has(code)) return;
    if ((typeof code !== 'string' || code === '') && outcome.httpStatus >= 200 && outcome.httpStatus < 300)
      throw malformed('deleteBillingKey', 'resultCode');
    throw nicePayErrorFromResult(outcome.httpStatus, outcome.body, {
      operation: 'deleteBillingKey',
      resource: 'billing_key',
      reference: 'expire',
    });
  }

  // ---- Cash receipts (docs/gateways/nicepay.md#cash-receipts) ------------------------------------------------------

  /** POST /v1/receipt. Success only means "accepted"; the tax service issues it the next day (status IN_PROGRESS). */
  async issueCashReceipt(request: CashReceiptIssueRequest): Promise<CashReceiptTruth> {
    const body = cashReceiptIssueBody(request);
    const result = await this.client.issueCashReceipt(body);
    const truth = this.receiptTruth(result, 'issueCashReceipt', {
      amount: request.amount,
      type: request.type,
      defaultStatus: 'IN_PROGRESS',
    });
    // The signature covers tid + orderId, not our request: the answer must be about the receipt we asked for (the
    // core checks the amount; the orderId may be one derived here).
    if (truth.orderId !== body.orderId)
      throw new OrderMismatchError(body.orderId, truth.orderId, { gateway: 'nicepay' });
    return truth;
  }

  /** POST /v1/receipt/{tid}/cancel (the real sandbox does not offer it); full unless an amount is given. */
  async cancelCashReceipt(request: CashReceiptCancelRequest): Promise<CashReceiptTruth> {
    assertTid(request.receiptKey, 'receiptKey');
    const result = await this.client.cancelCashReceipt(request.receiptKey, cashReceiptCancelBody(request));
    return this.receiptTruth(result, 'cancelCashReceipt', { amount: request.amount, defaultStatus: 'CANCELED' });
  }

  /** GET /v1/receipt/{tid} with the request day as orderDate. */
  async getCashReceipt(receiptKey: string, requestDate: Date): Promise<CashReceiptTruth> {
    assertTid(receiptKey, 'receiptKey');
    const result = await this.client.getCashReceipt(receiptKey, nicePayKstDate(requestDate));
    return this.receiptTruth(result, 'getCashReceipt', { defaultStatus: 'IN_PROGRESS' });
  }

  // ---- Webhooks (docs/gateways/nicepay.md#webhooks) ----------------------------------------------------------------

  async parseWebhook(request: RawWebhookRequest): Promise<ParsedWebhook> {
    return parseNicePayWebhook(request, {
      secretKey: this.options.secretKey,
      logger: this.logger,
    });
  }

  webhookReply(outcome: 'accepted' | 'rejected'): WebhookReply {
    return nicePayWebhookReply(outcome);
  }

  async close(): Promise<void> {
    await this.closeTransport?.();
  }

  private verifiedTruth(result: NicePayResult<NicePayPayment>, operation: string): GatewayPaymentTruth {
    return verifiedPaymentTruth(result, operation, this.options.secretKey, this.logger);
  }

  private receiptTruth(
    result: NicePayResult<NicePayCashReceipt>,
    operation: string,
    context: ReceiptMappingContext,
  ): CashReceiptTruth {
    return verifiedReceiptTruth(result, operation, this.options.secretKey, context);
  }
}
