import type { LoggerService } from '@nestjs/common';
import {
  AmountMismatchError,
  GatewayUnavailableError,
  InvalidInputError,
  NotFoundError,
  OrderMismatchError,
  PaymentsError,
  UnsupportedOperationError,
} from '../../domain/errors';
import { assertKrwAmount, assertNonNegativeKrw } from '../../domain/money';
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
  CashReceiptType,
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
  PaymentMethod,
  PaymentLookup,
  PreparedPayment,
  PrepareRequest,
  RawWebhookRequest,
  TransactionListRequest,
  VirtualAccountInfo,
  WebhookReply,
} from '../gateway.port';
import type { TossClient, TossResult } from './toss.client';
import { tossErrorFromResponse } from './toss.errors';
import type {
  TossBilling,
  TossCancel,
  TossCancelBody,
  TossCard,
  TossCashReceipt,
  TossPayment,
  TossTransaction,
  ResolvedTossOptions,
} from './toss.types';
import { parseTossWebhook, scrubTossPayload, tossWebhookReply } from './toss.webhook';

const ORDER_ID_PATTERN = /^[A-Za-z0-9_-]{6,64}$/; // toss.md §2
const MAX_PAYMENT_KEY_LENGTH = 200; // toss.md §2
const MAX_IDEMPOTENCY_KEY_LENGTH = 300; // toss.md §1.4
const MAX_TRANSACTIONS_PAGE = 5000; // toss.md §3.8
const CASH_RECEIPT_PAGE_LIMIT = 10_000; // toss.md §3.7 (max)
/** Upper bound on pages walked by one lookup, so a gateway that never stops paging cannot spin us forever. */
const MAX_PAGES = 10_000;
const KST_OFFSET_MS = 9 * 60 * 60 * 1000; // Asia/Seoul has no DST: always UTC+9

/**
 * Toss method literals → canonical `PaymentMethod` (toss.md §4.1: Korean by default, English names with
 * `Accept-Language: en-US`). The three gift-certificate kinds fold into GIFT_CERTIFICATE; `raw` keeps the original.
 */
const TOSS_METHODS: Readonly<Record<string, PaymentMethod>> = {
  카드: 'CARD',
  CARD: 'CARD',
  가상계좌: 'VIRTUAL_ACCOUNT',
  VIRTUAL_ACCOUNT: 'VIRTUAL_ACCOUNT',
  간편결제: 'EASY_PAY',
  EASY_PAY: 'EASY_PAY',
  휴대폰: 'MOBILE_PHONE',
  MOBILE_PHONE: 'MOBILE_PHONE',
  계좌이체: 'TRANSFER',
  TRANSFER: 'TRANSFER',
  문화상품권: 'GIFT_CERTIFICATE',
  도서문화상품권: 'GIFT_CERTIFICATE',
  게임문화상품권: 'GIFT_CERTIFICATE',
  CULTURE_GIFT_CERTIFICATE: 'GIFT_CERTIFICATE',
  BOOK_GIFT_CERTIFICATE: 'GIFT_CERTIFICATE',
  GAME_GIFT_CERTIFICATE: 'GIFT_CERTIFICATE',
};

export function canonicalTossMethod(method: string | null | undefined): PaymentMethod | null {
  if (method === null || method === undefined || method === '') return null;
  return TOSS_METHODS[method] ?? method;
}

/** Payment methods `requestPayment({ method })` accepts (Toss JS SDK v2). */
const SDK_METHODS = new Set([
  'CARD',
  'TRANSFER',
  'VIRTUAL_ACCOUNT',
  'MOBILE_PHONE',
  'CULTURE_GIFT_CERTIFICATE',
  'FOREIGN_EASY_PAY',
]);

const CASH_RECEIPT_TYPES: Record<CashReceiptType, '소득공제' | '지출증빙'> = {
  INCOME_DEDUCTION: '소득공제',
  EXPENSE_PROOF: '지출증빙',
};

export interface TossGatewayDependencies {
  client: TossClient;
  clock: GatewayClock;
  logger?: LoggerService;
}

/**
 * Toss Payments core API v1 behind the `PaymentGateway` port. This class turns canonical requests into wire bodies
 * and wire objects into canonical truths; the HTTP exchange itself lives in TossClient.
 */
