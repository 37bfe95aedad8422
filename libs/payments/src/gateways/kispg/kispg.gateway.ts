import type { LoggerService } from '@nestjs/common';
import {
  ForeignPaymentKeyError,
  GatewayUnavailableError,
  PaymentNotFoundError,
  type PaymentsError,
} from '../../domain/errors';
import { assertKrwAmount } from '../../domain/money';
import { acceptDuplicateApproval, type AskedPayment } from '../gateway-answers';
import type {
  LostApprovalPolicyCapability,
  ParsedWebhook,
  RawWebhookRequest,
  ReturnUrlCapability,
  UnknownApprovalRequest,
  UnknownApprovalResolution,
  WebhookCapability,
  WebhookReply,
} from '../gateway-capabilities';
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
import { cancelKispgPayment, type KispgCancelContext } from './kispg.cancel';
import { kispgConfirmInputFromReturn, validateKispgCheckout, verifyKispgAuthResult } from './kispg.checkout';
import type { KispgClient } from './kispg.client';
import { formatKispgEdiDate, verifyKispgHash } from './kispg.crypto';
import { classifyKispgResult, kispgErrorFromResult, kispgMalformed } from './kispg.errors';
import { kispgMethodOf, normalizeKispgMethod, stringOf } from './kispg.fields';
import {
  kispgApprovalTruth,
  kispgAuthForm,
  kispgOrderBody,
  kispgPaymentBody,
  readKispgOrder,
  type KispgOrderReadBack,
} from './kispg.mapping';
import type { KispgResult, ResolvedKispgOptions } from './kispg.types';
import { kispgWebhookReply, parseKispgWebhook } from './kispg.webhook';

export interface KispgGatewayDependencies {
  client: KispgClient;
  clock: GatewayClock;
  logger?: LoggerService;
  /** Releases the HTTP client's connections (application shutdown). */
  close?: () => Promise<void>;
}

/**
 * KISPG's v2 API behind the `PaymentGateway` port (docs/gateways/kispg.md): browser form → returnUrl POST → server
 * approval, JSON cancels and queries, each signed with encData. These are the flows: which call goes when and what is
 * checked before and after it; the wire shapes are mapped in kispg.mapping.ts. KISPG has no net-cancel, so a lost
 * approval answer is resolved by reading `/v2/order` (docs/gateways/kispg.md#lost-approval-answers).
 */
