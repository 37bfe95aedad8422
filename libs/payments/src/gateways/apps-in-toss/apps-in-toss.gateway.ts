import type { LoggerService } from '@nestjs/common';
import {
  AmountMismatchError,
  ForeignPaymentKeyError,
  GatewayDeclinedError,
  GatewayRequestError,
  InvalidInputError,
  OrderMismatchError,
  PaymentNotFoundError,
  UnsupportedOperationError,
  type PaymentsError,
} from '../../domain/errors';
import { assertKrwAmount, assertNonNegativeKrw } from '../../domain/money';
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
import type { AppsInTossClient, AppsInTossHttpTransport, AppsInTossResult } from './apps-in-toss.client';
import {
  certificateInfo,
  loadAppsInTossCredentials,
  type AppsInTossCertificateInfo,
  type AppsInTossCertificateSet,
  type AppsInTossCredentials,
} from './apps-in-toss.crypto';
import { APPS_IN_TOSS_GATEWAY, malformedResponse } from './apps-in-toss.errors';
import {
  APPS_IN_TOSS_MAX_PAY_TOKEN,
  assertOrderNo,
  assertPayAmount,
  assertPayToken,
  assertProductDesc,
  assertRefundReason,
  requireUserKey,
} from './apps-in-toss.fields';
import { APPS_IN_TOSS_METHOD, executeTruth, makePaymentBody, refundResult, statusTruth } from './apps-in-toss.mapping';
import type {
  AppsInTossExecuteResult,
  AppsInTossPaymentStatusBody,
  ResolvedAppsInTossOptions,
} from './apps-in-toss.types';

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
 * Apps-in-Toss TossPay (partner API over mTLS) behind the `PaymentGateway` port (docs/gateways/apps-in-toss.md#flows):
 * prepare = make-payment (server) → payToken → the mini-app calls `checkoutPayment` → approve = execute-payment →
 * cancel = refund-payment (full only) → getPayment = get-payment-status (the only recovery path: no webhooks).
 * It implements the core port only: TossPay offers no webhooks, billing keys, standalone cash receipts, transaction
 * list or net-cancel (docs/gateways/apps-in-toss.md#not-supported), so the core refuses those operations itself.
 * Wire ↔ port mapping is in apps-in-toss.mapping.ts, field rules in apps-in-toss.fields.ts.
 */
export class AppsInTossGateway implements PaymentGateway {
  readonly name = APPS_IN_TOSS_GATEWAY;
  readonly features: GatewayFeatures = {
    // refund-payment has no amount field: full refunds only.
    partialCancel: false,
    virtualAccount: false,
    // No net-cancel API: a lost execute answer is read back with get-payment-status.
    netCancel: false,
  };
  /**
   * One call: connect (TCP + the TLS handshake with the client certificate) plus the read timeout; every pay
   * endpoint uses the same read timeout and answers a small JSON body
   * (docs/gateways/apps-in-toss.md#lost-answers-and-recovery).
   */
  readonly maxCallMs: number;

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
    this.maxCallMs = options.timeouts.connectMs + options.timeouts.readMs;
  }

  // ------------------------------------------------------------------------------------------------------------
  // Certificate (docs/gateways/apps-in-toss.md#rotation-without-restart)
  // ------------------------------------------------------------------------------------------------------------

  /** Public facts about the client certificate in use (fingerprint, subject, validity). */
  certificate(): AppsInTossCertificateInfo {
    return certificateInfo(this.credentials);
  }

  /**
   * Swaps the client certificate without a restart (several certificates can be registered in the console at once,
   * so the new one is accepted before the old one is removed). The new set is loaded and checked first (parse, key
   * matches certificate, not expired); a bad set throws `InvalidInputError` naming the field and the old certificate
   * stays in use. New calls use a new dispatcher; in-flight calls finish on the old one. `ca` omitted = keep the
   * current trust anchors (rotating the client certificate does not change the server's CA).
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
  // Checkout (docs/gateways/apps-in-toss.md#prepare-make-payment)
  // ------------------------------------------------------------------------------------------------------------

  /**
   * make-payment with the buyer's `x-toss-user-key` (= `customer.customerKey`, the userKey from Toss login).
   * Returns `kind: 'payToken'`: the mini-app passes `fields.payToken` to `checkoutPayment` (both call shapes are in
   * docs/gateways/apps-in-toss.md#checkout-in-the-mini-app). `paymentKey` makes the core store the payToken as the
   * row's gatewayPaymentKey.
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
    const body = makePaymentBody(request, { amount, taxFree }, this.options.testPayment);
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
    assertPayToken(input.payToken ?? prepared.gatewayPaymentKey ?? undefined);
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
   * execute-payment (docs/gateways/apps-in-toss.md#confirm-execute-payment). Success needs resultType SUCCESS with
   * `code` 0/null and no `errorCode` (checked in the client); the answer's amount and orderNo must be ours. A FAIL is
   * read back once (`readBackRefusedExecute`), then a typed decline unless the read-back says otherwise; a
   * transport-class resultType or a lost answer is GatewayUnavailableError(requestSent=true): the core marks the
   * payment UNKNOWN and `sync` reads it back with get-payment-status (no webhook will tell us).
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
      // A refused execute is read back once before the refusal is reported: a retried confirm whose first answer was
      // lost is refused as a second execute, and a payToken Toss does not know (or knows as another order's) means
      // nothing was approved for this order. Which code Toss uses for either is not documented, so every refusal
      // about the request is read back (docs/gateways/apps-in-toss.md#lost-answers-and-recovery).
      if (
        error instanceof GatewayDeclinedError ||
        error instanceof GatewayRequestError ||
        error instanceof PaymentNotFoundError
      ) {
        return this.readBackRefusedExecute(userKey, payToken, prepared, error);
      }
      throw error;
    }
    const truth = executeTruth(result, payToken, prepared);
    this.warnOnModeMismatch(result.body.mode, 'execute-payment');
    // The execute left and Toss answered SUCCESS: money may have moved for our payToken whatever the answer says. An
    // answer about another order, amount or payToken is an unknown outcome for the core (UNKNOWN, then
    // get-payment-status), never FAILED and never PAID under a foreign payToken.
    assertAnswerIsFor(APPS_IN_TOSS_GATEWAY, truth, {
      orderId: prepared.orderId,
      amount: prepared.amount,
      paymentKey: payToken,
    });
    return truth;
  }

  /**
   * What a refused execute means, from get-payment-status:
   * - Toss holds the payToken paid for exactly our order and amount, with no refund: that is the answer;
   * - the payToken is another order's: `ForeignPaymentKeyError` (nothing was approved for this order);
   * - Toss has no payment under this payToken and orderNo for this buyer: `PaymentNotFoundError` (nothing approved);
   * - anything else, or a read-back that fails otherwise: the refusal stands (`sync` can read the payment later).
   */
  private async readBackRefusedExecute(
    userKey: string,
    payToken: string,
    prepared: PreparedPayment,
    refusal: PaymentsError,
  ): Promise<GatewayPaymentTruth> {
    const asked: AskedPayment = { orderId: prepared.orderId, amount: prepared.amount, paymentKey: payToken };
    let truth: GatewayPaymentTruth;
    try {
      truth = await this.readStatus(userKey, { payToken, orderNo: prepared.orderId }, asked);
    } catch (error) {
      if (error instanceof PaymentNotFoundError) return this.ownerOfUnknownPayToken(userKey, payToken, asked, error);
      throw refusal;
    }
    const accepted = acceptDuplicateApproval(APPS_IN_TOSS_GATEWAY, truth, asked);
    if (accepted && accepted.cancels.length === 0) return accepted;
    throw refusal;
  }

  /**
   * Toss has no payment under this payToken for our orderNo. Read by the payToken alone (the API reference says
   * either key is enough): a payment of another order means the browser brought back another order's key. Otherwise,
   * or when that lookup fails too, the payToken is unknown for this order.
   */
  private async ownerOfUnknownPayToken(
    userKey: string,
    payToken: string,
    asked: AskedPayment,
    notFound: PaymentNotFoundError,
  ): Promise<never> {
    let owner: GatewayPaymentTruth;
    try {
      owner = await this.readStatus(userKey, { payToken }, asked);
    } catch {
      throw notFound;
    }
    if (owner.orderId !== asked.orderId) throw new ForeignPaymentKeyError(APPS_IN_TOSS_GATEWAY, asked.orderId);
    throw notFound;
  }

  private async readStatus(
    userKey: string,
    keys: Omit<AppsInTossPaymentStatusBody, 'isTestPayment'>,
    lookup: AskedPayment,
  ): Promise<GatewayPaymentTruth> {
    const result = await this.client.getPaymentStatus(userKey, { ...keys, isTestPayment: this.options.testPayment });
    return statusTruth(result, lookup, this.logger);
  }

  /**
   * get-payment-status (docs/gateways/apps-in-toss.md#sync-get-payment-status) by payToken and orderNo, as the buyer
   * (`lookup.customerKey` is the userKey). Every payStatus maps onto a canonical status; see `mapPayStatus`.
   */
  async getPayment(lookup: PaymentLookup): Promise<GatewayPaymentTruth> {
    const userKey = requireUserKey(lookup.customerKey ?? undefined, 'customerKey');
    const keys = { ...(lookup.paymentKey ? { payToken: lookup.paymentKey } : {}), orderNo: lookup.orderId };
    return this.readStatus(userKey, keys, lookup);
  }

  /**
   * refund-payment (docs/gateways/apps-in-toss.md#cancel-refund-payment): full refunds only (no amount field), so a
   * partial cancel is refused before anything is sent, and so is a reason outside the allowed charset and length. The
   * answer becomes a CANCELED truth whose one cancel is this refund.
   */
  async cancel(request: CancelRequest): Promise<CancelResult> {
    if (!request.isFull) {
      throw new UnsupportedOperationError(APPS_IN_TOSS_GATEWAY, 'partial refund (refund-payment has no amount field)');
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
    return refundResult(result, payToken, request, amount, this.clock.now());
  }

  async close(): Promise<void> {
    await this.http.close?.();
  }

  /**
   * `mode` (LIVE/TEST) of an answer that disagrees with `testPayment`: a deployment mix-up, logged rather than refused
   * because Toss moved the money either way (docs/gateways/apps-in-toss.md#unverified-facts-and-what-the-library-does).
   */
  private warnOnModeMismatch(mode: unknown, operation: string): void {
    if (mode !== 'LIVE' && mode !== 'TEST') return;
    const expected = this.options.testPayment ? 'TEST' : 'LIVE';
    if (mode !== expected) {
      this.logger?.warn?.(
        `appsInToss: ${operation} answered mode ${mode} but testPayment is ${this.options.testPayment}`,
        'AppsInTossGateway',
      );
    }
  }
}