export class TossGateway implements PaymentGateway {
  readonly name = 'toss' as const;
  readonly capabilities: GatewayCapabilities = {
    partialCancel: true,
    // Toss has no net-cancel: a lost confirm answer is resolved by reading the payment back (toss.md §5.2).
    netCancel: false,
    virtualAccount: true,
    billing: true,
    cashReceipts: true,
    transactions: true,
    webhooks: true,
  };

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
  }

  // ------------------------------------------------------------------------------------------------------------
  // Checkout
  // ------------------------------------------------------------------------------------------------------------

  /**
   * Default: what `tossPayments.payment({ customerKey }).requestPayment({...})` (JS SDK v2) needs; `amount` is the
   * SDK's `{ currency, value }` object. successUrl receives `paymentKey, orderId, amount` (toss.md §3.1); failUrl
   * defaults to the same URL, which tells failures apart by its `code`/`message` query.
   *
   * `method: 'VIRTUAL_ACCOUNT'` with `extra.issueServerSide === true` issues the account right here through
   * POST /v1/virtual-accounts (toss.md §3.5), no window involved. The result is `kind: 'server'`; `fields` carries
   * what the buyer needs (bank, account number, due date) and `truth`, the full GatewayPaymentTruth the core applies
   * (status WAITING_FOR_DEPOSIT, and `webhookSecret` for DEPOSIT_CALLBACK). The core strips `truth` before it hands
   * the checkout back, so the secret never reaches a browser.
   */
  async prepare(request: PrepareRequest): Promise<CheckoutParams> {
    assertOrderId(request.orderId);
    assertKrwAmount(request.amount, 'amount');
    assertNonNegativeKrw(request.taxFreeAmount, 'taxFreeAmount');
    if (request.taxFreeAmount > request.amount) {
      throw new InvalidInputError('taxFreeAmount', 'must not exceed amount');
    }
    assertText(request.orderName, 'orderName', 1, 100);
    if (request.customer?.name !== undefined) assertText(request.customer.name, 'customer.name', 1, 100);
    if (request.customer?.email !== undefined) assertText(request.customer.email, 'customer.email', 1, 100);
    if (request.customer?.customerKey !== undefined) assertCustomerKey(request.customer.customerKey, 'customer.customerKey');
    if (request.method !== undefined && !SDK_METHODS.has(request.method)) {
      throw new InvalidInputError('method', `must be one of ${[...SDK_METHODS].join(', ')}`);
    }

    if (request.method === 'VIRTUAL_ACCOUNT' && request.extra?.['issueServerSide'] === true) {
      return this.issueVirtualAccount(request);
    }

    if (!request.returnUrl) throw new InvalidInputError('returnUrl', 'is required (Toss successUrl)');
    return {
      gateway: 'toss',
      kind: 'sdk',
      fields: {
        clientKey: this.options.clientKey,
        orderId: request.orderId,
        orderName: request.orderName,
        amount: { currency: 'KRW', value: request.amount },
        customerKey: request.customer?.customerKey,
        customerName: request.customer?.name,
        customerEmail: request.customer?.email,
        taxFreeAmount: request.taxFreeAmount > 0 ? request.taxFreeAmount : undefined,
        method: request.method,
        successUrl: request.returnUrl,
        failUrl: request.failUrl ?? request.returnUrl,
      },
    };
  }

  private async issueVirtualAccount(request: PrepareRequest): Promise<CheckoutParams> {
    const extra = request.extra ?? {};
    const bank = extra['bank'];
    if (typeof bank !== 'string' || !/^[0-9A-Za-z]{2,3}$/.test(bank)) {
      throw new InvalidInputError('extra.bank', 'must be a Toss bank code such as "20" or "88"');
    }
    const validHours = extra['validHours'];
    if (validHours !== undefined && !(Number.isSafeInteger(validHours) && (validHours as number) >= 1 && (validHours as number) <= 2160)) {
      throw new InvalidInputError('extra.validHours', 'must be an integer between 1 and 2160 (toss.md §3.5)');
    }
    const customerName = extra['customerName'] ?? request.customer?.name;
    assertText(customerName, 'extra.customerName', 1, 100);

    const result = await this.client.issueVirtualAccount(
      {
        amount: request.amount,
        orderId: request.orderId,
        orderName: request.orderName,
        customerName: customerName as string,
        bank,
        validHours: validHours as number | undefined,
        customerEmail: request.customer?.email,
        taxFreeAmount: request.taxFreeAmount > 0 ? request.taxFreeAmount : undefined,
      },
      // No idempotency key is handed to prepare; one derived from our payment id makes a retried prepare safe.
      `va:${request.paymentId}`,
    );
    const truth = this.toTruth(result, 'issueVirtualAccount');
    assertAnswerIsFor('toss', truth, { orderId: request.orderId, amount: request.amount });
    return {
      gateway: 'toss',
      kind: 'server',
      paymentKey: truth.paymentKey,
      fields: {
        paymentKey: truth.paymentKey,
        orderId: truth.orderId,
        orderName: request.orderName,
        amount: truth.totalAmount,
        bankCode: truth.virtualAccount?.bankCode,
        accountNumber: truth.virtualAccount?.accountNumber,
        customerName: truth.virtualAccount?.customerName ?? null,
        dueDate: truth.virtualAccount?.dueDate ? truth.virtualAccount.dueDate.toISOString() : null,
      },
      truth,
    };
  }

  verifyConfirmInput(prepared: PreparedPayment, input: ConfirmInput): void {
    const paymentKey = input.paymentKey;
    if (typeof paymentKey !== 'string' || paymentKey.length === 0) {
      throw new InvalidInputError('paymentKey', 'is required (from the successUrl query)');
    }
    if (paymentKey.length > MAX_PAYMENT_KEY_LENGTH) {
      throw new InvalidInputError('paymentKey', `must be at most ${MAX_PAYMENT_KEY_LENGTH} characters`);
    }
    // toss.md §3.1: the amount must equal what we stored before opening the window; never trust the browser.
    if (input.orderId !== prepared.orderId) throw new OrderMismatchError(prepared.orderId, input.orderId);
    if (input.amount !== prepared.amount) throw new AmountMismatchError(prepared.amount, input.amount);
  }

  // ------------------------------------------------------------------------------------------------------------
  // Payments
  // ------------------------------------------------------------------------------------------------------------

  /** The core ran `verifyConfirmInput` before moving the row to IN_PROGRESS (gateway.port.ts). */
  async approve(request: ApproveRequest): Promise<GatewayPaymentTruth> {
    assertIdempotencyKey(request.idempotencyKey);
    const paymentKey = request.input.paymentKey as string;
    try {
      const result = await this.client.confirmPayment(
        { paymentKey, orderId: request.prepared.orderId, amount: request.prepared.amount },
        request.idempotencyKey,
      );
      const truth = this.toTruth(result, 'confirm');
      // An Idempotency-Key replay answers with the first request's body even for another payment (toss.md §1.4):
      // never accept a truth that is not about the payment we confirmed.
      assertAnswerIsFor('toss', truth, { orderId: request.prepared.orderId, amount: request.prepared.amount, paymentKey });
      return truth;
    } catch (error) {
      if (error instanceof PaymentsError && error.gatewayCode === 'ALREADY_PROCESSED_PAYMENT') {
        // toss.md §5.2: an earlier confirm went through; read it back and accept it if it is the payment we expect.
        const truth = this.toTruth(await this.client.getPaymentByKey(paymentKey), 'getPayment');
        if (isSettledApprovalOf(truth, { orderId: request.prepared.orderId, amount: request.prepared.amount, paymentKey })) return truth;
      }
      throw error;
    }
  }

  async getPayment(lookup: PaymentLookup): Promise<GatewayPaymentTruth> {
    // toss.md §3.2: by paymentKey when we have it, else by orderId (path `/orders/`).
    const result = lookup.paymentKey
      ? await this.client.getPaymentByKey(lookup.paymentKey)
      : await this.client.getPaymentByOrderId(lookup.orderId);
    return this.toTruth(result, 'getPayment');
  }

  async cancel(request: CancelRequest): Promise<CancelResult> {
    assertText(request.reason, 'reason', 1, 200);
    assertIdempotencyKey(request.idempotencyKey);
    assertNonNegativeKrw(request.balanceBefore, 'balanceBefore');
    const body: TossCancelBody = { cancelReason: request.reason };
    // toss.md §3.3: omitting cancelAmount cancels the whole remaining balance.
    if (!request.isFull) body.cancelAmount = assertKrwAmount(request.amount, 'amount');
    if (request.taxFreeAmount !== undefined) body.taxFreeAmount = assertNonNegativeKrw(request.taxFreeAmount, 'taxFreeAmount');
    // Optimistic lock (toss.md §3.3): Toss refuses with NOT_MATCHES_REFUNDABLE_AMOUNT if the balance moved meanwhile.
    body.refundableAmount = request.balanceBefore;
    if (request.refundAccount) {
      body.refundReceiveAccount = {
        bank: request.refundAccount.bankCode,
        accountNumber: request.refundAccount.accountNumber,
        holderName: request.refundAccount.holderName,
      };
    }

    const result = await this.client.cancelPayment(request.paymentKey, body, request.idempotencyKey);
    const payment = this.toTruth(result, 'cancel');
    const cancel = pickCreatedCancel(payment);
    if (!cancel) {
      // A 200 without the cancel it should contain: the cancel may or may not exist; the core must read back.
      throw new GatewayUnavailableError('toss', 'cancel: response carries no cancel transaction', true);
    }
    return { payment, cancel };
  }

  async netCancel(_request: NetCancelRequest): Promise<GatewayPaymentTruth> {
    throw new UnsupportedOperationError('toss', 'netCancel');
  }

  // ------------------------------------------------------------------------------------------------------------
  // Billing (toss.md §3.6, §7)
  // ------------------------------------------------------------------------------------------------------------

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
      const card = request.card;
      if (!/^[0-9]{1,20}$/.test(card.number)) throw new InvalidInputError('card.number', 'must be up to 20 digits');
      if (!/^[0-9]{2}$/.test(card.expiryYear)) throw new InvalidInputError('card.expiryYear', 'must be 2 digits (YY)');
      if (!/^(0[1-9]|1[0-2])$/.test(card.expiryMonth)) throw new InvalidInputError('card.expiryMonth', 'must be 2 digits (MM)');
      if (!card.identityNumber || !/^([0-9]{6}|[0-9]{10})$/.test(card.identityNumber)) {
        throw new InvalidInputError('card.identityNumber', 'is required: YYMMDD or a 10-digit business number (toss.md §3.6b)');
      }
      if (card.passwordFirst2 !== undefined && !/^[0-9]{2}$/.test(card.passwordFirst2)) {
        throw new InvalidInputError('card.passwordFirst2', 'must be 2 digits');
      }
      result = await this.client.issueBillingKeyFromCard(
        {
          customerKey: request.customerKey,
          cardNumber: card.number,
          cardExpirationYear: card.expiryYear,
          cardExpirationMonth: card.expiryMonth,
          customerIdentityNumber: card.identityNumber,
          cardPassword: card.passwordFirst2,
          customerName: request.customer?.name,
          customerEmail: request.customer?.email,
        },
        request.idempotencyKey,
      );
    } else {
      throw new InvalidInputError('authKey', 'either authKey (billing auth window) or card is required');
    }

    const billing = result.body;
    if (!isRecord(billing) || typeof billing.billingKey !== 'string' || billing.billingKey.length === 0) {
      throw malformed('issueBillingKey', 'billingKey');
    }
    return {
      billingKey: billing.billingKey,
      customerKey: typeof billing.customerKey === 'string' ? billing.customerKey : request.customerKey,
      method: canonicalTossMethod(billing.method) ?? undefined,
      card: mapCard(billing.card),
      authenticatedAt: parseTossDate(billing.authenticatedAt),
      raw: result.scrubbed,
    };
  }

  async chargeBillingKey(request: BillingChargeRequest): Promise<GatewayPaymentTruth> {
    assertOrderId(request.orderId);
    assertKrwAmount(request.amount, 'amount');
    assertNonNegativeKrw(request.taxFreeAmount, 'taxFreeAmount');
    assertText(request.orderName, 'orderName', 1, 100);
    assertCustomerKey(request.customerKey, 'customerKey');
    assertIdempotencyKey(request.idempotencyKey);
    try {
      const result = await this.client.chargeBillingKey(
        request.billingKey,
        {
          customerKey: request.customerKey,
          amount: request.amount,
          orderId: request.orderId,
          orderName: request.orderName,
          taxFreeAmount: request.taxFreeAmount > 0 ? request.taxFreeAmount : undefined,
          customerName: request.customer?.name,
          customerEmail: request.customer?.email,
        },
        request.idempotencyKey,
      );
      const truth = this.toTruth(result, 'chargeBillingKey');
      assertAnswerIsFor('toss', truth, { orderId: request.orderId, amount: request.amount });
      return truth;
    } catch (error) {
      // toss.md §7: a retried cycle whose first attempt went through answers DUPLICATED_ORDER_ID /
      // ALREADY_PROCESSED_PAYMENT; the charge is read back by orderId and accepted when it is the one we asked for.
      if (
        error instanceof PaymentsError &&
        (error.gatewayCode === 'DUPLICATED_ORDER_ID' || error.gatewayCode === 'ALREADY_PROCESSED_PAYMENT')
      ) {
        const truth = this.toTruth(await this.client.getPaymentByOrderId(request.orderId), 'getPaymentByOrderId');
        if (isSettledApprovalOf(truth, { orderId: request.orderId, amount: request.amount })) return truth;
      }
      throw error;
    }
  }

  async deleteBillingKey(billingKey: string, _customerKey: string): Promise<void> {
    const outcome = await this.client.deleteBillingKey(billingKey);
    if (outcome.status >= 200 && outcome.status < 300) return;
    const code = isRecord(outcome.body) && typeof outcome.body['code'] === 'string' ? outcome.body['code'] : undefined;
    // toss.md §3.6d: a key Toss no longer knows is what we wanted; treat it as already gone.
    if (outcome.status === 404 || code === 'NOT_FOUND_BILLING' || code === 'ALREADY_REMOVED_BILLING_KEY') return;
    throw tossErrorFromResponse(outcome.status, outcome.body, { operation: 'deleteBillingKey', resource: 'billing_key', reference: 'delete' });
  }

  // ------------------------------------------------------------------------------------------------------------
  // Cash receipts (toss.md §3.7)
  // ------------------------------------------------------------------------------------------------------------

  async issueCashReceipt(request: CashReceiptIssueRequest): Promise<CashReceiptTruth> {
    assertOrderId(request.orderId);
    assertKrwAmount(request.amount, 'amount');
    assertNonNegativeKrw(request.taxFreeAmount, 'taxFreeAmount');
    assertText(request.orderName, 'orderName', 1, 100);
    assertText(request.identityNumber, 'identityNumber', 1, 30);
    assertIdempotencyKey(request.idempotencyKey);
    const type = CASH_RECEIPT_TYPES[request.type];
    if (!type) throw new InvalidInputError('type', 'must be INCOME_DEDUCTION or EXPENSE_PROOF');
    const result = await this.client.issueCashReceipt(
      {
        amount: request.amount,
        orderId: request.orderId,
        orderName: request.orderName,
        type,
        customerIdentityNumber: request.identityNumber,
        taxFreeAmount: request.taxFreeAmount > 0 ? request.taxFreeAmount : undefined,
      },
      request.idempotencyKey,
    );
    return mapCashReceipt(result.body, result.scrubbed, 'issueCashReceipt');
  }

  async cancelCashReceipt(request: CashReceiptCancelRequest): Promise<CashReceiptTruth> {
    assertText(request.receiptKey, 'receiptKey', 1, 200);
    assertIdempotencyKey(request.idempotencyKey);
    const body = request.amount === undefined ? {} : { amount: assertKrwAmount(request.amount, 'amount') };
    const result = await this.client.cancelCashReceipt(request.receiptKey, body, request.idempotencyKey);
    return mapCashReceipt(result.body, result.scrubbed, 'cancelCashReceipt');
  }

  /** Toss has no get-by-key for receipts: walk the day's list (KST date) by cursor until the key shows up. */
  async getCashReceipt(receiptKey: string, requestDate: Date): Promise<CashReceiptTruth> {
    const day = formatKstDate(requestDate);
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const result = await this.client.listCashReceipts({ requestDate: day, cursor, limit: CASH_RECEIPT_PAGE_LIMIT });
      const rows = result.body?.data;
      if (!Array.isArray(rows)) throw malformed('listCashReceipts', 'data');
      const index = rows.findIndex((row) => isRecord(row) && row.receiptKey === receiptKey);
      if (index >= 0) {
        const scrubbedRows = isRecord(result.scrubbed) ? result.scrubbed['data'] : undefined;
        const scrubbed = Array.isArray(scrubbedRows) ? scrubbedRows[index] : scrubTossPayload(rows[index]);
        return mapCashReceipt(rows[index], scrubbed, 'listCashReceipts');
      }
      const next = result.body.lastCursor;
      if (!result.body.hasNext || next === undefined || next === null || String(next) === cursor) break;
      cursor = String(next);
    }
    throw new NotFoundError('cash_receipt', `toss ${receiptKey} on ${day}`, { gateway: 'toss' });
  }

  // ------------------------------------------------------------------------------------------------------------
  // Transactions (toss.md §3.8, §8)
  // ------------------------------------------------------------------------------------------------------------

  /**
   * Every transaction in [from, to]. Toss filters on Asia/Seoul wall-clock `yyyy-MM-ddTHH:mm:ss`; pages are bare
   * arrays, so the next page is requested with `startingAfter=<last transactionKey>` while a page comes back full.
   */
  async *listTransactions(request: TransactionListRequest): AsyncIterable<GatewayTransaction> {
    const limit = request.limit ?? MAX_TRANSACTIONS_PAGE;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_TRANSACTIONS_PAGE) {
      throw new InvalidInputError('limit', `must be an integer between 1 and ${MAX_TRANSACTIONS_PAGE}`);
    }
    const startDate = formatKstDateTime(request.from);
    const endDate = formatKstDateTime(request.to);
    let startingAfter: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const result = await this.client.listTransactions({ startDate, endDate, startingAfter, limit });
      const rows = result.body;
      if (!Array.isArray(rows)) throw malformed('listTransactions', 'expected an array');
      const scrubbedRows = Array.isArray(result.scrubbed) ? result.scrubbed : [];
      for (let i = 0; i < rows.length; i++) {
        yield this.mapTransaction(rows[i], scrubbedRows[i] ?? scrubTossPayload(rows[i]));
      }
      if (rows.length < limit) return;
      const last = rows[rows.length - 1].transactionKey;
      if (last === startingAfter) throw malformed('listTransactions', 'paging cursor did not advance');
      startingAfter = last;
    }
    throw malformed('listTransactions', `more than ${MAX_PAGES} pages`);
  }

  /**
   * A transaction row carries the status of that transaction (toss.md §4.7, §3.8: each approval and each cancel is
   * its own row). Rows reporting CANCELED / PARTIAL_CANCELED, or a negative amount, are cancels; everything else is
   * an approval. Amounts are reported as positive numbers either way.
   */
  private mapTransaction(row: TossTransaction, scrubbed: unknown): GatewayTransaction {
    if (!isRecord(row) || typeof row.transactionKey !== 'string' || typeof row.paymentKey !== 'string') {
      throw malformed('listTransactions', 'transactionKey/paymentKey');
    }
    const amount = requireAmount(row.amount, 'listTransactions', 'amount', true);
    const isCancel = row.status === 'CANCELED' || row.status === 'PARTIAL_CANCELED' || amount < 0;
    const transactedAt = parseTossDate(row.transactionAt);
    if (!transactedAt) throw malformed('listTransactions', 'transactionAt');
    return {
      transactionKey: row.transactionKey,
      paymentKey: row.paymentKey,
      orderId: String(row.orderId ?? ''),
      kind: isCancel ? 'CANCEL' : 'APPROVAL',
      amount: Math.abs(amount),
      status: this.mapStatus(row.status, { balanceAmount: null, cancelCount: 0 }),
      method: canonicalTossMethod(row.method),
      transactedAt,
      raw: scrubbed,
    };
  }

  // ------------------------------------------------------------------------------------------------------------
  // Webhooks (toss.md §6)
  // ------------------------------------------------------------------------------------------------------------

  async parseWebhook(request: RawWebhookRequest): Promise<ParsedWebhook> {
    return parseTossWebhook(request, this.options.webhook, this.clock.now());
  }

  webhookReply(outcome: 'accepted' | 'rejected'): WebhookReply {
    return tossWebhookReply(outcome);
  }

  // ------------------------------------------------------------------------------------------------------------
  // Mapping
  // ------------------------------------------------------------------------------------------------------------

  /** Payment wire object -> canonical truth. Unknown fields are ignored (toss.md §1.6). */
  toTruth(result: TossResult<TossPayment>, operation: string): GatewayPaymentTruth {
    const payment = result.body;
    if (!isRecord(payment)) throw malformed(operation, 'not a Payment object');
    if (typeof payment.paymentKey !== 'string' || payment.paymentKey.length === 0) throw malformed(operation, 'paymentKey');
    if (typeof payment.orderId !== 'string' || payment.orderId.length === 0) throw malformed(operation, 'orderId');
    const totalAmount = requireAmount(payment.totalAmount, operation, 'totalAmount');
    const balanceAmount = requireAmount(payment.balanceAmount, operation, 'balanceAmount');
    const cancels = (Array.isArray(payment.cancels) ? payment.cancels : []).map((cancel) => mapCancel(cancel, operation));

    return {
      gateway: 'toss',
      paymentKey: payment.paymentKey,
      orderId: payment.orderId,
      status: this.mapStatus(payment.status, { balanceAmount, cancelCount: cancels.length }),
      totalAmount,
      balanceAmount,
      taxFreeAmount: optionalAmount(payment.taxFreeAmount),
      vat: optionalAmount(payment.vat),
      method: canonicalTossMethod(payment.method),
      approvedAt: parseTossDate(payment.approvedAt),
      currency: payment.currency,
      card: mapCard(payment.card),
      virtualAccount: mapVirtualAccount(payment.virtualAccount),
      webhookSecret: typeof payment.secret === 'string' && payment.secret.length > 0 ? payment.secret : null,
      cancels,
      failure:
        isRecord(payment.failure) && typeof payment.failure.code === 'string'
          ? { code: payment.failure.code, message: String(payment.failure.message ?? '') }
          : null,
      lastTransactionKey: payment.lastTransactionKey ?? null,
      receiptUrl: payment.receipt?.url ?? null,
      raw: result.scrubbed,
    };
  }

  /**
   * Toss Payment.status -> canonical (toss.md §4.5). A payment whose balance reached 0 through cancels is CANCELED
   * whatever Toss calls it: real data shows PARTIAL_CANCELED with balanceAmount 0 (toss.md §3.3).
   */
  private mapStatus(
    status: string,
    context: { balanceAmount: number | null; cancelCount: number },
  ): GatewayPaymentStatus {
    if (context.cancelCount > 0 && context.balanceAmount === 0) return 'CANCELED';
    switch (status) {
      case 'DONE':
        return 'PAID';
      case 'PARTIAL_CANCELED':
        return 'PARTIALLY_CANCELED';
      case 'CANCELED':
        return 'CANCELED';
      case 'WAITING_FOR_DEPOSIT':
        return 'WAITING_FOR_DEPOSIT';
      case 'ABORTED':
        return 'FAILED';
      case 'EXPIRED':
        return 'EXPIRED';
      case 'READY':
        return 'READY';
      case 'IN_PROGRESS':
        return 'IN_PROGRESS';
      default:
        // A status added after 2022-11-16 (toss.md §1.6): report it as still in progress, never as settled,
        // so nothing is paid out or failed on a guess; sync will see the real state later.
        this.logger?.warn?.(`toss: unknown payment status "${String(status)}", treated as IN_PROGRESS`, 'TossGateway');
        return 'IN_PROGRESS';
    }
  }

}

