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
  UnsupportedOperationError,
} from '../../domain/errors';
import { assertKrwAmount, assertNonNegativeKrw, vatOf } from '../../domain/money';
import { malformedResponseError } from '../gateway-errors';
import { assertMatches, isKrwAmount, isRecord } from '../gateway-fields';
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
  PaymentMethod,
  PreparedPayment,
  PrepareRequest,
  RawWebhookRequest,
  TransactionListRequest,
  UnknownApprovalRequest,
  UnknownApprovalResolution,
  VirtualAccountInfo,
  WebhookReply,
} from '../gateway.port';
import type { NicePayClient, NicePayResult } from './nicepay.client';
import {
  nicePayBillingPlaintext,
  nicePayEncrypt,
  nicePayKstDate,
  nicePayPaymentSignature,
  nicePayReceiptSignature,
  nicePayReturnSignature,
  nicePaySignatureMatches,
  parseNicePayDate,
} from './nicepay.crypto';
import {
  NICEPAY_ALREADY_APPROVED_CODES,
  NICEPAY_BILLING_KEY_GONE_CODES,
  NICEPAY_DUPLICATE_ORDER_CODES,
  nicePayErrorFromResult,
} from './nicepay.errors';
import type {
  NicePayBillingChargeBody,
  NicePayBillingRegistBody,
  NicePayCancelBody,
  NicePayCancelElement,
  NicePayCard,
  NicePayCashReceipt,
  NicePayPayment,
  NicePayReturnBody,
  NicePayVbank,
  ResolvedNicePayOptions,
} from './nicepay.types';
import { NICEPAY_NET_CANCEL_WINDOW_MS, NICEPAY_SANDBOX_BASE_URL } from './nicepay.types';
import { nicePayWebhookReply, parseNicePayWebhook } from './nicepay.webhook';

/** Our orderIds (payments.dto ORDER_ID_PATTERN) fit NicePay's 64-character orderId (nicepay.md §5.1). */
const ORDER_ID_PATTERN = /^[A-Za-z0-9_-]{6,64}$/;
/** tid: 30 characters (nicepay.md §3.2, §7.6); the pattern only keeps the path segment safe. */
const TID_PATTERN = /^[A-Za-z0-9]{1,30}$/;
/** Amount field max 12 digits (nicepay.md §3.1); strictly an integer text, no sign, no leading zero. */
const AMOUNT_TEXT_PATTERN = /^[1-9][0-9]{0,11}$/;
/** Installments need at least 50,000 KRW (nicepay.md §8.20, P037). */
const MIN_INSTALLMENT_AMOUNT = 50_000;
/** A credit-card approval needs at least 1,000 KRW (nicepay.md §8.20, 3041); billing charges are card approvals. */
const MIN_CARD_AMOUNT = 1_000;
/** requestPay methods that end in a credit-card approval (nicepay.md §5.1). */
const CARD_METHODS = new Set(['card', 'directCard']);

/** The fields of the returnUrl POST (nicepay.md §5.2); anything else in the body is dropped. */
const RETURN_FIELDS: readonly (keyof NicePayReturnBody)[] = [
  'authResultCode',
  'authResultMsg',
  'tid',
  'clientId',
  'orderId',
  'amount',
  'mallReserved',
  'authToken',
  'signature',
];

/** Canonical method -> requestPay `method` (nicepay.md §5.1). */
const CANONICAL_TO_NICEPAY_METHOD: Readonly<Record<string, string>> = {
  CARD: 'card',
  VIRTUAL_ACCOUNT: 'vbank',
  TRANSFER: 'bank',
  MOBILE_PHONE: 'cellphone',
};

/** requestPay `method` values (nicepay.md §5.1). */
const NICEPAY_METHODS = new Set([
  'card',
  'bank',
  'directCard',
  'vbank',
  'cellphone',
  'naverpayCard',
  'kakaopay',
  'kakaopayCard',
  'kakaopayMoney',
  'samsungpayCard',
  'payco',
  'ssgpay',
  'cardAndEasyPay',
]);

/** Response `payMethod` -> canonical (nicepay.md §7.2); wallets (with or without a card object) are EASY_PAY. */
const PAY_METHODS: Readonly<Record<string, PaymentMethod>> = {
  card: 'CARD',
  vbank: 'VIRTUAL_ACCOUNT',
  bank: 'TRANSFER',
  cellphone: 'MOBILE_PHONE',
  naverpay: 'EASY_PAY',
  kakaopay: 'EASY_PAY',
  payco: 'EASY_PAY',
  ssgpay: 'EASY_PAY',
  samsungpay: 'EASY_PAY',
  tosspay: 'EASY_PAY',
};

export function canonicalNicePayMethod(payMethod: string | null | undefined): PaymentMethod | null {
  if (payMethod === null || payMethod === undefined || payMethod === '') return null;
  return PAY_METHODS[payMethod] ?? payMethod;
}

