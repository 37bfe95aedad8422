import type { LoggerService } from '@nestjs/common';
import { ForeignPaymentKeyError, GatewayUnavailableError, InvalidInputError, PaymentsError } from '../../domain/errors';
import { assertKrwAmount, assertNonNegativeKrw } from '../../domain/money';
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
  GatewayTransaction,
  ParsedWebhook,
  RawWebhookRequest,
  TransactionListCapability,
  TransactionListRequest,
  WebhookCapability,
  WebhookReply,
} from '../gateway-capabilities';
import { isRecord } from '../gateway-fields';
import { acceptDuplicateApproval, assertAnswerIsFor, type AskedPayment } from '../gateway-answers';
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
import type { TossClient, TossResult } from './toss.client';
import { tossDeclineClassOf } from './toss.decline-classes';
import { tossErrorFromResponse } from './toss.errors';
import {
  assertBillingCard,
  assertConfirmInput,
  assertCustomerKey,
  assertIdempotencyKey,
  assertOrderId,
  assertPrepareRequest,
  assertText,
  virtualAccountRequestOf,
} from './toss.input';
import { findTossCashReceipt, walkTossTransactions } from './toss.listings';
import { pickCreatedCancel, tossBillingKeyTruth, tossCashReceiptTruth, tossPaymentTruth } from './toss.mapping';
import {
  tossBillingCardBody,
  tossBillingChargeBody,
  tossCancelBody,
  tossCashReceiptBody,
  tossCashReceiptType,
  tossSdkCheckout,
  tossVirtualAccountBody,
  tossVirtualAccountCheckout,
} from './toss.request-bodies';
import type { ResolvedTossOptions, TossBilling, TossPayment } from './toss.types';
import { parseTossWebhook, tossWebhookReply } from './toss.webhook';

/** Confirm refusals after which the paymentKey is read back (docs/gateways/toss.md#confirm). */
const CONFIRM_READ_BACK_CODES: ReadonlySet<string> = new Set(['ALREADY_PROCESSED_PAYMENT', 'INVALID_REQUEST']);

export interface TossGatewayDependencies {
  client: TossClient;
  clock: GatewayClock;
  logger?: LoggerService;
}

/**
 * Toss Payments core API v1 behind the gateway port: the flows (which call, in which order, with which idempotency
 * key, and what is accepted as an answer). Wire bodies are built in toss.request-bodies.ts, truths in toss.mapping.ts,
 * input rules live in toss.input.ts, paged list walks in toss.listings.ts, the HTTP exchange in TossClient. See
 * docs/gateways/toss.md#flows.
 */