// --------------------------------------------------------------------------------------------------------------
// Pure helpers
// --------------------------------------------------------------------------------------------------------------

/**
 * The cancel a cancel request created: the one whose transactionKey is the payment's lastTransactionKey (toss.md
 * §3.3), else the newest by canceledAt (array order breaks ties: Toss appends).
 */
export function pickCreatedCancel(payment: GatewayPaymentTruth): GatewayCancelTruth | undefined {
  if (payment.cancels.length === 0) return undefined;
  const byKey = payment.cancels.find((cancel) => cancel.transactionKey === payment.lastTransactionKey);
  if (byKey) return byKey;
  let newest = payment.cancels[0];
  for (const cancel of payment.cancels) {
    if ((cancel.canceledAt?.getTime() ?? -Infinity) >= (newest.canceledAt?.getTime() ?? -Infinity)) newest = cancel;
  }
  return newest;
}

function mapCancel(cancel: TossCancel, operation: string): GatewayCancelTruth {
  if (!isRecord(cancel) || typeof cancel.transactionKey !== 'string') throw malformed(operation, 'cancels[].transactionKey');
  return {
    transactionKey: cancel.transactionKey,
    amount: requireAmount(cancel.cancelAmount, operation, 'cancels[].cancelAmount'),
    taxFreeAmount: optionalAmount(cancel.taxFreeAmount) ?? 0,
    canceledAt: parseTossDate(cancel.canceledAt),
    reason: cancel.cancelReason ?? null,
    status: cancelStatusOf(cancel.cancelStatus),
  };
}