/** Optional requestPay fields a caller may pass in `extra` (nicepay.md §5.1), with their checks. */
type ExtraCheck = (value: unknown, field: string, request: PrepareRequest) => string | number | boolean;
const EXTRA_FIELDS: Readonly<Record<string, ExtraCheck>> = {
  vbankHolder: (value, field) => textWithinBytes(value, field, 40),
  vbankValidHours: (value, field) => {
    if (!Number.isSafeInteger(value) || (value as number) < 1 || (value as number) > 24 * 180) {
      throw new InvalidInputError(field, 'must be an integer number of hours between 1 and 4320');
    }
    return value as number;
  },
  vbankExpDate: (value, field) => {
    if (typeof value !== 'string' || !/^\d{8}(\d{4})?$|^\d{4}-\d{2}-\d{2}/.test(value) || value.length > 30) {
      throw new InvalidInputError(field, 'must be a date (yyyyMMdd, yyyyMMddHHmm or ISO 8601)');
    }
    return value;
  },
  cardQuota: (value, field, request) => {
    const text = typeof value === 'number' ? String(value).padStart(2, '0') : value;
    if (typeof text !== 'string' || !/^\d{1,2}(,\d{1,2})*$/.test(text) || text.length > 50) {
      throw new InvalidInputError(field, 'must be installment months such as "00" or "00,03" (nicepay.md §5.1)');
    }
    if (text.split(',').some((months) => Number(months) > 1) && request.amount < MIN_INSTALLMENT_AMOUNT) {
      throw new InvalidInputError(field, `installments need an amount of at least ${MIN_INSTALLMENT_AMOUNT} (nicepay.md §8.20)`);
    }
    return text;
  },
  cardCode: (value, field) => {
    if (typeof value !== 'string' || !/^\d{2}(,\d{2})*$/.test(value) || value.length > 100) {
      throw new InvalidInputError(field, 'must be card codes such as "02" or "02,04" (nicepay.md §7.3)');
    }
    return value;
  },
  cardShowOpt: (value, field) => {
    if (typeof value !== 'string' || !/^[0-9:|]{1,100}$/.test(value)) throw new InvalidInputError(field, 'must look like "08:3|02:3"');
    return value;
  },
  mallReserved: (value, field) => {
    const text = textWithinBytes(value, field, 500);
    // nicepay.md §3.2: echoed back; a `"` breaks NicePay's handling.
    if (text.includes('"')) throw new InvalidInputError(field, 'must not contain a double quote (nicepay.md §3.2)');
    return text;
  },
  mallUserId: (value, field) => textWithinBytes(value, field, 20),
  language: (value, field) => oneOf(value, field, ['KO', 'EN', 'CN']),
  skinType: (value, field) => oneOf(value, field, ['red', 'green', 'purple', 'gray', 'dark']),
  useEscrow: (value, field) => {
    if (typeof value !== 'boolean') throw new InvalidInputError(field, 'must be a boolean');
    return value;
  },
  isDigital: (value, field) => {
    if (typeof value !== 'boolean') throw new InvalidInputError(field, 'must be a boolean');
    return value;
  },
  logoImgUrl: (value, field) => url(value, field, 200),
  appScheme: (value, field) => textWithinBytes(value, field, 100),
};

export interface NicePayGatewayDependencies {
  client: NicePayClient;
  clock: GatewayClock;
  logger?: LoggerService;
  /** Releases the HTTP connections (application shutdown). */
  closeTransport?: () => Promise<void>;
}

/**
 * NicePay Start API /v1, Server-approval model (nicepay.md §5), behind the `PaymentGateway` port. This class turns
 * canonical requests into wire bodies, verifies every signature NicePay gives (returnUrl POST, payment objects, cash
 * receipts, webhooks) and maps wire objects to canonical truths; the HTTP exchange lives in NicePayClient.
 */