export class TossGateway
  implements PaymentGateway, BillingKeyCapability, CashReceiptCapability, TransactionListCapability, WebhookCapability
{
  readonly name = 'toss' as const;
  readonly features: GatewayFeatures = {
    partialCancel: true,
    // Toss has no net-cancel: a lost confirm answer is resolved by reading the payment back
    // (docs/gateways/toss.md#lost-answers).
    netCancel: false,
    virtualAccount: true,
  };
  /**
   * Connect plus the slowest read timeout any call uses (billing charges and transaction lists read with slowReadMs):
   * no single call to Toss outlives this (docs/gateways/toss.md#timeouts).
   */
  readonly maxCallMs: number;
  /** Toss's published webhook sources unless the options say otherwise (docs/gateways/toss.md#source-addresses). */
  readonly webhookAllowedSources: readonly string[];

  private readonly client: TossClient;
  private readonly clock: GatewayClock;
  private readonly logger?: LoggerService;

  constructor(
    private readonly options: ResolvedTossOptions,
    dependencies: TossGatewayDependencies,
  ) {
    this.client = dependencies.client;
    this.clock = dependencies.clock;
    this.logger = dependencies.logger;
    const { connectMs, readMs, slowReadMs } = options.timeouts;
    this.maxCallMs = connectMs + Math.max(readMs, slowReadMs);
    this.webhookAllowedSources = [...options.webhookAllowedSources];
  }

  // ------------------------------------------------------------------------------------------------------------
  // Checkout and approval
  // ------------------------------------------------------------------------------------------------------------

  /**
   * Default: the JS SDK's payment window fields, no call to Toss (docs/gateways/toss.md#checkout).
   * `method: 'VIRTUAL_ACCOUNT'` with `extra.issueServerSide === true` issues the account right here instead
   * (docs/gateways/toss.md#server-issued-virtual-accounts).
   */
  async prepare(request: PrepareRequest): Promise<CheckoutParams> {
    assertPrepareRequest(request);
    if (request.method === 'VIRTUAL_ACCOUNT' && request.extra?.['issueServerSide'] === true) {
      return this.issueVirtualAccount(request);
    }
    if (!request.returnUrl) throw new InvalidInputError('returnUrl', 'is required (Toss successUrl)');
    return tossSdkCheckout(request, this.options.clientKey, request.returnUrl);
  }

  private async issueVirtualAccount(request: PrepareRequest): Promise<CheckoutParams> {
    const account = virtualAccountRequestOf(request);
    const result = await this.client.issueVirtualAccount(
      tossVirtualAccountBody(request, account),
      // No idempotency key is handed to prepare; one derived from our payment id makes a retried prepare safe.
      `va:${request.paymentId}`,
    );
    const truth = this.toTruth(result, 'issueVirtualAccount');
    assertAnswerIsFor('toss', truth, { orderId: request.orderId, amount: request.amount });
    return tossVirtualAccountCheckout(request, truth);
  }

  /** The browser's successUrl query must match what we stored before the window opened; never trust the browser. */
  verifyConfirmInput(prepared: PreparedPayment, input: ConfirmInput): void {
    assertConfirmInput(prepared, input);
  }

  /**
   * The core ran `verifyConfirmInput` before moving the row to IN_PROGRESS (docs/gateways/toss.md#confirm). A key
   * Toss does not know is a `PaymentNotFoundError` (NOT_FOUND_PAYMENT); another payment's key is a
   * `ForeignPaymentKeyError`: nothing was approved for this order either way.
   */
  async approve(request: ApproveRequest): Promise<GatewayPaymentTruth> {
    assertIdempotencyKey(request.idempotencyKey);
    const paymentKey = request.input.paymentKey as string;
    const asked = { orderId: request.prepared.orderId, amount: request.prepared.amount, paymentKey };
    try {
      const result = await this.client.confirmPayment(
        { paymentKey, orderId: request.prepared.orderId, amount: request.prepared.amount },
        request.idempotencyKey,
      );
      const truth = this.toTruth(result, 'confirm');
      // An Idempotency-Key replay answers with the first request's body even for another payment
      // (docs/gateways/toss.md#idempotency): never accept a truth that is not about the payment we confirmed.
      assertAnswerIsFor('toss', truth, asked);
      return truth;
    } catch (error) {
      const code = error instanceof PaymentsError ? error.gatewayCode : undefined;
      if (code === undefined || !CONFIRM_READ_BACK_CODES.has(code)) throw error;
      const ours = await this.readBackRefused(code, paymentKey, asked);
      if (ours) return ours;
      throw error;
    }
  }

  /**
   * The paymentKey of a refused confirm, read back. A duplicate may be our own earlier approval: returned. Another
   * order's payment throws `ForeignPaymentKeyError`; so does, after INVALID_REQUEST (Toss's answer to a key whose order
   * or amount is not the one confirmed), a payment of another amount. Otherwise null: the refusal stands.
   */
  private async readBackRefused(code: string, key: string, asked: AskedPayment): Promise<GatewayPaymentTruth | null> {
    const truth = await this.client
      .getPaymentByKey(key)
      .then((result) => this.toTruth(result, 'getPayment'))
      .catch((readError: unknown) => {
        // INVALID_REQUEST approved nothing: it stands whatever the read-back did. After a duplicate the payment may be
        // ours and approved, so the read-back's own failure surfaces (an unknown outcome).
        if (code === 'INVALID_REQUEST') return null;
        throw readError;
      });
    if (!truth) return null;
    const ours = acceptDuplicateApproval('toss', truth, asked);
    if (ours) return ours;
    if (code === 'INVALID_REQUEST' && truth.totalAmount !== asked.amount) {
      throw new ForeignPaymentKeyError('toss', asked.orderId);
    }
    return null;
  }

  /**
   * By paymentKey when we have it, else by orderId (docs/gateways/toss.md#reading-a-payment-back). Toss holding no
   * such payment is a `PaymentNotFoundError` (NOT_FOUND_PAYMENT / NOT_FOUND), either way.
   */
  async getPayment(lookup: PaymentLookup): Promise<GatewayPaymentTruth> {
    const result = lookup.paymentKey
      ? await this.client.getPaymentByKey(lookup.paymentKey)
      : await this.client.getPaymentByOrderId(lookup.orderId);
    return this.toTruth(result, 'getPayment');
  }

  /**
   * One cancel, locked on the balance we saw (docs/gateways/toss.md#cancel). A balance that moved at Toss is a
   * `CancelConflictError` (NOT_MATCHES_REFUNDABLE_AMOUNT: nothing refunded, read back and retry), never a decline.
   */
  async cancel(request: CancelRequest): Promise<CancelResult> {
    assertText(request.reason, 'reason', 1, 200);
    assertIdempotencyKey(request.idempotencyKey);
    assertNonNegativeKrw(request.balanceBefore, 'balanceBefore');
    if (!request.isFull) assertKrwAmount(request.amount, 'amount');
    if (request.taxFreeAmount !== undefined) assertNonNegativeKrw(request.taxFreeAmount, 'taxFreeAmount');

    const result = await this.client.cancelPayment(request.paymentKey, tossCancelBody(request), request.idempotencyKey);
    const payment = this.toTruth(result, 'cancel');
    const cancel = pickCreatedCancel(payment);
    if (!cancel) {
      // A 200 without the cancel it should contain: the cancel may or may not exist; the core must read back.
      throw new GatewayUnavailableError('toss', 'cancel: response carries no cancel transaction', true);
    }
    return { payment, cancel };
  }

  // ------------------------------------------------------------------------------------------------------------
  // Billing keys (docs/gateways/toss.md#billing-keys)
  // ------------------------------------------------------------------------------------------------------------

  /** From the one-time authKey of the billing window, or (older contracts only) from card data. */
  async issueBillingKey(request: BillingKeyIssueRequest): Promise<BillingKeyTruth> {
    assertCustomerKey(request.customerKey, 'customerKey');
    assertIdempotencyKey(request.idempotencyKey);
    let result: TossResult<TossBilling>;
    if (request.authKey !== undefined) {
      assertText(request.authKey, 'authKey', 1, 300);
      result = await this.client.issueBillingKeyFromAuthKey(
        { authKey: request.authKey, customerKey: request.customerKey },
        request.idempotencyKey,
      );
    } else if (request.card) {
      const card = assertBillingCard(request.card);
      result = await this.client.issueBillingKeyFromCard(tossBillingCardBody(request, card), request.idempotencyKey);
    } else {
      throw new InvalidInputError('authKey', 'either authKey (billing auth window) or card is required');
    }
    return tossBillingKeyTruth(result, request.customerKey);
  }

  async chargeBillingKey(request: BillingChargeRequest): Promise<GatewayPaymentTruth> {
    assertOrderId(request.orderId);
    assertKrwAmount(request.amount, 'amount');
    assertNonNegativeKrw(request.taxFreeAmount, 'taxFreeAmount');
    assertText(request.orderName, 'orderName', 1, 100);
    assertCustomerKey(request.customerKey, 'customerKey');
    assertIdempotencyKey(request.idempotencyKey);
    const asked = { orderId: request.orderId, amount: request.amount };
    try {
      const result = await this.client.chargeBillingKey(
        request.billingKey,
        tossBillingChargeBody(request),
        request.idempotencyKey,
      );
      const truth = this.toTruth(result, 'chargeBillingKey');
      assertAnswerIsFor('toss', truth, asked);
      return truth;
    } catch (error) {
      // A retried cycle whose first attempt went through answers DUPLICATED_ORDER_ID / ALREADY_PROCESSED_PAYMENT;
      // the charge is read back by orderId and accepted when it is the one we asked for.
      if (
        error instanceof PaymentsError &&
        (error.gatewayCode === 'DUPLICATED_ORDER_ID' || error.gatewayCode === 'ALREADY_PROCESSED_PAYMENT')
      ) {
        const truth = this.toTruth(await this.client.getPaymentByOrderId(request.orderId), 'getPaymentByOrderId');
        const ours = acceptDuplicateApproval('toss', truth, asked);
        if (ours) return ours;
      }
      throw error;
    }
  }

  declineClassOf(code: string): DeclineClass {
    return tossDeclineClassOf(code);
  }

  async deleteBillingKey(billingKey: string, _customerKey: string): Promise<void> {
    const outcome = await this.client.deleteBillingKey(billingKey);
    if (outcome.status >= 200 && outcome.status < 300) return;
    const code = isRecord(outcome.body) && typeof outcome.body['code'] === 'string' ? outcome.body['code'] : undefined;
    // A key Toss no longer knows is what we wanted: treat it as already gone.
    if (outcome.status === 404 || code === 'NOT_FOUND_BILLING' || code === 'ALREADY_REMOVED_BILLING_KEY') return;
    throw tossErrorFromResponse(outcome.status, outcome.body, {
      operation: 'deleteBillingKey',
      resource: 'billing_key',
      reference: 'delete',
    });
  }

  // ------------------------------------------------------------------------------------------------------------
  // Cash receipts (docs/gateways/toss.md#cash-receipts)
  // ------------------------------------------------------------------------------------------------------------

  async issueCashReceipt(request: CashReceiptIssueRequest): Promise<CashReceiptTruth> {
    assertOrderId(request.orderId);
    assertKrwAmount(request.amount, 'amount');
    assertNonNegativeKrw(request.taxFreeAmount, 'taxFreeAmount');
    assertText(request.orderName, 'orderName', 1, 100);
    assertText(request.identityNumber, 'identityNumber', 1, 30);
    assertIdempotencyKey(request.idempotencyKey);
    const type = tossCashReceiptType(request.type);
    if (!type) throw new InvalidInputError('type', 'must be INCOME_DEDUCTION or EXPENSE_PROOF');
    const result = await this.client.issueCashReceipt(tossCashReceiptBody(request, type), request.idempotencyKey);
    return tossCashReceiptTruth(result.body, result.scrubbed, 'issueCashReceipt');
  }

  async cancelCashReceipt(request: CashReceiptCancelRequest): Promise<CashReceiptTruth> {
    assertText(request.receiptKey, 'receiptKey', 1, 200);
    assertIdempotencyKey(request.idempotencyKey);
    const body = request.amount === undefined ? {} : { amount: assertKrwAmount(request.amount, 'amount') };
    const result = await this.client.cancelCashReceipt(request.receiptKey, body, request.idempotencyKey);
    return tossCashReceiptTruth(result.body, result.scrubbed, 'cancelCashReceipt');
  }

  /** Toss has no get-by-key for receipts: walk the day's list (KST date) by cursor until the key shows up. */
  async getCashReceipt(receiptKey: string, requestDate: Date): Promise<CashReceiptTruth> {
    return findTossCashReceipt(this.client, receiptKey, requestDate);
  }

  // ------------------------------------------------------------------------------------------------------------
  // Transactions (docs/gateways/toss.md#transaction-list)
  // ------------------------------------------------------------------------------------------------------------

  /** Every transaction in [from, to], page after page. */
  listTransactions(request: TransactionListRequest): AsyncIterable<GatewayTransaction> {
    return walkTossTransactions(this.client, request, this.logger);
  }

  // ------------------------------------------------------------------------------------------------------------
  // Webhooks (docs/gateways/toss.md#webhooks)
  // ------------------------------------------------------------------------------------------------------------

  async parseWebhook(request: RawWebhookRequest): Promise<ParsedWebhook> {
    return parseTossWebhook(request, this.options.webhook, this.clock.now());
  }

  webhookReply(outcome: 'accepted' | 'rejected'): WebhookReply {
    return tossWebhookReply(outcome);
  }

  private toTruth(result: TossResult<TossPayment>, operation: string): GatewayPaymentTruth {
    return tossPaymentTruth(result, operation, this.logger);
  }
}