/** Async cancels go IN_PROGRESS -> DONE / ABORTED (toss.md §4.2); absent means a synchronous, done cancel. */
function cancelStatusOf(status: TossCancel['cancelStatus']): GatewayCancelTruth['status'] {
  if (status === 'DONE' || status === null || status === undefined) return 'DONE';
  if (status === 'ABORTED') return 'FAILED';
  return 'IN_PROGRESS'; // IN_PROGRESS, or a value added later: not final yet
}

function mapCard(card: TossCard | null | undefined): CardInfo | null {
  if (!isRecord(card)) return null;
  return {
    issuerCode: card.issuerCode ?? undefined,
    acquirerCode: card.acquirerCode ?? undefined,
    // Toss returns the number already masked (toss.md §4.3); anything not masked is not kept.
    maskedNumber: typeof card.number === 'string' && card.number.includes('*') ? card.number : undefined,
    approveNo: card.approveNo ?? undefined,
    installmentMonths: typeof card.installmentPlanMonths === 'number' ? card.installmentPlanMonths : undefined,
    cardType: card.cardType ?? undefined,
  };
}

function mapVirtualAccount(account: TossPayment['virtualAccount']): VirtualAccountInfo | null {
  if (!isRecord(account) || typeof account.accountNumber !== 'string') return null;
  return {
    bankCode: String(account.bankCode ?? ''),
    accountNumber: account.accountNumber,
    customerName: account.customerName ?? undefined,
    dueDate: parseTossDate(account.dueDate),
    expired: account.expired ?? undefined,
  };
}