export class NicePayGateway implements PaymentGateway {
  readonly name = 'nicepay' as const;
  readonly capabilities: GatewayCapabilities;
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
    this.capabilities = {
      // The real sandbox host refuses every cancelAmt (U128, nicepay.md §3.3/§8.3); production and simulators allow it.
      partialCancel: options.baseUrl !== NICEPAY_SANDBOX_BASE_URL,
      netCancel: true,
      virtualAccount: true,
      billing: true,
      cashReceipts: true,
      // The reconciliation API is beta and undocumented in the Korean manual (nicepay.md §3.14, §8.16).
      transactions: false,
      webhooks: true,
    };
  }

  // ------------------------------------------------------------------------------------------------------------
  // Checkout (nicepay.md §5.1)
  // ------------------------------------------------------------------------------------------------------------

  /**
   * What `AUTHNICE.requestPay({...})` needs (nicepay.md §5.1). NicePay POSTs the authentication result to returnUrl
   * (§5.2), which the app hands to `PaymentsService.confirmReturn`.
   */
  async prepare(request: PrepareRequest): Promise<CheckoutParams> {
    assertOrderId(request.orderId, 'orderId');
    assertKrwAmount(request.amount, 'amount');
    assertNonNegativeKrw(request.taxFreeAmount, 'taxFreeAmount');
    if (request.taxFreeAmount > request.amount) throw new InvalidInputError('taxFreeAmount', 'must not exceed amount');
    const goodsName = goodsNameOf(request.orderName, 'orderName');
    const method = nicePayMethodOf(request.method);
    if (CARD_METHODS.has(method) && request.amount < MIN_CARD_AMOUNT) {
      throw new InvalidInputError('amount', `a card payment needs at least ${MIN_CARD_AMOUNT} KRW (3041, nicepay.md §8.20)`);
    }
    if (request.returnUrl === undefined || request.returnUrl === '') {
      throw new InvalidInputError('returnUrl', 'is required (NicePay POSTs the authentication result there, nicepay.md §5.2)');
    }
    const returnUrl = url(request.returnUrl, 'returnUrl', 500);

    const fields: CheckoutParams['fields'] = {
      clientId: this.options.clientId,
      method,
      orderId: request.orderId,
      amount: request.amount,
      goodsName,
      returnUrl,
    };
    if (request.taxFreeAmount > 0) fields['taxFreeAmt'] = request.taxFreeAmount;
    const customer = request.customer ?? {};
    if (customer.name !== undefined) fields['buyerName'] = textWithinBytes(customer.name, 'customer.name', 30);
    if (customer.email !== undefined) {
      const email = textWithinBytes(customer.email, 'customer.email', 60);
      if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw new InvalidInputError('customer.email', 'must be an e-mail address');
      fields['buyerEmail'] = email;
    }
    if (customer.phone !== undefined) {
      const phone = typeof customer.phone === 'string' ? customer.phone.replace(/-/g, '') : customer.phone;
      if (typeof phone !== 'string' || !/^[0-9]{8,40}$/.test(phone)) {
        throw new InvalidInputError('customer.phone', 'must be 8-40 digits (nicepay.md §5.1 buyerTel)');
      }
      fields['buyerTel'] = phone;
    }

    for (const [key, value] of Object.entries(request.extra ?? {})) {
      if (value === undefined) continue;
      const check = Object.prototype.hasOwnProperty.call(EXTRA_FIELDS, key) ? EXTRA_FIELDS[key] : undefined;
      if (!check) {
        throw new InvalidInputError(`extra.${key.slice(0, 40)}`, `is not a supported NicePay requestPay field (${Object.keys(EXTRA_FIELDS).join(', ')})`);
      }
      fields[key] = check(value, `extra.${key}`, request);
    }

    if (method === 'vbank') {
      // nicepay.md §5.1/§8.11: vbankHolder is required for virtual accounts; the buyer's name is the natural default.
      if (fields['vbankHolder'] === undefined) {
        if (customer.name === undefined) {
          throw new InvalidInputError('extra.vbankHolder', 'is required for vbank (or give customer.name), nicepay.md §5.1');
        }
        fields['vbankHolder'] = textWithinBytes(customer.name, 'extra.vbankHolder', 40);
      }
    }
    if (method === 'cardAndEasyPay' && (fields['cardCode'] !== undefined || fields['cardQuota'] !== undefined)) {
      throw new InvalidInputError('extra.cardCode', 'cardAndEasyPay cannot be combined with cardCode/cardQuota (U332, nicepay.md §5.1)');
    }
    return { gateway: 'nicepay', kind: 'sdk', fields };
  }

  /**
   * The returnUrl POST body (nicepay.md §5.2) as a ConfirmInput: orderId as posted, amount from its string strictly
   * (digits only, no sign, no leading zero, at most 12 digits). Only the documented fields are kept, as strings.
   */
  confirmInputFromReturn(body: Record<string, unknown>): ConfirmInput {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new InvalidInputError('body', 'must be the returnUrl form fields');
    }
    const authResult: Record<string, string> = {};
    for (const field of RETURN_FIELDS) {
      const value = body[field];
      if (value === undefined || value === null) continue;
      if (typeof value !== 'string') throw new InvalidInputError(field, 'must be a single string value');
      if (value.length > 600) throw new InvalidInputError(field, 'is too long');
      authResult[field] = value;
    }
    const orderId = authResult['orderId'];
    if (orderId === undefined) throw new InvalidInputError('orderId', 'is required (returnUrl POST, nicepay.md §5.2)');
    assertOrderId(orderId, 'orderId');
    const amountText = authResult['amount'];
    if (amountText === undefined) throw new InvalidInputError('amount', 'is required (returnUrl POST, nicepay.md §5.2)');
    const amount = parseAmountText(amountText, 'amount');
    const tid = authResult['tid'];
    return {
      orderId,
      amount,
      paymentKey: tid !== undefined && TID_PATTERN.test(tid) ? tid : undefined,
      authResult,
    };
  }

  /**
   * Local checks before approval (nicepay.md §5.3 steps 2-4), all before any network call:
   * authResultCode 0000 (else a GatewayDeclinedError carrying NicePay's code and message), our clientId, the prepared
   * orderId and amount, and signature = sha256(authToken + clientId + amount + SK) over the posted strings, timing-safe.
   */
  verifyConfirmInput(prepared: PreparedPayment, input: ConfirmInput): void {
    const auth = input.authResult;
    if (!isRecord(auth)) throw new InvalidInputError('authResult', 'is required (the returnUrl POST body, nicepay.md §5.2)');
    const code = auth['authResultCode'];
    if (typeof code !== 'string' || code.length === 0) throw new InvalidInputError('authResult.authResultCode', 'is required');
    if (code !== '0000') {
      const message = typeof auth['authResultMsg'] === 'string' ? auth['authResultMsg'].slice(0, 200) : '';
      throw new GatewayDeclinedError('nicepay', code.slice(0, 20), message);
    }
    if (auth['clientId'] !== this.options.clientId) {
      throw new InvalidInputError('authResult.clientId', 'is not the clientId this gateway is configured with');
    }
    if (input.orderId !== prepared.orderId) throw new OrderMismatchError(prepared.orderId, String(input.orderId).slice(0, 64));
    if (auth['orderId'] !== prepared.orderId) {
      throw new OrderMismatchError(prepared.orderId, String(auth['orderId']).slice(0, 64), { field: 'authResult.orderId' });
    }
    const postedAmount = parseAmountText(auth['amount'], 'authResult.amount');
    if (postedAmount !== prepared.amount) throw new AmountMismatchError(prepared.amount, postedAmount, { field: 'authResult.amount' });
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
    const expected = nicePayReturnSignature(authToken, auth['clientId'] as string, auth['amount'] as string, this.options.secretKey);
    if (!nicePaySignatureMatches(auth['signature'], expected)) {
      throw new SignatureMismatchError('nicepay', 'returnUrl');
    }
  }

  // ------------------------------------------------------------------------------------------------------------
  // Payments
  // ------------------------------------------------------------------------------------------------------------

  /**
   * POST /v1/payments/{tid} (nicepay.md §3.1, §5.3 steps 5-6): resultCode 0000 required, the response signature
   * verified, then orderId/amount/tid checked. A lost answer (read timeout, reset) is the HTTP client's
   * GatewayUnavailableError(requestSent=true): the core marks the payment UNKNOWN and calls resolveUnknownApproval.
   * "Already approved" (U114/A225/2201) reads the payment back and accepts it when it is the one we asked for.
   * An answer that does not verify or is about another payment throws the core's mismatch errors: the core makes the
   * payment UNKNOWN (never FAILED) and runs `resolveUnknownApproval`. The core ran `verifyConfirmInput` before.
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
      if (error instanceof PaymentsError && error.gatewayCode && NICEPAY_ALREADY_APPROVED_CODES.has(error.gatewayCode)) {
        const truth = this.verifiedTruth(await this.client.getPaymentByTid(tid), 'getPayment');
        if (isSettledApprovalOf(truth, asked)) return truth;
      }
      throw error;
    }
  }

  /** GET /v1/payments/{tid}, else GET /v1/payments/find/{orderId} (nicepay.md §3.5); the signature is verified. */
  async getPayment(lookup: PaymentLookup): Promise<GatewayPaymentTruth> {
    if (lookup.paymentKey) {
      assertTid(lookup.paymentKey, 'paymentKey');
      return this.verifiedTruth(await this.client.getPaymentByTid(lookup.paymentKey), 'getPayment');
    }
    assertOrderId(lookup.orderId, 'orderId');
    return this.verifiedTruth(await this.client.getPaymentByOrderId(lookup.orderId), 'getPaymentByOrderId');
  }

  /**
   * An approval whose answer was lost (nicepay.md §3.4, §5.3 step 7):
   * - policy 'netcancel' (the manual's rule) and less than 1 hour since the approval was sent: POST
   *   /v1/payments/netcancel by orderId. NicePay having no such order means it never approved: the truth is READY
   *   (the core leaves the row UNKNOWN; a confirm retry may approve). A refusal (2020 window passed, already
   *   cancelled ...) falls back to a query.
   * - otherwise, or policy 'query-first': query by orderId (by tid when the order lookup does not know it, [E26]) and
   *   return what NicePay shows; never net-cancel automatically.
   */
  async resolveUnknownApproval(request: UnknownApprovalRequest): Promise<UnknownApprovalResolution> {
    const elapsedMs = this.clock.now().getTime() - request.approvalSentAt.getTime();
    if (this.options.unknownApprovalPolicy === 'netcancel' && elapsedMs < NICEPAY_NET_CANCEL_WINDOW_MS) {
      try {
        return { action: 'net-cancel', truth: await this.netCancel({ prepared: request.prepared, paymentKey: request.paymentKey, idempotencyKey: request.idempotencyKey }) };
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
      const result = await this.client.getPaymentByOrderId(request.prepared.orderId, nicePayKstDate(request.approvalSentAt));
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

  /** POST /v1/payments/netcancel keyed by orderId (nicepay.md §3.4); the answer is the (cancelled) payment object. */
  async netCancel(request: NetCancelRequest): Promise<GatewayPaymentTruth> {
    assertOrderId(request.prepared.orderId, 'orderId');
    const truth = this.verifiedTruth(await this.client.netCancel({ orderId: request.prepared.orderId }), 'netCancel');
    assertAnswerIsFor('nicepay', truth, { orderId: request.prepared.orderId, amount: request.prepared.amount });
    return truth;
  }

  /**
   * POST /v1/payments/{tid}/cancel (nicepay.md §3.3). The amount goes in `cancelAmt` (never `amount`, which NicePay
   * ignores and turns into a full cancel, §8.2); a full cancel of what is left omits it (the sandbox refuses any
   * cancelAmt, §3.3). Each cancel carries its own orderId derived from our cancel id, so two partial cancels can never
   * share one (U112, §8.3). The response signature covers the original tid and amount; the created cancel is the
   * `cancels` element whose tid is `cancelledTid`.
   */
  async cancel(request: CancelRequest): Promise<CancelResult> {
    const tid = request.paymentKey;
    assertTid(tid, 'paymentKey');
    const reason = textWithinBytes(request.reason, 'reason', 100);
    assertKrwAmount(request.amount, 'amount');
    assertNonNegativeKrw(request.balanceBefore, 'balanceBefore');
    const body: NicePayCancelBody = { reason, orderId: nicePayRequestOrderId('cancel', request.cancelId) };
    if (!request.isFull) body.cancelAmt = request.amount;
    if (request.taxFreeAmount !== undefined && request.taxFreeAmount > 0) {
      body.taxFreeAmt = assertNonNegativeKrw(request.taxFreeAmount, 'taxFreeAmount');
    }
    if (request.refundAccount) {
      // Virtual-account refunds after deposit (nicepay.md §3.3, [E26] required then).
      const account = request.refundAccount.accountNumber;
      if (typeof account !== 'string' || !/^[0-9]{1,16}$/.test(account)) {
        throw new InvalidInputError('refundAccount.accountNumber', 'must be up to 16 digits (nicepay.md §3.3)');
      }
      if (typeof request.refundAccount.bankCode !== 'string' || !/^[0-9]{3}$/.test(request.refundAccount.bankCode)) {
        throw new InvalidInputError('refundAccount.bankCode', 'must be a 3-digit NicePay bank code (nicepay.md §7.4)');
      }
      body.refundAccount = account;
      body.refundBankCode = request.refundAccount.bankCode;
      // 10 bytes as NicePay counts them (EUC-KR: a Korean character is 2), nicepay.md §3.3, §8.19.
      body.refundHolder = textWithinBytes(request.refundAccount.holderName, 'refundAccount.holderName', 10);
    }

    const result = await this.client.cancel(tid, body);
    const payment = this.verifiedTruth(result, 'cancel');
    assertAnswerIsFor('nicepay', payment, { orderId: request.prepared.orderId, amount: request.prepared.amount, paymentKey: tid });
    const cancelledTid = typeof result.body.cancelledTid === 'string' ? result.body.cancelledTid : '';
    const cancel = payment.cancels.find((element) => element.transactionKey === cancelledTid);
    if (!cancel) {
      // A 0000 without the cancel it should contain: the cancel may or may not exist; the core must read it back.
      throw new GatewayUnavailableError('nicepay', 'cancel: response does not identify the created cancel (cancelledTid)', true);
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

  // ------------------------------------------------------------------------------------------------------------
  // Billing (nicepay.md §3.7-§3.9)
  // ------------------------------------------------------------------------------------------------------------

  /**
   * POST /v1/subscribe/regist: the card data is encrypted into `encData` (A2 = AES-256-CBC by default, or
   * AES-128-ECB, nicepay.md §4.2) and never leaves this method in clear: not in logs, errors or `raw`.
   */
  async issueBillingKey(request: BillingKeyIssueRequest): Promise<BillingKeyTruth> {
    textWithinChars(request.customerKey, 'customerKey', 300);
    const card = request.card;
    if (!card) throw new InvalidInputError('card', 'is required: NicePay registers cards server-side (nicepay.md §3.7)');
    if (typeof card.number !== 'string' || !/^[0-9]{13,16}$/.test(card.number)) {
      throw new InvalidInputError('card.number', 'must be 13-16 digits (nicepay.md §3.7 cardNo)');
    }
    if (typeof card.expiryYear !== 'string' || !/^[0-9]{2}$/.test(card.expiryYear)) {
      throw new InvalidInputError('card.expiryYear', 'must be 2 digits (YY)');
    }
    if (typeof card.expiryMonth !== 'string' || !/^(0[1-9]|1[0-2])$/.test(card.expiryMonth)) {
      throw new InvalidInputError('card.expiryMonth', 'must be 2 digits (MM)');
    }
    if (card.identityNumber !== undefined && (typeof card.identityNumber !== 'string' || !/^([0-9]{6}|[0-9]{10})$/.test(card.identityNumber))) {
      throw new InvalidInputError('card.identityNumber', 'must be a YYMMDD birth date or a 10-digit business number');
    }
    if (card.passwordFirst2 !== undefined && (typeof card.passwordFirst2 !== 'string' || !/^[0-9]{2}$/.test(card.passwordFirst2))) {
      throw new InvalidInputError('card.passwordFirst2', 'must be 2 digits');
    }
    const orderId = nicePayRequestOrderId('billing', request.idempotencyKey);
    const encData = nicePayEncrypt(
      nicePayBillingPlaintext({
        cardNo: card.number,
        expYear: card.expiryYear,
        expMonth: card.expiryMonth,
        idNo: card.identityNumber,
        cardPw: card.passwordFirst2,
      }),
      this.options.secretKey,
      this.options.encMode,
    );
    const body: NicePayBillingRegistBody = { encData, orderId, ...buyerFields(request.customer) };
    if (this.options.encMode === 'A2') body.encMode = 'A2';
    const result = await this.client.registerBillingKey(body);
    const bid = result.body.bid;
    if (typeof bid !== 'string' || bid.length === 0) throw malformed('issueBillingKey', 'bid');
    return {
      billingKey: bid,
      customerKey: request.customerKey,
      method: 'CARD',
      card: result.body.cardCode ? { issuerCode: result.body.cardCode } : null,
      authenticatedAt: parseNicePayDate(result.body.authDate),
      raw: result.scrubbed,
    };
  }

  /**
   * POST /v1/subscribe/{bid}/payments (nicepay.md §3.8): lump sum (`cardQuota` "0"), `useShopInterest` false (the
   * only supported value). A retried charge whose first attempt went through answers "orderId used" (U112/P015/A127):
   * it is read back by orderId and accepted when it is the charge we asked for.
   */
  async chargeBillingKey(request: BillingChargeRequest): Promise<GatewayPaymentTruth> {
    assertOrderId(request.orderId, 'orderId');
    assertKrwAmount(request.amount, 'amount');
    if (request.amount < MIN_CARD_AMOUNT) {
      throw new InvalidInputError('amount', `a card charge needs at least ${MIN_CARD_AMOUNT} KRW (3041, nicepay.md §8.20)`);
    }
    assertNonNegativeKrw(request.taxFreeAmount, 'taxFreeAmount');
    if (request.taxFreeAmount > request.amount) throw new InvalidInputError('taxFreeAmount', 'must not exceed amount');
    if (typeof request.billingKey !== 'string' || !/^[A-Za-z0-9]{1,40}$/.test(request.billingKey)) {
      throw new InvalidInputError('billingKey', 'must be a NicePay bid');
    }
    const body: NicePayBillingChargeBody = {
      orderId: request.orderId,
      amount: request.amount,
      goodsName: goodsNameOf(request.orderName, 'orderName'),
      cardQuota: '0',
      useShopInterest: false,
      ...buyerFields(request.customer),
    };
    if (request.taxFreeAmount > 0) body.taxFreeAmt = request.taxFreeAmount;
    try {
      const truth = this.verifiedTruth(await this.client.chargeBillingKey(request.billingKey, body), 'chargeBillingKey');
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

  /** POST /v1/subscribe/{bid}/expire (nicepay.md §3.9); "already deleted" (U115/A126) is what we wanted. */
  async deleteBillingKey(billingKey: string, _customerKey: string): Promise<void> {
    if (typeof billingKey !== 'string' || !/^[A-Za-z0-9]{1,40}$/.test(billingKey)) {
      throw new InvalidInputError('billingKey', 'must be a NicePay bid');
    }
    // The port gives no id for a deletion; a fresh orderId is what NicePay requires (unique per request, §3.9).
    const outcome = await this.client.expireBillingKey(billingKey, { orderId: nicePayRequestOrderId('bid-expire', randomUUID()) });
    const code = isRecord(outcome.body) ? outcome.body['resultCode'] : undefined;
    if (code === '0000') return;
    if (typeof code === 'string' && NICEPAY_BILLING_KEY_GONE_CODES.has(code)) return;
    if ((typeof code !== 'string' || code === '') && outcome.httpStatus >= 200 && outcome.httpStatus < 300) throw malformed('deleteBillingKey', 'resultCode');
    throw nicePayErrorFromResult(outcome.httpStatus, outcome.body, { operation: 'deleteBillingKey', resource: 'billing_key', reference: 'expire' });
  }

  // ------------------------------------------------------------------------------------------------------------
  // Cash receipts (nicepay.md §3.10)
  // ------------------------------------------------------------------------------------------------------------

  /**
   * POST /v1/receipt. Supply/VAT/tax-free/service parts must sum to the amount (P013/1615): VAT is the half-up
   * tenth of the taxable part. Success only means "accepted"; NTS issues it the next day (status IN_PROGRESS).
   * A receipt for a NicePay payment cannot reuse the payment's orderId (NicePay orderIds are unique), so it gets one
   * derived from our receipt id; a stand-alone receipt uses the merchant's orderId.
   */
  async issueCashReceipt(request: CashReceiptIssueRequest): Promise<CashReceiptTruth> {
    assertOrderId(request.orderId, 'orderId');
    assertKrwAmount(request.amount, 'amount');
    assertNonNegativeKrw(request.taxFreeAmount, 'taxFreeAmount');
    if (request.taxFreeAmount > request.amount) throw new InvalidInputError('taxFreeAmount', 'must not exceed amount');
    const receiptType = request.type === 'INCOME_DEDUCTION' ? 'individual' : request.type === 'EXPENSE_PROOF' ? 'company' : undefined;
    if (!receiptType) throw new InvalidInputError('type', 'must be INCOME_DEDUCTION or EXPENSE_PROOF');
    const receiptNo = typeof request.identityNumber === 'string' ? request.identityNumber.replace(/-/g, '') : '';
    const receiptNoPattern = receiptType === 'individual' ? /^[0-9]{10,11}$/ : /^[0-9]{10}$/;
    if (!receiptNoPattern.test(receiptNo)) {
      throw new InvalidInputError(
        'identityNumber',
        receiptType === 'individual' ? 'must be a 10-11 digit phone number (nicepay.md §3.10)' : 'must be a 10-digit business number (nicepay.md §3.10)',
      );
    }
    const goodsVat = vatOf(request.amount, request.taxFreeAmount);
    const orderId = request.paymentKey ? nicePayRequestOrderId('receipt', request.receiptId) : request.orderId;
    const result = await this.client.issueCashReceipt({
      orderId,
      amount: request.amount,
      goodsName: goodsNameOf(request.orderName, 'orderName'),
      receiptType,
      receiptNo,
      supplyAmt: request.amount - request.taxFreeAmount - goodsVat,
      goodsVat,
      taxFreeAmt: request.taxFreeAmount,
      serviceAmt: 0,
    });
    const truth = this.receiptTruth(result, 'issueCashReceipt', { amount: request.amount, type: request.type, defaultStatus: 'IN_PROGRESS' });
    // The signature covers tid + orderId, not our request: the answer must be about the receipt we asked for (the
    // core checks the amount; the orderId may be one derived here).
    if (truth.orderId !== orderId) throw new OrderMismatchError(orderId, truth.orderId, { gateway: 'nicepay' });
    return truth;
  }

  /** POST /v1/receipt/{tid}/cancel (not offered by the real sandbox, nicepay.md §3.10); full unless an amount is given. */
  async cancelCashReceipt(request: CashReceiptCancelRequest): Promise<CashReceiptTruth> {
    assertTid(request.receiptKey, 'receiptKey');
    const body = {
      orderId: nicePayRequestOrderId('receipt-cancel', request.idempotencyKey),
      reason: textWithinBytes(request.reason ?? 'canceled by merchant', 'reason', 100),
      ...(request.amount !== undefined ? { cancelAmt: assertKrwAmount(request.amount, 'amount') } : {}),
    };
    const result = await this.client.cancelCashReceipt(request.receiptKey, body);
    return this.receiptTruth(result, 'cancelCashReceipt', { amount: request.amount, defaultStatus: 'CANCELED' });
  }

  /** GET /v1/receipt/{tid} with the request day as orderDate (nicepay.md §3.10 [P]). */
  async getCashReceipt(receiptKey: string, requestDate: Date): Promise<CashReceiptTruth> {
    assertTid(receiptKey, 'receiptKey');
    const result = await this.client.getCashReceipt(receiptKey, nicePayKstDate(requestDate));
    return this.receiptTruth(result, 'getCashReceipt', { defaultStatus: 'IN_PROGRESS' });
  }

  // ------------------------------------------------------------------------------------------------------------
  // Transactions and webhooks
  // ------------------------------------------------------------------------------------------------------------

  /**
   * NicePay's reconciliation API (/v1/transactions) is beta: "개발 중" in the Korean manual, documented only as Beta in
   * the English one with fields that may change (nicepay.md §3.14, §8.16). Reconcile by per-tid inquiry instead.
   */
  // eslint-disable-next-line require-yield
  async *listTransactions(_request: TransactionListRequest): AsyncIterable<GatewayTransaction> {
    throw new UnsupportedOperationError('nicepay', 'listTransactions (the reconciliation API is beta, nicepay.md §3.14)');
  }

  async parseWebhook(request: RawWebhookRequest): Promise<ParsedWebhook> {
    return parseNicePayWebhook(request, {
      secretKey: this.options.secretKey,
      toTruth: (payment, scrubbed) => this.toTruth(payment, scrubbed, 'webhook'),
      logger: this.logger,
    });
  }

  webhookReply(outcome: 'accepted' | 'rejected'): WebhookReply {
    return nicePayWebhookReply(outcome);
  }

  async close(): Promise<void> {
    await this.closeTransport?.();
  }

  // ------------------------------------------------------------------------------------------------------------
  // Mapping
  // ------------------------------------------------------------------------------------------------------------

  /**
   * A 0000 payment object whose `signature` = sha256(tid + amount + ediDate + SK) verifies (nicepay.md §4.1), mapped.
   * A missing or wrong signature on a success is a SignatureMismatchError: [E26] every 0000 answer carries one.
   */
  private verifiedTruth(result: NicePayResult<NicePayPayment>, operation: string): GatewayPaymentTruth {
    const payment = result.body;
    if (!isRecord(payment) || typeof payment.tid !== 'string' || typeof payment.ediDate !== 'string') {
      throw malformed(operation, 'tid/ediDate');
    }
    if (typeof payment.amount !== 'number' || !Number.isSafeInteger(payment.amount)) throw malformed(operation, 'amount');
    const expected = nicePayPaymentSignature(payment.tid, payment.amount, payment.ediDate, this.options.secretKey);
    if (!nicePaySignatureMatches(payment.signature, expected)) {
      throw new SignatureMismatchError('nicepay', `${operation} response`);
    }
    return this.toTruth(payment, result.scrubbed, operation);
  }

  /** Payment object -> canonical truth (nicepay.md §3.2). Unknown fields are ignored. */
  toTruth(payment: NicePayPayment, scrubbed: unknown, operation: string): GatewayPaymentTruth {
    if (!isRecord(payment)) throw malformed(operation, 'not a payment object');
    if (typeof payment.tid !== 'string' || payment.tid.length === 0) throw malformed(operation, 'tid');
    if (typeof payment.orderId !== 'string' || payment.orderId.length === 0) throw malformed(operation, 'orderId');
    const totalAmount = requireAmount(payment.amount, operation, 'amount');
    const balanceAmount = requireAmount(payment.balanceAmt, operation, 'balanceAmt');
    const cancels = (Array.isArray(payment.cancels) ? payment.cancels : []).map((element) => mapCancel(element, operation));
    const status = this.mapStatus(payment, balanceAmount, cancels.length);
    const settled = payment.status === 'paid' || payment.status === 'partialCancelled' || payment.status === 'cancelled';
    return {
      gateway: 'nicepay',
      paymentKey: payment.tid,
      orderId: payment.orderId,
      status,
      totalAmount,
      balanceAmount,
      method: canonicalNicePayMethod(payment.payMethod),
      // [E26]: an unpaid vbank already has paidAt (its issue time); only a settled payment has an approval time.
      approvedAt: settled ? parseNicePayDate(payment.paidAt) : null,
      currency: typeof payment.currency === 'string' ? payment.currency : undefined,
      card: mapCard(payment.card, payment.approveNo),
      virtualAccount: mapVbank(payment.vbank),
      cancels,
      failure: payment.status === 'failed' ? { code: 'NICEPAY_FAILED', message: String(payment.resultMsg ?? 'failed').slice(0, 200) } : null,
      lastTransactionKey: typeof payment.cancelledTid === 'string' && payment.cancelledTid ? payment.cancelledTid : null,
      receiptUrl: typeof payment.receiptUrl === 'string' ? payment.receiptUrl : null,
      raw: scrubbed,
    };
  }

  /**
   * `status` -> canonical (nicepay.md §7.1). `ready` is an issued, unpaid virtual account; on any other method it
   * means authenticated but not approved (READY). A payment cancelled down to 0 is CANCELED whatever it is called.
   */
  private mapStatus(payment: NicePayPayment, balanceAmount: number, cancelCount: number): GatewayPaymentStatus {
    if (cancelCount > 0 && balanceAmount === 0) return 'CANCELED';
    switch (payment.status) {
      case 'paid':
        return 'PAID';
      case 'ready':
        return payment.payMethod === 'vbank' || isRecord(payment.vbank) ? 'WAITING_FOR_DEPOSIT' : 'READY';
      case 'failed':
        return 'FAILED';
      case 'cancelled':
        return 'CANCELED';
      case 'partialCancelled':
        return 'PARTIALLY_CANCELED';
      case 'expired':
        return 'EXPIRED';
      default:
        // A status NicePay adds later: still in progress, never settled on a guess; sync will see the real state.
        this.logger?.warn?.(`nicepay: unknown payment status "${String(payment.status).slice(0, 30)}", treated as IN_PROGRESS`, 'NicePayGateway');
        return 'IN_PROGRESS';
    }
  }

  /** Cash-receipt answer: signature = sha256(tid + orderId + ediDate + SK) (nicepay.md §3.10) verified, then mapped. */
  private receiptTruth(
    result: NicePayResult<NicePayCashReceipt>,
    operation: string,
    context: { amount?: number; type?: CashReceiptTruth['type']; defaultStatus: CashReceiptTruth['status'] },
  ): CashReceiptTruth {
    const receipt = result.body;
    if (!isRecord(receipt) || typeof receipt.tid !== 'string' || typeof receipt.orderId !== 'string' || typeof receipt.ediDate !== 'string') {
      throw malformed(operation, 'tid/orderId/ediDate');
    }
    const expected = nicePayReceiptSignature(receipt.tid, receipt.orderId, receipt.ediDate, this.options.secretKey);
    if (!nicePaySignatureMatches(receipt.signature, expected)) throw new SignatureMismatchError('nicepay', `${operation} response`);
    const amount = optionalAmount(receipt.amount) ?? optionalAmount(receipt.cancelAmt) ?? context.amount;
    if (amount === undefined) throw malformed(operation, 'amount');
    return {
      receiptKey: receipt.tid,
      orderId: receipt.orderId,
      amount,
      type: receipt.receiptType === 'individual' ? 'INCOME_DEDUCTION' : receipt.receiptType === 'company' ? 'EXPENSE_PROOF' : context.type,
      issueNumber: typeof receipt.approveNo === 'string' && receipt.approveNo ? receipt.approveNo : null,
      status: receiptStatusOf(receipt.status, context.defaultStatus),
      receiptUrl: typeof receipt.receiptUrl === 'string' ? receipt.receiptUrl : null,
      failure: receipt.status === 'issueFailed' ? { code: 'issueFailed', message: String(receipt.resultMsg ?? '').slice(0, 200) } : null,
      raw: result.scrubbed,
    };
  }
}

// --------------------------------------------------------------------------------------------------------------
// Pure helpers
// --------------------------------------------------------------------------------------------------------------

/** The truth for "NicePay has no approval for this order": READY, which leaves an UNKNOWN row as it is. */
function notApprovedTruth(request: UnknownApprovalRequest, error: PaymentsError): GatewayPaymentTruth {
  return {
    gateway: 'nicepay',
    paymentKey: request.paymentKey ?? '',
    orderId: request.prepared.orderId,
    status: 'READY',
    totalAmount: request.prepared.amount,
    balanceAmount: request.prepared.amount,
    method: null,
    cancels: [],
    failure: null,
    raw: { resultCode: error.gatewayCode ?? null, note: 'NicePay has no approval for this order' },
  };
}

function receiptStatusOf(status: unknown, fallback: CashReceiptTruth['status']): CashReceiptTruth['status'] {
  switch (status) {
    case 'issueRequested':
      return 'IN_PROGRESS';
    case 'issued':
    case 'cancelReqCancelled':
    case 'cancelFailed':
      // A cancel that was withdrawn or failed leaves the receipt issued.
      return 'ISSUED';
    case 'issueFailed':
      return 'FAILED';
    case 'issueReqCancelled':
    case 'cancelRequested':
    case 'cancelled':
      return 'CANCELED';
    default:
      return fallback;
  }
}

function mapCancel(element: NicePayCancelElement, operation: string): GatewayCancelTruth {
  if (!isRecord(element) || typeof element.tid !== 'string') throw malformed(operation, 'cancels[].tid');
  return {
    transactionKey: element.tid,
    amount: requireAmount(element.amount, operation, 'cancels[].amount'),
    // The cancel element carries no tax-free part (nicepay.md §3.2).
    taxFreeAmount: 0,
    canceledAt: parseNicePayDate(element.cancelledAt),
    reason: typeof element.reason === 'string' ? element.reason : null,
    status: 'DONE',
  };
}

function mapCard(card: NicePayCard | null | undefined, approveNo: unknown): CardInfo | null {
  if (!isRecord(card)) return null;
  const quota = typeof card.cardQuota === 'number' ? card.cardQuota : Number(card.cardQuota);
  return {
    issuerCode: typeof card.cardCode === 'string' ? card.cardCode : undefined,
    acquirerCode: typeof card.acquCardCode === 'string' ? card.acquCardCode : undefined,
    // NicePay masks the middle (`536112******1234`, nicepay.md §3.2); anything not masked is not kept.
    maskedNumber: typeof card.cardNum === 'string' && card.cardNum.includes('*') ? card.cardNum : undefined,
    approveNo: typeof approveNo === 'string' && approveNo ? approveNo : undefined,
    installmentMonths: Number.isSafeInteger(quota) ? quota : undefined,
    cardType: typeof card.cardType === 'string' ? card.cardType : undefined,
  };
}

function mapVbank(vbank: NicePayVbank | null | undefined): VirtualAccountInfo | null {
  if (!isRecord(vbank) || typeof vbank.vbankNumber !== 'string') return null;
  return {
    bankCode: String(vbank.vbankCode ?? ''),
    accountNumber: vbank.vbankNumber,
    customerName: typeof vbank.vbankHolder === 'string' ? vbank.vbankHolder : undefined,
    dueDate: parseNicePayDate(vbank.vbankExpDate),
  };
}

function buyerFields(customer: { name?: string; email?: string; phone?: string } | undefined): {
  buyerName?: string;
  buyerEmail?: string;
  buyerTel?: string;
} {
  const fields: { buyerName?: string; buyerEmail?: string; buyerTel?: string } = {};
  if (customer?.name !== undefined) fields.buyerName = textWithinBytes(customer.name, 'customer.name', 30);
  if (customer?.email !== undefined) fields.buyerEmail = textWithinBytes(customer.email, 'customer.email', 60);
  if (customer?.phone !== undefined) {
    const phone = String(customer.phone).replace(/-/g, '');
    if (!/^[0-9]{8,20}$/.test(phone)) throw new InvalidInputError('customer.phone', 'must be 8-20 digits');
    fields.buyerTel = phone;
  }
  return fields;
}

/**
 * A NicePay orderId for a request that is not a payment (cancel, billing registration, receipt): unique by
 * construction because it is derived from one of our own ids, and within NicePay's 64 characters.
 */
export function nicePayRequestOrderId(purpose: string, id: string): string {
  const cleanId = id.replace(/[^A-Za-z0-9_-]/g, '-');
  const orderId = `${purpose}-${cleanId}`;
  return orderId.length <= 64 ? orderId : orderId.slice(orderId.length - 64);
}

function nicePayMethodOf(method: string | undefined): string {
  // requestPay needs a method (nicepay.md §5.1); a card window is the common default.
  if (method === undefined) return 'card';
  const mapped = CANONICAL_TO_NICEPAY_METHOD[method] ?? (NICEPAY_METHODS.has(method) ? method : undefined);
  if (!mapped) {
    throw new InvalidInputError(
      'method',
      `must be one of ${Object.keys(CANONICAL_TO_NICEPAY_METHOD).join(', ')} or a NicePay method (${[...NICEPAY_METHODS].join(', ')})`,
    );
  }
  return mapped;
}

/**
 * goodsName: at most 40 bytes counted the way NicePay does, EUC-KR (2 bytes per non-ASCII character, nicepay.md
 * §8.19). NicePay replaces `"` and `¦`; control characters are refused here.
 */
function goodsNameOf(value: unknown, field: string): string {
  const text = textWithinBytes(value, field, 40);
  if (text.trim().length === 0) throw new InvalidInputError(field, 'must not be blank');
  return text;
}

/** Byte length as NicePay counts it (EUC-KR: ASCII 1 byte, anything else 2). */
export function nicePayByteLength(text: string): number {
  let bytes = 0;
  for (const char of text) bytes += char.codePointAt(0)! <= 0x7f ? 1 : 2;
  return bytes;
}

function textWithinBytes(value: unknown, field: string, maxBytes: number): string {
  if (typeof value !== 'string' || value.length === 0) throw new InvalidInputError(field, 'must be a non-empty string');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new InvalidInputError(field, 'must not contain control characters');
  if (nicePayByteLength(value) > maxBytes) {
    throw new InvalidInputError(field, `must be at most ${maxBytes} bytes (Korean characters count 2, nicepay.md §8.19)`);
  }
  return value;
}

function textWithinChars(value: unknown, field: string, maxChars: number): string {
  if (typeof value !== 'string' || value.length === 0 || [...value].length > maxChars) {
    throw new InvalidInputError(field, `must be a string of 1-${maxChars} characters`);
  }
  return value;
}

function oneOf(value: unknown, field: string, allowed: readonly string[]): string {
  if (typeof value !== 'string' || !allowed.includes(value)) throw new InvalidInputError(field, `must be one of ${allowed.join(', ')}`);
  return value;
}

function url(value: unknown, field: string, maxLength: number): string {
  // NicePay's limits are bytes (EUC-KR, nicepay.md §5.1, §8.19): a non-ASCII path character counts 2.
  if (typeof value !== 'string' || nicePayByteLength(value) > maxLength) {
    throw new InvalidInputError(field, `must be an http(s) URL of at most ${maxLength} bytes`);
  }
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new InvalidInputError(field, 'must be an absolute http(s) URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new InvalidInputError(field, 'must be an http(s) URL');
  return value;
}

function parseAmountText(value: unknown, field: string): number {
  if (typeof value !== 'string' || !AMOUNT_TEXT_PATTERN.test(value)) {
    throw new InvalidInputError(field, 'must be a positive integer amount in digits (no sign, decimals or leading zeros)');
  }
  return assertKrwAmount(Number(value), field);
}

function assertOrderId(orderId: unknown, field: string): void {
  assertMatches(orderId, field, ORDER_ID_PATTERN, 'must be 6-64 characters of A-Z a-z 0-9 _ -');
}

function assertTid(tid: unknown, field: string): asserts tid is string {
  assertMatches(tid, field, TID_PATTERN, 'must be a NicePay tid');
}

function requireAmount(value: unknown, operation: string, field: string): number {
  // KRW amounts are integers (nicepay.md §1.5); anything else cannot be booked exactly.
  if (!isKrwAmount(value)) throw malformed(operation, `${field} is not an integer KRW amount`);
  return value;
}

function optionalAmount(value: unknown): number | undefined {
  return isKrwAmount(value) ? value : undefined;
}

/**
 * Checks on a `0000` answer to a call that changes state (approve, billing charge, cancel, net-cancel, cash receipt
 * issue/cancel). NicePay said it did it, so when the answer fails our checks (signature, amount, orderId) the money
 * may well have moved: the outcome is unknown (GatewayUnavailableError, requestSent), never a definitive failure.
 * The core then marks the payment (or cancel) UNKNOWN and reads back or net-cancels (nicepay.md §3.4, §5.3 step 6-7,
 * DESIGN.md §3 rule 4); a SignatureMismatchError / AmountMismatchError here would make it FAILED and release a cancel
 * reservation although NicePay approved or refunded.
 */
/** A 0000 whose body we cannot read: the call may have taken effect, so the outcome is unknown (read back). */
function malformed(operation: string, what: string): GatewayUnavailableError {
  return malformedResponseError('nicepay', operation, what);
}

