import { randomUUID } from 'node:crypto';
import type { LoggerService } from '@nestjs/common';
import {
  AmountMismatchError,
  GatewayDeclinedError,
  GatewayRequestError,
  GatewayUnavailableError,
  InvalidInputError,
  OrderMismatchError,
  PaymentNotFoundError,
  PaymentsError,
  SignatureMismatchError,
} from '../../domain/errors';
import { assertAnswerIsFor, isSettledApprovalOf } from '../gateway-answers';
import type {
  BillingChargeRequest,
  BillingKeyCapability,
  BillingKeyIssueRequest,
  BillingKeyTruth,
  CashReceiptCancelRequest,
  CashReceiptCapability,
  CashReceiptIssueRequest,
  CashReceiptTruth,
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
import type { NicePayClient, NicePayResult } from './nicepay.client';
import { nicePayKstDate, nicePayReturnSignature, nicePaySignatureMatches } from './nicepay.crypto';
import {
  NICEPAY_ALREADY_APPROVED_CODES,
  NICEPAY_BILLING_KEY_GONE_CODES,
  NICEPAY_DUPLICATE_ORDER_CODES,
  nicePayErrorFromResult,
} from './nicepay.errors';
import {
  assertBid,
  assertOrderId,
  assertTid,
  nicePayRequestOrderId,
  parseAmountText,
  TID_PATTERN,
} from './nicepay.fields';
import {
  billingKeyTruthOf,
  confirmInputFromReturnBody,
  malformed,
  notApprovedTruth,
  paymentTruthOf,
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
import type { NicePayCashReceipt, NicePayPayment, ResolvedNicePayOptions } from './nicepay.types';
import { NICEPAY_NET_CANCEL_WINDOW_MS, NICEPAY_SANDBOX_BASE_URL } from './nicepay.types';
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
  readonly webhookAllowedSources: readonly string[];

  private readonly client: NicePayClient;
  private readonly clock: GatewayClock;
  private readonly logger?: LoggerService;
  private readonly closeTransport?: () => Promise<void>;

  constructor(
    private readonly options: ResolvedNicePayOptions,
    dependencies: NicePayGatewayDependencies,
  ) {
    this.client = dependencies.client;
    this.clock = dependencies.clock;
    this.logger = dependencies.logger;
    this.closeTransport = dependencies.closeTransport;
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
   * Local checks before approval, all before any network call: authResultCode 0000 (else a GatewayDeclinedError
   * carrying NicePay's code and message), our clientId, the prepared orderId and amount, and
   * signature = sha256(authToken + clientId + amount + SK) over the posted strings, timing-safe.
   */
  verifyConfirmInput(prepared: PreparedPayment, input: ConfirmInput): void {
    const auth = input.authResult;
    if (!isRecord(auth)) throw new InvalidInputError('authResult', 'is required (the returnUrl POST body)');
    const code = auth['authResultCode'];
    if (typeof code !== 'string' || code.length === 0)
      throw new InvalidInputError('authResult.authResultCode', 'is required');
    if (code !== '0000') {
      const message = typeof auth['authResultMsg'] === 'string' ? auth['authResultMsg'].slice(0, 200) : '';
      throw new GatewayDeclinedError('nicepay', code.slice(0, 20), message);
    }
    if (auth['clientId'] !== this.options.clientId) {
      throw new InvalidInputError('authResult.clientId', 'is not the clientId this gateway is configured with');
    }
    if (input.orderId !== prepared.orderId)
      throw new OrderMismatchError(prepared.orderId, String(input.orderId).slice(0, 64));
    if (auth['orderId'] !== prepared.orderId) {
      throw new OrderMismatchError(prepared.orderId, String(auth['orderId']).slice(0, 64), {
        field: 'authResult.orderId',
      });
    }
    const postedAmount = parseAmountText(auth['amount'], 'authResult.amount');
    if (postedAmount !== prepared.amount)
      throw new AmountMismatchError(prepared.amount, postedAmount, { field: 'authResult.amount' });
    if (input.amount !== prepared.amount) throw new AmountMismatchError(prepared.amount, input.amount);
    const tid = auth['tid'];
    if (typeof tid !== 'string' || !TID_PATTERN.test(tid)) {
      throw new InvalidInputError('authResult.tid', 'must be the 30-character NicePay tid');
    }
    if (input.paymentKey !== undefined && input.paymentKey !== tid) {
      throw new InvalidInputError('paymentKey', 'must equal authResult.tid');
    }
    const authToken = auth['authToken'];
    if (typeof authToken !== 'string' || !/^[A-Za-z0-9]{1,64}$/.test(authToken)) {
      throw new InvalidInputError('authResult.authToken', 'must be the NicePay authToken');
    }
    const expected = nicePayReturnSignature(
      authToken,
      auth['clientId'] as string,
      auth['amount'] as string,
      this.options.secretKey,
    );
    if (!nicePaySignatureMatches(auth['signature'], expected)) {
      throw new SignatureMismatchError('nicepay', 'returnUrl');
    }
  }

  // ---- Payments (docs/gateways/nicepay.md#return-and-approval, #inquiry, #lost-approvals) -------------------------

  /**
   * POST /v1/payments/{tid}: resultCode 0000 required, the response signature verified, then orderId/amount/tid
   * checked. A lost answer (read timeout, reset) is the HTTP client's GatewayUnavailableError(requestSent=true): the
   * core marks the payment UNKNOWN and calls resolveUnknownApproval. "Already approved" (U114/A225/2201) reads the
   * payment back and accepts it when it is the one we asked for. An answer that does not verify or is about another
   * payment throws the core's mismatch errors: the core makes the payment UNKNOWN (never FAILED) and runs
   * `resolveUnknownApproval`. The core ran `verifyConfirmInput` before.
   */
  async approve(request: ApproveRequest): Promise<GatewayPaymentTruth> {
    const tid = (request.input.authResult as Record<string, string>)['tid'];
    const asked = { orderId: request.prepared.orderId, amount: request.prepared.amount, paymentKey: tid };
    try {
      const result = await this.client.approve(tid, { amount: request.prepared.amount });
      const truth = this.verifiedTruth(result, 'approve');
      assertAnswerIsFor('nicepay', truth, asked);
      return truth;
    } catch (error) {
      if (
        error instanceof PaymentsError &&
        error.gatewayCode &&
        NICEPAY_ALREADY_APPROVED_CODES.has(error.gatewayCode)
      ) {
        const truth = this.verifiedTruth(await this.client.getPaymentByTid(tid), 'getPayment');
        if (isSettledApprovalOf(truth, asked)) return truth;
      }
      throw error;
    }
  }

  /** GET /v1/payments/{tid}, else GET /v1/payments/find/{orderId}; the signature is verified. */
  async getPayment(lookup: PaymentLookup): Promise<GatewayPaymentTruth> {
    if (lookup.paymentKey) {
      assertTid(lookup.paymentKey, 'paymentKey');
      return this.verifiedTruth(await this.client.getPaymentByTid(lookup.paymentKey), 'getPayment');
    }
    assertOrderId(lookup.orderId, 'orderId');
    return this.verifiedTruth(await this.client.getPaymentByOrderId(lookup.orderId), 'getPaymentByOrderId');
  }

  /**
   * An approval whose answer was lost:
   * - policy 'netcancel' (NicePay's own rule) and less than 1 hour since the approval was sent: POST
   *   /v1/payments/netcancel by orderId. NicePay having no such order means it never approved: the truth is READY
   *   (the core leaves the row UNKNOWN; a confirm retry may approve). A refusal (2020 window passed, already
   *   cancelled ...) falls back to a query.
   * - otherwise, or policy 'query-first': query by orderId (by tid when the order lookup does not know it, as for a
   *   declined billing charge) and return what NicePay shows; never net-cancel automatically.
   */
  async resolveUnknownApproval(request: UnknownApprovalRequest): Promise<UnknownApprovalResolution> {
    const elapsedMs = this.clock.now().getTime() - request.approvalSentAt.getTime();
    if (this.options.unknownApprovalPolicy === 'netcancel' && elapsedMs < NICEPAY_NET_CANCEL_WINDOW_MS) {
      try {
        return { action: 'net-cancel', truth: await this.netCancel(request.prepared) };
      } catch (error) {
        if (error instanceof PaymentNotFoundError) {
          return { action: 'net-cancel', truth: notApprovedTruth(request, error) };
        }
        if (!(error instanceof GatewayDeclinedError) && !(error instanceof GatewayRequestError)) throw error;
        this.logger?.warn?.(
          `nicepay: net-cancel of order ${request.prepared.orderId} refused (${error.gatewayCode ?? error.code}); querying instead`,
          'NicePayGateway',
        );
      }
    }
    return { action: 'query', truth: await this.queryUnknownApproval(request) };
  }

  private async queryUnknownApproval(request: UnknownApprovalRequest): Promise<GatewayPaymentTruth> {
    try {
      const result = await this.client.getPaymentByOrderId(
        request.prepared.orderId,
        nicePayKstDate(request.approvalSentAt),
      );
      return this.verifiedTruth(result, 'getPaymentByOrderId');
    } catch (error) {
      if (!(error instanceof PaymentNotFoundError)) throw error;
      if (request.paymentKey && TID_PATTERN.test(request.paymentKey)) {
        try {
          return this.verifiedTruth(await this.client.getPaymentByTid(request.paymentKey), 'getPayment');
        } catch (byTidError) {
          if (!(byTidError instanceof PaymentNotFoundError)) throw byTidError;
          return notApprovedTruth(request, byTidError);
        }
      }
      return notApprovedTruth(request, error);
    }
  }

  /** POST /v1/payments/netcancel keyed by orderId; the answer is the (cancelled) payment object. */
  private async netCancel(prepared: PreparedPayment): Promise<GatewayPaymentTruth> {
    assertOrderId(prepared.orderId, 'orderId');
    const truth = this.verifiedTruth(await this.client.netCancel({ orderId: prepared.orderId }), 'netCancel');
    assertAnswerIsFor('nicepay', truth, { orderId: prepared.orderId, amount: prepared.amount });
    return truth;
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
   * (U112/P015/A127): it is read back by orderId and accepted when it is the charge we asked for.
   */
  async chargeBillingKey(request: BillingChargeRequest): Promise<GatewayPaymentTruth> {
    const body = billingChargeBody(request);
    try {
      const truth = this.verifiedTruth(
        await this.client.chargeBillingKey(request.billingKey, body),
        'chargeBillingKey',
      );
      assertAnswerIsFor('nicepay', truth, { orderId: request.orderId, amount: request.amount });
      return truth;
    } catch (error) {
      if (error instanceof PaymentsError && error.gatewayCode && NICEPAY_DUPLICATE_ORDER_CODES.has(error.gatewayCode)) {
        const truth = this.verifiedTruth(await this.client.getPaymentByOrderId(request.orderId), 'getPaymentByOrderId');
        if (isSettledApprovalOf(truth, { orderId: request.orderId, amount: request.amount })) return truth;
      }
      throw error;
    }
  }

  /** POST /v1/subscribe/{bid}/expire; "already deleted" (U115/A126) is what we wanted. */
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
      toTruth: (payment, scrubbed) => paymentTruthOf(payment, scrubbed, 'webhook', this.logger),
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