function mapCashReceipt(receipt: TossCashReceipt, scrubbed: unknown, operation: string): CashReceiptTruth {
  if (!isRecord(receipt) || typeof receipt.receiptKey !== 'string') throw malformed(operation, 'receiptKey');
  return {
    receiptKey: receipt.receiptKey,
    orderId: String(receipt.orderId ?? ''),
    amount: requireAmount(receipt.amount, operation, 'amount'),
    type: cashReceiptTypeOf(receipt.type),
    issueNumber: receipt.issueNumber ?? null,
    status: cashReceiptStatusOf(receipt),
    receiptUrl: receipt.receiptUrl ?? null,
    failure:
      isRecord(receipt.failure) && typeof receipt.failure.code === 'string'
        ? { code: receipt.failure.code, message: String(receipt.failure.message ?? '') }
        : null,
    raw: scrubbed,
  };
}

/** A CANCEL row (receiptKey `c_...`, toss.md §3.7) stands for the canceled receipt; CONFIRM rows follow issueStatus. */
function cashReceiptStatusOf(receipt: TossCashReceipt): CashReceiptTruth['status'] {
  if (receipt.transactionType === 'CANCEL') return 'CANCELED';
  switch (receipt.issueStatus) {
    case 'COMPLETED':
      return 'ISSUED';
    case 'FAILED':
      return 'FAILED';
    default:
      // IN_PROGRESS, or a value added later: the final status shows up 1-2 days later (toss.md §3.7).
      return 'IN_PROGRESS';
  }
}