export class KispgGateway
  implements PaymentGateway, ReturnUrlCapability, LostApprovalPolicyCapability, WebhookCapability
{
  readonly name = 'kispg' as const;
  /** No 망취소 at KISPG: a reversal is an ordinary full cancel. Billing, cash receipts and transaction lists: none. */
  readonly features: GatewayFeatures = { partialCancel: true, virtualAccount: true, netCancel: false };
  /**
   * The longest an adapter operation keeps a KISPG request open: every call is one JSON exchange under the same
   * timeouts, and a cancel may first look the payment method up, so the cancel itself can start one call late.
   */
  readonly maxCallMs: number;
  readonly webhookAllowedSources: readonly string[];

  private readonly client: KispgClient;
  private readonly clock: GatewayClock;
  private readonly logger?: LoggerService;
  private readonly closeTransport?: () => Promise<void>;
  private readonly cancelContext: KispgCancelContext;

  constructor(
    private readonly options: ResolvedKispgOptions,
    dependencies: KispgGatewayDependencies,
  ) {
    this.client = dependencies.client;
    this.clock = dependencies.clock;
    this.logger = dependencies.logger;
    this.closeTransport = dependencies.close;
    this.maxCallMs = 2 * (options.timeouts.connectMs + options.timeouts.readMs);
    this.webhookAllowedSources = [...options.webhookAllowedSources];
    this.cancelContext = {
      client: this.client,
      options,
      clock: this.clock,
      logger: this.logger,
      readOrder: (lookup) => this.readOrder(lookup),
    };
  }

  // ------------------------------------------------------------------------------------------------------------
  // Browser leg (docs/gateways/kispg.md#checkout, #return-and-approval)
  // ------------------------------------------------------------------------------------------------------------

  /** The `/v2/auth` form the browser submits: every field checked first, then signed with the current ediDate. */
  async prepare(request: PrepareRequest): Promise<CheckoutParams> {
    const values = validateKispgCheckout(request);
    return kispgAuthForm(this.options, values, this.ediDate());
  }

  confirmInputFromReturn(body: Record<string, unknown>): ConfirmInput {
    return kispgConfirmInputFromReturn(body);
  }

  verifyConfirmInput(prepared: PreparedPayment, input: ConfirmInput): void {
    verifyKispgAuthResult(prepared, input, this.options);
  }

  // ------------------------------------------------------------------------------------------------------------
  // Payments
  // ------------------------------------------------------------------------------------------------------------

  /**
   * POST /v2/payment with a fresh ediDate. The core ran `verifyConfirmInput` on the same input first. Success only on
   * the method's code; the answer must name the same tid, amount and ordNo. A refusal is read back first (see
   * `approvalBehindRefusal`). A lost answer surfaces as GatewayUnavailableError(requestSent=true) from the HTTP layer:
   * the core marks the payment UNKNOWN and calls `resolveUnknownApproval`.
   */
  async approve(request: ApproveRequest): Promise<GatewayPaymentTruth> {
    const auth = request.input.authResult as Record<string, string>;
    const tid = auth['tid'];
    const result = await this.client.payment(
      kispgPaymentBody(this.options, tid, String(request.prepared.amount), this.ediDate()),
    );
    const body = result.body;
    const resultCd = stringOf(body.resultCd);
    // The request was applied or not; an answer without a result code does not say which (read back). A decline
    // here would mark FAILED a payment KISPG may have approved.
    if (!resultCd) throw kispgMalformed('payment', 'no resultCd');
    const payMethod =
      normalizeKispgMethod(body.payMethod) ??
      normalizeKispgMethod(auth['payMethod']) ??
      kispgMethodOf(request.prepared.method);
    if (!this.isApprovalSuccess(payMethod, resultCd)) {
      const refusal = kispgErrorFromResult(
        resultCd,
        stringOf(body.resultMsg),
        this.resultContext('payment', request.prepared.orderId),
      );
      const asked = { orderId: request.prepared.orderId, amount: request.prepared.amount, paymentKey: tid };
      const approvedBefore = await this.approvalBehindRefusal(resultCd, refusal, asked);
      if (approvedBefore) return approvedBefore;
      throw refusal;
    }
    this.checkApprovalHash(body);
    const truth = kispgApprovalTruth(result, tid, payMethod);
    if (truth.orderId !== request.prepared.orderId) await this.refuseForeignTid(request.prepared);
    return truth;
  }

  /**
   * /v2/payment is keyed by tid alone: a tid from another order's window approves THAT order, and its answer names
   * that order. When KISPG holds nothing under our order number, the tid was simply not ours (a forged or mixed-up
   * return): ForeignPaymentKeyError, and our order stays payable. When it does hold something, we cannot tell what
   * happened to our order: the mismatch stands and the core reads the payment back (UNKNOWN).
   */
  private async refuseForeignTid(prepared: ApproveRequest['prepared']): Promise<void> {
    try {
      await this.readOrder({ paymentKey: null, orderId: prepared.orderId, amount: prepared.amount });
    } catch (error) {
      if (error instanceof PaymentNotFoundError) throw new ForeignPaymentKeyError('kispg', prepared.orderId);
      throw error;
    }
  }

  /**
   * POST /v2/order by tid (paymentKey) else ordNo, hashed with the ORIGINAL amount. KISPG's refusal of the query becomes
   * a typed error by `resultCodeCategories`: `PaymentNotFoundError` only for the codes mapped to 'not-found'
   * (docs/gateways/kispg.md#when-kispg-has-no-record).
   */
  async getPayment(lookup: PaymentLookup): Promise<GatewayPaymentTruth> {
    return (await this.readOrder(lookup)).truth;
  }

  /**
   * KISPG has no net-cancel: a lost approval answer is resolved with /v2/order before anything is reported. When KISPG
   * has no record of the tid (a code mapped to 'not-found'), it holds no approval: a READY truth (without the tid, which
   * is not ours until approved), which the core's repair rules act on only once the gateway's longest call is over. Any
   * other refusal of the query proves nothing about the approval and is thrown
   * (docs/gateways/kispg.md#when-kispg-has-no-record).
   */
  async resolveUnknownApproval(request: UnknownApprovalRequest): Promise<UnknownApprovalResolution> {
    const paymentKey = request.paymentKey ?? request.prepared.gatewayPaymentKey ?? null;
    try {
      const truth = await this.getPayment({
        paymentKey,
        orderId: request.prepared.orderId,
        amount: request.prepared.amount,
      });
      return { action: 'query', truth };
    } catch (error) {
      if (!(error instanceof PaymentNotFoundError)) throw error;
      return {
        action: 'query',
        truth: {
          gateway: 'kispg',
          paymentKey: '',
          orderId: request.prepared.orderId,
          status: 'READY',
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
   * Full or partial cancel, then a read-back of the balance: the flow is kispg.cancel.ts
   * (docs/gateways/kispg.md#cancel).
   */
  async cancel(request: CancelRequest): Promise<CancelResult> {
    return cancelKispgPayment(this.cancelContext, request);
  }

  // ------------------------------------------------------------------------------------------------------------
  // Notifications (docs/gateways/kispg.md#notifications)
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

  /**
   * KISPG publishes no "already approved" code, so a refusal that may be one is read back by tid before it is reported
   * (docs/gateways/kispg.md#duplicate-and-foreign-keys): our own earlier approval is the answer; a tid KISPG holds for
   * another order is `ForeignPaymentKeyError` (nothing was approved for this order). Not read back: configuration
   * refusals (the query would be refused alike) and 'not-found' ones (KISPG has no such tid).
   * A read-back that is lost makes the outcome unknown rather than a decline: the refusal may have been "already
   * approved" of an approval that went through.
   */
  private async approvalBehindRefusal(
    resultCd: string,
    refusal: PaymentsError,
    asked: AskedPayment & { paymentKey: string },
  ): Promise<GatewayPaymentTruth | null> {
    const category = classifyKispgResult(resultCd, 'payment', this.options.resultCodeCategories);
    if (category === 'configuration' || category === 'not-found') return null;
    let truth: GatewayPaymentTruth;
    try {
      truth = (await this.readOrder({ paymentKey: asked.paymentKey, orderId: asked.orderId, amount: asked.amount }))
        .truth;
    } catch (error) {
      if (!(error instanceof GatewayUnavailableError)) return null; // KISPG holds no approval under this tid
      throw new GatewayUnavailableError(
        'kispg',
        `payment: refused (${resultCd}) and the /v2/order read-back failed: ${error.message}`,
        true,
        { gatewayCode: refusal.gatewayCode, gatewayMessage: refusal.gatewayMessage },
      );
    }
    return acceptDuplicateApproval('kispg', truth, asked);
  }

  /** The /v2/order answer: the truth, and the cancels as read (to find our own after a cancel). */
  private async readOrder(lookup: PaymentLookup): Promise<KispgOrderReadBack> {
    const amount = assertKrwAmount(lookup.amount, 'amount');
    const reference = lookup.paymentKey ? { tid: lookup.paymentKey } : { ordNo: lookup.orderId };
    const result = await this.client.order(kispgOrderBody(this.options, reference, String(amount), this.ediDate()));
    const body = result.body;
    const trxStatus = stringOf(body.trxStatus);
    if (!trxStatus) {
      const queried = lookup.paymentKey ?? lookup.orderId;
      throw kispgErrorFromResult(
        stringOf(body.resultCd),
        stringOf(body.resultMsg),
        this.resultContext('order', queried),
      );
    }
    if (lookup.paymentKey && body.tid !== undefined && body.tid !== lookup.paymentKey) {
      throw kispgMalformed('order', 'tid differs from the queried tid');
    }
    const reading = readKispgOrder(
      result,
      { orderId: lookup.orderId, originalAmount: amount },
      { now: this.clock.now(), vacntExpiryGraceMs: this.options.vacntExpiryGraceMs },
    );
    for (const warning of reading.warnings) this.logger?.warn?.(warning, 'KispgGateway');
    return { truth: reading.truth, cancels: reading.cancels };
  }

  /** Approval success ⇔ resultCd ∈ successCodes[payMethod]. Unknown method: any method's code. */
  private isApprovalSuccess(payMethod: string | null, resultCd: string): boolean {
    const table = this.options.successCodes as Record<string, readonly string[]>;
    if (payMethod && table[payMethod]) return table[payMethod].includes(resultCd);
    return Object.values(table).some((codes) => codes.includes(resultCd));
  }

  /**
   * The approval answer's encData, which KISPG's guide promises and its answer table lacks. A mismatch (or, with
   * 'require', its absence) does not prove the approval failed, only that this answer cannot be trusted: the outcome
   * is unknown and must be read back from /v2/order, never FAILED while money may have moved.
   */
  private checkApprovalHash(body: KispgResult): void {
    const mode = this.options.approvalResponseHash;
    if (mode === 'ignore') return;
    const encData = stringOf(body.encData);
    const ediDate = stringOf(body.ediDate);
    const amt = stringOf(body.amt);
    if (!encData || !ediDate) {
      if (mode === 'require')
        throw kispgMalformed('payment', 'approval answer carries no encData/ediDate (approvalResponseHash: require)');
      return;
    }
    const valid =
      !!amt &&
      verifyKispgHash(encData, { mid: this.options.mid, ediDate, amount: amt, merchantKey: this.options.merchantKey });
    if (!valid) throw kispgMalformed('payment', 'approval answer encData does not verify');
  }

  /** A fresh ediDate for every request (KISPG accepts one up to 10 minutes old). */
  private ediDate(): string {
    return formatKispgEdiDate(this.clock.now());
  }

  private resultContext(operation: 'payment' | 'cancel' | 'order', reference: string) {
    return { operation, reference, categories: this.options.resultCodeCategories };
  }
}