function cashReceiptTypeOf(type: string | null | undefined): CashReceiptType | undefined {
  // Korean by default; Accept-Language: en-US may turn these into English words (toss.md §1.5).
  if (type === '소득공제' || type === 'INCOME_DEDUCTION' || /^income/i.test(type ?? '')) return 'INCOME_DEDUCTION';
  if (type === '지출증빙' || type === 'EXPENSE_PROOF' || /^expense/i.test(type ?? '')) return 'EXPENSE_PROOF';
  return undefined;
}

/**
 * Toss timestamps carry an offset (`2022-01-01T00:00:00+09:00`); a few documented ones do not (VA dueDate, §2), and
 * those are Asia/Seoul wall-clock.
 */
export function parseTossDate(value: string | null | undefined): Date | null {
  if (typeof value !== 'string' || value.length === 0) return null;
  const hasZone = /([zZ]|[+-]\d{2}:?\d{2})$/.test(value);
  const parsed = new Date(hasZone ? value : `${value}+09:00`);
  return Number.isNaN(parsed.getTime()) ? null : parsed;
}

/** `yyyy-MM-ddTHH:mm:ss` in Asia/Seoul (toss.md §3.8). */
export function formatKstDateTime(date: Date): string {
  return new Date(date.getTime() + KST_OFFSET_MS).toISOString().slice(0, 19);
}

/** `yyyy-MM-dd` in Asia/Seoul (toss.md §3.7 requestDate). */
export function formatKstDate(date: Date): string {
  return formatKstDateTime(date).slice(0, 10);
}

function requireAmount(value: unknown, operation: string, field: string, allowNegative = false): number {
  // KRW amounts are integers (toss.md §2); anything else cannot be booked exactly.
  if (!isKrwAmount(value, allowNegative)) throw malformed(operation, `${field} is not an integer KRW amount`);
  return value;
}

function optionalAmount(value: unknown): number | undefined {
  return isKrwAmount(value, true) ? value : undefined;
}

/** A 2xx whose body we cannot read: the call may have taken effect, so the outcome is unknown (read back). */
function malformed(operation: string, what: string): GatewayUnavailableError {
  return malformedResponseError('toss', operation, what);
}

function assertOrderId(orderId: unknown): void {
  assertMatches(orderId, 'orderId', ORDER_ID_PATTERN, 'must be 6-64 characters of A-Z a-z 0-9 _ - (toss.md §2)');
}

function assertCustomerKey(customerKey: unknown, field: string): void {
  // toss.md §2: 2-300 characters of A-Z a-z 0-9 - _ = . @
  assertMatches(customerKey, field, /^[A-Za-z0-9\-_=.@]{2,300}$/, 'must be 2-300 characters of A-Z a-z 0-9 - _ = . @');
}

function assertText(value: unknown, field: string, min: number, max: number): void {
  if (typeof value !== 'string' || value.length < min || value.length > max) {
    throw new InvalidInputError(field, `must be a string of ${min}-${max} characters`);
  }
}

function assertIdempotencyKey(key: unknown): void {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw new InvalidInputError('idempotencyKey', `must be 1-${MAX_IDEMPOTENCY_KEY_LENGTH} characters (toss.md §1.4)`);
  }
}
