import type { Clock } from '../clock';
import { tossError } from './toss-simulator.errors';
import {
  BANK_CODES,
  CUSTOMER_KEY_PATTERN,
  ORDER_ID_PATTERN,
  formatKst,
  isNonEmptyString,
  isNonNegativeInteger,
  isPositiveInteger,
  kstDate,
  maskCardNumber,
  newAuthKey,
  newBillingKey,
  newPaymentKey,
  newReceiptKey,
  newTransactionKey,
  newVirtualAccountSecret,
  parseKstLocal,
  randomDigits,
  vatOf,
} from './toss-simulator.format';

export type TossMethod = 'CARD' | 'VIRTUAL_ACCOUNT' | 'EASY_PAY' | 'TRANSFER';
export type TossPaymentStatus =
  | 'READY'
  | 'IN_PROGRESS'
  | 'WAITING_FOR_DEPOSIT'
  | 'DONE'
  | 'CANCELED'
  | 'PARTIAL_CANCELED'
  | 'ABORTED'
  | 'EXPIRED';

/** Korean method literals of the 2022-11-16 Payment object (toss.md §4.1). */
const METHOD_NAMES: Record<TossMethod, string> = {
  CARD: '카드',
  VIRTUAL_ACCOUNT: '가상계좌',
  EASY_PAY: '간편결제',
  TRANSFER: '계좌이체',
};

/** toss.md §2 "Limits": card ≥ 100 KRW, account-based methods ≥ 200 KRW. */
const MINIMUM_AMOUNT: Record<TossMethod, number> = { CARD: 100, EASY_PAY: 100, TRANSFER: 200, VIRTUAL_ACCOUNT: 200 };

/** toss.md §2 "Timing": after authentication the merchant must confirm within 10 minutes. */
export const CONFIRM_WINDOW_MS = 10 * 60 * 1000;
/** toss.md §3.5: validHours default 168 (7 days), max 2160 (90 days). */
const DEFAULT_VALID_HOURS = 168;
const MAX_VALID_HOURS = 2160;
const HOUR_MS = 60 * 60 * 1000;
/** Cash receipts show their final issue status 1–2 days later (toss.md §3.7); we settle them after one day. */
const CASH_RECEIPT_SETTLE_MS = 24 * HOUR_MS;
/** Payments whose orderId may not be reused by a new payment window or charge (toss.md §2 "orderId"). */
const ORDER_ID_TAKEN_STATUSES: ReadonlySet<TossPaymentStatus> = new Set([
  'WAITING_FOR_DEPOSIT',
  'DONE',
  'CANCELED',
  'PARTIAL_CANCELED',
]);

const DEFAULT_CARD_NUMBER = '4330123412341234';
/** 현대카드 (issuer 61, acquirer 31), as in the docs' billing example for card 43301234****123* (toss.md §9.4). */
const CARD_ISSUER = { issuerCode: '61', acquirerCode: '31', company: '현대' } as const;

type Json = Record<string, unknown>;

interface StoredCancel {
  cancelAmount: number;
  cancelReason: string;
  taxFreeAmount: number;
  refundableAmount: number;
  canceledAt: Date;
  transactionKey: string;
  receiptKey: string;
}

interface StoredVirtualAccount {
  accountNumber: string;
  bankCode: string;
  customerName: string;
  dueDate: Date;
  expired: boolean;
  refundStatus: 'NONE' | 'PENDING' | 'COMPLETED';
}

interface StoredPayment {
  paymentKey: string;
  orderId: string;
  orderName: string;
  type: 'NORMAL' | 'BILLING';
  method: TossMethod;
  status: TossPaymentStatus;
  requestedAt: Date;
  approvedAt: Date | null;
  /** When the buyer finished the payment window; confirm must follow within CONFIRM_WINDOW_MS. */
  authenticatedAt: Date | null;
  totalAmount: number;
  balanceAmount: number;
  /** Remaining tax-free part of the balance (decreases with cancels, toss.md §2 VAT). */
  taxFreeAmount: number;
  taxExemptionAmount: number;
  lastTransactionKey: string | null;
  cancels: StoredCancel[];
  secret: string | null;
  /** Only the masked number is ever kept. */
  maskedCardNumber: string | null;
  approveNo: string | null;
  cardCanceled: boolean;
  virtualAccount: StoredVirtualAccount | null;
  /** VA chosen in the window: the account is opened at confirm. */
  pendingVirtualAccount: { bankCode: string; customerName: string; validHours: number } | null;
  customerKey: string | null;
  failure: { code: string; message: string } | null;
}

interface StoredBillingAuth {
  customerKey: string;
  maskedCardNumber: string;
  used: boolean;
}

interface StoredBilling {
  billingKey: string;
  customerKey: string;
  maskedCardNumber: string;
  authenticatedAt: Date;
  deleted: boolean;
}

interface LedgerRow {
  seq: number;
  transactionKey: string;
  paymentKey: string;
  orderId: string;
  method: TossMethod;
  customerKey: string | null;
  status: TossPaymentStatus;
  transactionAt: Date;
  amount: number;
}

interface StoredCashReceipt {
  seq: number;
  receiptKey: string;
  issueNumber: string;
  amount: number;
  taxFreeAmount: number;
  orderId: string;
  orderName: string;
  type: '소득공제' | '지출증빙';
  transactionType: 'CONFIRM' | 'CANCEL';
  customerIdentityNumber: string;
  requestedAt: Date;
  /** Set on a CONFIRM receipt once it has been canceled. */
  canceled: boolean;
}

/** What the store tells the outside world (webhooks). Payloads are snapshots taken at the moment of change. */
export interface TossStoreEvents {
  paymentStatusChanged(payment: Json): void;
  depositCallback(body: { secret: string; status: string; transactionKey: string; orderId: string }): void;
  billingDeleted(billingKey: string): void;
}

export interface TossStoreOptions {
  clock: Clock;
  mid: string;
  clientKeys: readonly string[];
  partialCanceledAtZeroQuirk: boolean;
  events: TossStoreEvents;
}

export interface PaymentWindowInput {
  orderId: string;
  amount: number;
  orderName: string;
  method?: TossMethod;
  clientKey?: string;
  customerKey?: string;
  customerName?: string;
  taxFreeAmount?: number;
  cardNumber?: string;
  virtualAccountBank?: string;
  validHours?: number;
}

export type PaymentRef = { paymentKey?: string; orderId?: string };

/**
 * The simulated Toss merchant account: payments, billing keys, cash receipts and the transaction ledger, with the
 * rules of toss.md §3–§4. Every method either applies a whole change or throws a `TossApiError` having changed
 * nothing, so an error answer never leaves half a payment behind.
 */
export class TossSimulatorStore {
  private readonly payments = new Map<string, StoredPayment>();
  /** orderId → paymentKeys in creation order (a failed window may leave an EXPIRED one before the real one). */
  private readonly paymentsByOrderId = new Map<string, string[]>();
  private readonly billingAuths = new Map<string, StoredBillingAuth>();
  private readonly billings = new Map<string, StoredBilling>();
  private ledger: LedgerRow[] = [];
  private readonly ledgerByKey = new Map<string, LedgerRow>();
  private cashReceipts: StoredCashReceipt[] = [];
  private readonly cashReceiptsByKey = new Map<string, StoredCashReceipt>();
  private seq = 0;

  constructor(private readonly options: TossStoreOptions) {}

  reset(): void {
    this.payments.clear();
    this.paymentsByOrderId.clear();
    this.billingAuths.clear();
    this.billings.clear();
    this.ledger = [];
    this.ledgerByKey.clear();
    this.cashReceipts = [];
    this.cashReceiptsByKey.clear();
  }

  private now(): Date {
    return this.options.clock.now();
  }

  // ---------------------------------------------------------------------------------------------------------
  // Simulated browser windows
  // ---------------------------------------------------------------------------------------------------------

  authenticatePayment(input: PaymentWindowInput): { paymentKey: string; orderId: string; amount: number } {
    const method = input.method ?? 'CARD';
    if (!METHOD_NAMES[method]) throw new Error(`TossSimulator.authenticatePayment: unsupported method ${String(method)}`);
    this.assertClientKey(input.clientKey, 'authenticatePayment');
    if (!ORDER_ID_PATTERN.test(input.orderId)) {
      throw new Error('TossSimulator.authenticatePayment: orderId must be 6–64 chars of [A-Za-z0-9_-] (INVALID_ORDER_ID)');
    }
    if (!isPositiveInteger(input.amount)) throw new Error('TossSimulator.authenticatePayment: amount must be a positive integer');
    if (!isNonEmptyString(input.orderName, 100)) throw new Error('TossSimulator.authenticatePayment: orderName must be 1–100 chars');
    const taxFreeAmount = input.taxFreeAmount ?? 0;
    if (!isNonNegativeInteger(taxFreeAmount) || taxFreeAmount > input.amount) {
      throw new Error('TossSimulator.authenticatePayment: taxFreeAmount must be an integer between 0 and amount');
    }
    if (input.customerKey !== undefined && !CUSTOMER_KEY_PATTERN.test(input.customerKey)) {
      throw new Error('TossSimulator.authenticatePayment: invalid customerKey (INVALID_CUSTOMER_KEY)');
    }
    if (this.isOrderIdTaken(input.orderId)) {
      throw new Error(`TossSimulator.authenticatePayment: orderId ${input.orderId} was already paid (DUPLICATED_ORDER_ID)`);
    }
    let pendingVirtualAccount: StoredPayment['pendingVirtualAccount'] = null;
    if (method === 'VIRTUAL_ACCOUNT') {
      const bankCode = input.virtualAccountBank ?? '20';
      const validHours = input.validHours ?? DEFAULT_VALID_HOURS;
      if (!BANK_CODES.has(bankCode)) throw new Error(`TossSimulator.authenticatePayment: unknown bank code ${bankCode} (INVALID_BANK)`);
      if (!isPositiveInteger(validHours) || validHours > MAX_VALID_HOURS) {
        throw new Error(`TossSimulator.authenticatePayment: validHours must be 1–${MAX_VALID_HOURS} (EXCEED_MAX_VALID_HOURS)`);
      }
      pendingVirtualAccount = { bankCode, validHours, customerName: input.customerName ?? '김토스' };
    }
    const now = this.now();
    const payment = this.newPayment({
      orderId: input.orderId,
      orderName: input.orderName,
      type: 'NORMAL',
      method,
      status: 'IN_PROGRESS',
      requestedAt: now,
      authenticatedAt: now,
      totalAmount: input.amount,
      taxFreeAmount,
      taxExemptionAmount: 0,
      maskedCardNumber: method === 'CARD' ? maskCardNumber(input.cardNumber ?? DEFAULT_CARD_NUMBER) : null,
      customerKey: input.customerKey ?? null,
      pendingVirtualAccount,
    });
    return { paymentKey: payment.paymentKey, orderId: payment.orderId, amount: payment.totalAmount };
  }

  authenticateBilling(input: { customerKey: string; clientKey?: string; cardNumber?: string }): {
    customerKey: string;
    authKey: string;
  } {
    this.assertClientKey(input.clientKey, 'authenticateBilling');
    if (!CUSTOMER_KEY_PATTERN.test(input.customerKey)) {
      throw new Error('TossSimulator.authenticateBilling: invalid customerKey (INVALID_CUSTOMER_KEY)');
    }
    const authKey = newAuthKey();
    this.billingAuths.set(authKey, {
      customerKey: input.customerKey,
      maskedCardNumber: maskCardNumber(input.cardNumber ?? DEFAULT_CARD_NUMBER),
      used: false,
    });
    return { customerKey: input.customerKey, authKey };
  }

  private assertClientKey(clientKey: string | undefined, operation: string): void {
    if (clientKey !== undefined && !this.options.clientKeys.includes(clientKey)) {
      // Mirrors the SDK refusing to open the window with an unknown key (UNAUTHORIZED_KEY / INVALID_CLIENT_KEY).
      throw new Error(`TossSimulator.${operation}: unknown client key (UNAUTHORIZED_KEY)`);
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Payments: confirm, get, cancel (toss.md §3.1–§3.3)
  // ---------------------------------------------------------------------------------------------------------

  confirm(body: Json): Json {
    const { paymentKey, orderId, amount } = body;
    if (!isNonEmptyString(paymentKey, 200) || typeof orderId !== 'string' || typeof amount !== 'number') {
      throw tossError('INVALID_REQUEST', 'paymentKey, orderId, amount는 필수 값입니다.');
    }
    const payment = this.payments.get(paymentKey);
    if (!payment) throw tossError('NOT_FOUND_PAYMENT');
    this.refresh(payment);
    if (payment.status === 'EXPIRED') throw tossError('NOT_FOUND_PAYMENT_SESSION');
    if (payment.status !== 'IN_PROGRESS') throw tossError('ALREADY_PROCESSED_PAYMENT');
    // toss.md §11: a mismatch is refused without touching the payment (INVALID_REQUEST is the safe choice [U]).
    if (orderId !== payment.orderId) throw tossError('INVALID_REQUEST', '주문번호가 결제 요청 정보와 일치하지 않습니다.');
    if (amount !== payment.totalAmount) throw tossError('INVALID_REQUEST', '결제 금액이 결제 요청 정보와 일치하지 않습니다.');

    const now = this.now();
    if (payment.totalAmount < MINIMUM_AMOUNT[payment.method]) {
      // An approval refused by the institution leaves the payment ABORTED with `failure` (toss.md §4.5).
      const error = tossError('BELOW_MINIMUM_AMOUNT');
      payment.status = 'ABORTED';
      payment.failure = error.toBody();
      this.emitStatusChanged(payment);
      throw error;
    }
    payment.lastTransactionKey = newTransactionKey();
    if (payment.method === 'VIRTUAL_ACCOUNT') {
      const pending = payment.pendingVirtualAccount!;
      payment.status = 'WAITING_FOR_DEPOSIT';
      payment.secret = newVirtualAccountSecret();
      payment.virtualAccount = {
        accountNumber: `X${randomDigits(13)}`,
        bankCode: pending.bankCode,
        customerName: pending.customerName,
        dueDate: new Date(now.getTime() + pending.validHours * HOUR_MS),
        expired: false,
        refundStatus: 'NONE',
      };
      this.emitStatusChanged(payment);
      this.emitDepositCallback(payment);
    } else {
      payment.status = 'DONE';
      payment.approvedAt = now;
      payment.approveNo = randomDigits(8);
      this.appendLedger(payment, payment.lastTransactionKey, 'DONE', payment.totalAmount, now);
      this.emitStatusChanged(payment);
    }
    return this.toJson(payment);
  }

  getPayment(paymentKey: string): Json {
    const payment = this.payments.get(paymentKey);
    if (!payment) throw tossError('NOT_FOUND_PAYMENT');
    this.refresh(payment);
    return this.toJson(payment);
  }

  getPaymentByOrderId(orderId: string): Json {
    const payment = this.latestForOrder(orderId);
    if (!payment) throw tossError('NOT_FOUND_PAYMENT');
    this.refresh(payment);
    return this.toJson(payment);
  }

  /** The payment as GET would show it, or undefined (test observation API). */
  peekPayment(paymentKey: string): Json | undefined {
    const payment = this.payments.get(paymentKey);
    if (!payment) return undefined;
    this.refresh(payment);
    return this.toJson(payment);
  }

  cancel(paymentKey: string, body: Json): Json {
    const payment = this.payments.get(paymentKey);
    if (!payment) throw tossError('NOT_FOUND_PAYMENT');
    this.refresh(payment);
    const { cancelReason, cancelAmount, taxFreeAmount, refundableAmount, currency, refundReceiveAccount } = body;
    if (!isNonEmptyString(cancelReason, 200)) throw tossError('INVALID_REQUEST', 'cancelReason는 1자 이상 200자 이하여야 합니다.');
    if (cancelAmount !== undefined && cancelAmount !== null && !isPositiveInteger(cancelAmount)) {
      throw tossError('INVALID_REFUND_AMOUNT');
    }
    if (taxFreeAmount !== undefined && taxFreeAmount !== null && !isNonNegativeInteger(taxFreeAmount)) {
      throw tossError('INVALID_REQUEST', 'taxFreeAmount는 0 이상의 정수여야 합니다.');
    }
    if (refundableAmount !== undefined && refundableAmount !== null && !isNonNegativeInteger(refundableAmount)) {
      throw tossError('INVALID_REQUEST', 'refundableAmount는 0 이상의 정수여야 합니다.');
    }
    if (currency !== undefined && currency !== null && currency !== 'KRW') throw tossError('INVALID_CURRENCY');

    const requestedAmount = typeof cancelAmount === 'number' ? cancelAmount : undefined;
    switch (payment.status) {
      case 'CANCELED':
        throw tossError('ALREADY_CANCELED_PAYMENT');
      case 'READY':
      case 'IN_PROGRESS':
      case 'ABORTED':
      case 'EXPIRED':
        throw tossError('NOT_CANCELABLE_PAYMENT');
      default:
        break;
    }
    // With the PARTIAL_CANCELED-at-zero quirk a drained payment keeps its status; there is nothing left either way.
    if (payment.balanceAmount === 0) {
      throw requestedAmount === undefined ? tossError('ALREADY_CANCELED_PAYMENT') : tossError('NOT_CANCELABLE_AMOUNT');
    }
    const isFull = requestedAmount === undefined || requestedAmount === payment.balanceAmount;
    const waitingForDeposit = payment.status === 'WAITING_FOR_DEPOSIT';
    // toss.md §3.3: a virtual account can only be canceled as a whole before the money arrived.
    if (waitingForDeposit && !isFull) throw tossError('NOT_ALLOWED_PARTIAL_REFUND_WAITING_DEPOSIT');
    // toss.md §3.3: card payments with a tax-exemption amount cannot be partially canceled.
    if (!isFull && payment.taxExemptionAmount > 0) throw tossError('NOT_ALLOWED_PARTIAL_REFUND');
    if (typeof refundableAmount === 'number' && refundableAmount !== payment.balanceAmount) {
      throw tossError('NOT_MATCHES_REFUNDABLE_AMOUNT');
    }
    if (requestedAmount !== undefined && requestedAmount > payment.balanceAmount) throw tossError('NOT_CANCELABLE_AMOUNT');
    const amountToCancel = requestedAmount ?? payment.balanceAmount;

    // A full cancel takes the whole remaining tax-free part unless told otherwise; a partial cancel takes none.
    const taxFreeToCancel = typeof taxFreeAmount === 'number' ? taxFreeAmount : isFull ? payment.taxFreeAmount : 0;
    if (taxFreeToCancel > amountToCancel || taxFreeToCancel > payment.taxFreeAmount) {
      throw tossError('INVALID_REQUEST', '취소 면세금액이 취소 가능한 면세금액을 초과했습니다.');
    }
    if (isFull && payment.taxFreeAmount - taxFreeToCancel !== 0) {
      throw tossError('INVALID_REQUEST', '전액 취소 시 면세금액 전체를 취소해야 합니다.');
    }
    if (payment.taxFreeAmount - taxFreeToCancel > payment.balanceAmount - amountToCancel) {
      throw tossError('INVALID_REQUEST', '남은 면세금액이 남은 결제금액을 초과합니다.');
    }

    const isDepositedVirtualAccount = payment.method === 'VIRTUAL_ACCOUNT' && !waitingForDeposit;
    if (isDepositedVirtualAccount) this.assertRefundAccount(refundReceiveAccount);

    const now = this.now();
    const transactionKey = newTransactionKey();
    payment.balanceAmount -= amountToCancel;
    payment.taxFreeAmount -= taxFreeToCancel;
    payment.cancels.push({
      cancelAmount: amountToCancel,
      cancelReason,
      taxFreeAmount: taxFreeToCancel,
      refundableAmount: payment.balanceAmount,
      canceledAt: now,
      transactionKey,
      receiptKey: newReceiptKey(),
    });
    payment.lastTransactionKey = transactionKey;
    const explicitAmount = requestedAmount !== undefined;
    if (payment.balanceAmount > 0) {
      payment.status = 'PARTIAL_CANCELED';
    } else if (this.options.partialCanceledAtZeroQuirk && explicitAmount && payment.status === 'PARTIAL_CANCELED') {
      // toss.md §3.3 [D][T]: real data shows PARTIAL_CANCELED with balanceAmount 0 after partial cancels drain it.
      payment.status = 'PARTIAL_CANCELED';
    } else {
      payment.status = 'CANCELED';
    }
    if (payment.status === 'CANCELED') payment.cardCanceled = true;
    if (!waitingForDeposit) {
      // Only money that moved has a ledger row to reverse; a VA canceled before deposit never had one.
      this.appendLedger(payment, transactionKey, payment.status, amountToCancel, now);
    }
    this.emitStatusChanged(payment);
    if (waitingForDeposit) this.emitDepositCallback(payment);
    return this.toJson(payment);
  }

  private assertRefundAccount(account: unknown): void {
    // toss.md §3.3: required only for virtual-account payments that were already deposited.
    if (!account || typeof account !== 'object') {
      throw tossError('INVALID_REFUND_ACCOUNT_INFO', '입금된 가상계좌 결제의 취소에는 환불 계좌 정보가 필요합니다.');
    }
    const { bank, accountNumber, holderName } = account as Json;
    if (typeof bank !== 'string' || !BANK_CODES.has(bank)) throw tossError('INVALID_BANK');
    if (typeof accountNumber !== 'string' || !/^\d{1,20}$/.test(accountNumber)) throw tossError('INVALID_REFUND_ACCOUNT_NUMBER');
    if (!isNonEmptyString(holderName, 60)) throw tossError('INVALID_REFUND_ACCOUNT_INFO');
  }

  // ---------------------------------------------------------------------------------------------------------
  // Virtual accounts (toss.md §3.5, §4.5)
  // ---------------------------------------------------------------------------------------------------------

  issueVirtualAccount(body: Json): Json {
    const { amount, orderId, orderName, customerName, bank, validHours, dueDate, taxFreeAmount } = body;
    if (!isPositiveInteger(amount)) throw tossError('INVALID_REQUEST', 'amount는 1 이상의 정수여야 합니다.');
    if (typeof orderId !== 'string' || !ORDER_ID_PATTERN.test(orderId)) throw tossError('INVALID_ORDER_ID');
    if (!isNonEmptyString(orderName, 100)) throw tossError('INVALID_ORDER_NAME');
    if (!isNonEmptyString(customerName, 100)) throw tossError('INVALID_REQUEST', 'customerName은 1자 이상 100자 이하여야 합니다.');
    if (typeof bank !== 'string' || !BANK_CODES.has(bank)) throw tossError('INVALID_BANK');
    const taxFree = taxFreeAmount ?? 0;
    if (!isNonNegativeInteger(taxFree) || taxFree > amount) throw tossError('INVALID_REQUEST', 'taxFreeAmount가 올바르지 않습니다.');
    if (validHours !== undefined && validHours !== null && dueDate !== undefined && dueDate !== null) {
      throw tossError('INVALID_VALID_HOURS_WITH_DUE_DATE_AND_SINGLE');
    }
    const now = this.now();
    let due: Date;
    if (dueDate !== undefined && dueDate !== null) {
      const parsed = typeof dueDate === 'string' ? parseKstLocal(dueDate) : undefined;
      if (!parsed || parsed.getTime() <= now.getTime()) throw tossError('INVALID_DATE');
      if (parsed.getTime() - now.getTime() > MAX_VALID_HOURS * HOUR_MS) throw tossError('EXCEED_MAX_DUE_DATE');
      due = parsed;
    } else {
      const hours = validHours ?? DEFAULT_VALID_HOURS;
      if (!isPositiveInteger(hours)) throw tossError('INVALID_REQUEST', 'validHours는 1 이상의 정수여야 합니다.');
      if (hours > MAX_VALID_HOURS) throw tossError('EXCEED_MAX_VALID_HOURS');
      due = new Date(now.getTime() + hours * HOUR_MS);
    }
    if (amount < MINIMUM_AMOUNT.VIRTUAL_ACCOUNT) throw tossError('BELOW_MINIMUM_AMOUNT');
    if (this.isOrderIdTaken(orderId)) throw tossError('DUPLICATED_ORDER_ID');

    const payment = this.newPayment({
      orderId,
      orderName,
      type: 'NORMAL',
      method: 'VIRTUAL_ACCOUNT',
      status: 'WAITING_FOR_DEPOSIT',
      requestedAt: now,
      authenticatedAt: null,
      totalAmount: amount,
      taxFreeAmount: taxFree,
      taxExemptionAmount: 0,
      maskedCardNumber: null,
      customerKey: null,
      pendingVirtualAccount: null,
    });
    payment.lastTransactionKey = newTransactionKey();
    payment.secret = newVirtualAccountSecret();
    payment.virtualAccount = {
      accountNumber: `X${randomDigits(13)}`,
      bankCode: bank,
      customerName,
      dueDate: due,
      expired: false,
      refundStatus: 'NONE',
    };
    this.emitStatusChanged(payment);
    this.emitDepositCallback(payment);
    return this.toJson(payment);
  }

  deposit(ref: PaymentRef): void {
    const payment = this.resolveRef(ref, 'deposit');
    if (payment.method !== 'VIRTUAL_ACCOUNT' || payment.status !== 'WAITING_FOR_DEPOSIT' || !payment.virtualAccount) {
      throw new Error(`TossSimulator.deposit: payment ${payment.paymentKey} is not a virtual account waiting for deposit (status ${payment.status})`);
    }
    if (payment.virtualAccount.expired) {
      throw new Error(`TossSimulator.deposit: the virtual account of payment ${payment.paymentKey} has expired`);
    }
    const now = this.now();
    payment.status = 'DONE';
    payment.approvedAt = now;
    payment.lastTransactionKey = newTransactionKey();
    this.appendLedger(payment, payment.lastTransactionKey, 'DONE', payment.totalAmount, now);
    this.emitDepositCallback(payment);
    this.emitStatusChanged(payment);
  }

  /** toss.md §4.5: a deposit reversed by the bank moves DONE back to WAITING_FOR_DEPOSIT (version ≥ 1.5). */
  depositError(ref: PaymentRef): void {
    const payment = this.resolveRef(ref, 'depositError');
    if (payment.method !== 'VIRTUAL_ACCOUNT' || payment.status !== 'DONE' || payment.cancels.length > 0) {
      throw new Error(`TossSimulator.depositError: payment ${payment.paymentKey} is not a deposited, uncanceled virtual account (status ${payment.status})`);
    }
    payment.status = 'WAITING_FOR_DEPOSIT';
    payment.approvedAt = null;
    payment.lastTransactionKey = newTransactionKey();
    this.emitDepositCallback(payment);
    this.emitStatusChanged(payment);
  }

  /** toss.md §4.5: the due date passed; the payment stays WAITING_FOR_DEPOSIT, no webhook ([U] expired=true). */
  expireVirtualAccount(ref: PaymentRef): void {
    const payment = this.resolveRef(ref, 'expireVirtualAccount');
    if (!payment.virtualAccount) {
      throw new Error(`TossSimulator.expireVirtualAccount: payment ${payment.paymentKey} has no virtual account`);
    }
    payment.virtualAccount.expired = true;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Billing (toss.md §3.6)
  // ---------------------------------------------------------------------------------------------------------

  issueBillingKey(body: Json): Json {
    const { authKey, customerKey } = body;
    if (!isNonEmptyString(authKey, 300) || typeof customerKey !== 'string') {
      throw tossError('INVALID_REQUEST', 'authKey, customerKey는 필수 값입니다.');
    }
    if (!CUSTOMER_KEY_PATTERN.test(customerKey)) throw tossError('INVALID_CUSTOMER_KEY');
    const auth = this.billingAuths.get(authKey);
    // An authKey is one-time (toss.md §3.6 (a)); reuse or an unknown one is an invalid billing auth [U].
    if (!auth || auth.used) throw tossError('INVALID_BILLING_AUTH');
    if (auth.customerKey !== customerKey) throw tossError('NOT_MATCHES_CUSTOMER_KEY');
    auth.used = true;
    let billingKey = newBillingKey();
    while (this.billings.has(billingKey)) billingKey = newBillingKey();
    const billing: StoredBilling = {
      billingKey,
      customerKey,
      maskedCardNumber: auth.maskedCardNumber,
      authenticatedAt: this.now(),
      deleted: false,
    };
    this.billings.set(billingKey, billing);
    return {
      mId: this.options.mid,
      customerKey,
      authenticatedAt: formatKst(billing.authenticatedAt),
      method: '카드',
      billingKey,
      card: {
        issuerCode: CARD_ISSUER.issuerCode,
        acquirerCode: CARD_ISSUER.acquirerCode,
        number: billing.maskedCardNumber,
        cardType: '신용',
        ownerType: '개인',
      },
      // Legacy top-level fields, still present before version 2024-06-01 (toss.md §1.6, §4.6).
      cardCompany: CARD_ISSUER.company,
      cardNumber: billing.maskedCardNumber,
    };
  }

  chargeBilling(billingKey: string, body: Json): Json {
    const billing = this.billings.get(billingKey);
    if (!billing) throw tossError('NOT_FOUND_BILLING');
    if (billing.deleted) throw tossError('ALREADY_REMOVED_BILLING_KEY');
    const { customerKey, amount, orderId, orderName, taxFreeAmount, taxExemptionAmount } = body;
    if (typeof customerKey !== 'string') throw tossError('INVALID_REQUEST', 'customerKey는 필수 값입니다.');
    if (customerKey !== billing.customerKey) throw tossError('NOT_MATCHES_CUSTOMER_KEY');
    if (!isPositiveInteger(amount)) throw tossError('INVALID_REQUEST', 'amount는 1 이상의 정수여야 합니다.');
    if (typeof orderId !== 'string' || !ORDER_ID_PATTERN.test(orderId)) throw tossError('INVALID_ORDER_ID');
    if (!isNonEmptyString(orderName, 100)) throw tossError('INVALID_ORDER_NAME');
    const taxFree = taxFreeAmount ?? 0;
    if (!isNonNegativeInteger(taxFree) || taxFree > amount) throw tossError('INVALID_REQUEST', 'taxFreeAmount가 올바르지 않습니다.');
    const taxExemption = taxExemptionAmount ?? 0;
    if (!isNonNegativeInteger(taxExemption) || taxExemption > amount) {
      throw tossError('INVALID_REQUEST', 'taxExemptionAmount가 올바르지 않습니다.');
    }
    if (amount < MINIMUM_AMOUNT.CARD) throw tossError('BELOW_MINIMUM_AMOUNT');
    // Billing orderIds are unique across every payment, failed ones included (toss.md §3.6 (c)).
    if (this.paymentsByOrderId.has(orderId)) throw tossError('DUPLICATED_ORDER_ID');

    const now = this.now();
    const payment = this.newPayment({
      orderId,
      orderName,
      type: 'BILLING',
      method: 'CARD',
      status: 'DONE',
      requestedAt: now,
      authenticatedAt: null,
      totalAmount: amount,
      taxFreeAmount: taxFree,
      taxExemptionAmount: taxExemption,
      maskedCardNumber: billing.maskedCardNumber,
      customerKey,
      pendingVirtualAccount: null,
    });
    payment.approvedAt = now;
    payment.approveNo = randomDigits(8);
    payment.lastTransactionKey = newTransactionKey();
    this.appendLedger(payment, payment.lastTransactionKey, 'DONE', amount, now);
    // No PAYMENT_STATUS_CHANGED for billing approvals: the answer is synchronous (toss.md §3.6 (c)).
    return this.toJson(payment);
  }

  deleteBilling(billingKey: string): void {
    const billing = this.billings.get(billingKey);
    if (!billing) throw tossError('NOT_FOUND_BILLING');
    if (billing.deleted) throw tossError('ALREADY_REMOVED_BILLING_KEY');
    billing.deleted = true;
    this.options.events.billingDeleted(billingKey);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Cash receipts (toss.md §3.7)
  // ---------------------------------------------------------------------------------------------------------

  issueCashReceipt(body: Json): Json {
    const { amount, orderId, orderName, type, customerIdentityNumber, taxFreeAmount } = body;
    if (!isPositiveInteger(amount)) throw tossError('INVALID_REQUEST', 'amount는 1 이상의 정수여야 합니다.');
    if (typeof orderId !== 'string' || !ORDER_ID_PATTERN.test(orderId)) throw tossError('INVALID_ORDER_ID');
    if (!isNonEmptyString(orderName, 100)) throw tossError('INVALID_ORDER_NAME');
    if (type !== '소득공제' && type !== '지출증빙') throw tossError('INVALID_CASH_RECEIPT_INFO');
    if (typeof customerIdentityNumber !== 'string' || !/^\d{1,30}$/.test(customerIdentityNumber)) {
      throw tossError('INVALID_CASH_RECEIPT_INFO');
    }
    const taxFree = taxFreeAmount ?? 0;
    if (!isNonNegativeInteger(taxFree) || taxFree > amount) throw tossError('INVALID_REQUEST', 'taxFreeAmount가 올바르지 않습니다.');
    const active = this.cashReceipts.some((r) => r.transactionType === 'CONFIRM' && r.orderId === orderId && !r.canceled);
    if (active) throw tossError('DUPLICATED_CASH_RECEIPT');
    let receiptKey = newReceiptKey();
    while (this.cashReceiptsByKey.has(receiptKey)) receiptKey = newReceiptKey();
    const receipt: StoredCashReceipt = {
      seq: ++this.seq,
      receiptKey,
      issueNumber: randomDigits(9),
      amount,
      taxFreeAmount: taxFree,
      orderId,
      orderName,
      type,
      transactionType: 'CONFIRM',
      customerIdentityNumber,
      requestedAt: this.now(),
      canceled: false,
    };
    this.cashReceipts.push(receipt);
    this.cashReceiptsByKey.set(receiptKey, receipt);
    return this.cashReceiptJson(receipt);
  }

  /** Cancel = a separate CANCEL record whose receiptKey is `c_` + the original (toss.md §1.6, §3.7). */
  cancelCashReceipt(receiptKey: string, body: Json): Json {
    const original = this.cashReceiptsByKey.get(receiptKey);
    if (!original || original.transactionType !== 'CONFIRM') throw tossError('NOT_FOUND');
    if (original.canceled) throw tossError('INVALID_REQUEST', '이미 취소된 현금영수증입니다.');
    const { amount } = body;
    if (amount !== undefined && amount !== null && (!isPositiveInteger(amount) || amount > original.amount)) {
      throw tossError('INVALID_REQUEST', '취소 금액이 발급 금액을 초과했습니다.');
    }
    const cancelAmount = typeof amount === 'number' ? amount : original.amount;
    original.canceled = true;
    const receipt: StoredCashReceipt = {
      seq: ++this.seq,
      receiptKey: `c_${original.receiptKey}`,
      issueNumber: original.issueNumber,
      amount: cancelAmount,
      taxFreeAmount: cancelAmount === original.amount ? original.taxFreeAmount : Math.min(original.taxFreeAmount, cancelAmount),
      orderId: original.orderId,
      orderName: original.orderName,
      type: original.type,
      transactionType: 'CANCEL',
      customerIdentityNumber: original.customerIdentityNumber,
      requestedAt: this.now(),
      canceled: false,
    };
    this.cashReceipts.push(receipt);
    this.cashReceiptsByKey.set(receipt.receiptKey, receipt);
    return this.cashReceiptJson(receipt);
  }

  /** `GET /v1/cash-receipts?requestDate&cursor&limit` → `{hasNext, lastCursor, data}` (toss.md §3.7). */
  listCashReceipts(query: Record<string, string>): Json {
    const { requestDate } = query;
    if (!requestDate || !/^\d{4}-\d{2}-\d{2}$/.test(requestDate) || !parseKstLocal(requestDate)) {
      throw tossError('INVALID_DATE', 'requestDate는 yyyy-MM-dd 형식이어야 합니다.');
    }
    const limit = parseIntegerParam(query.limit, 100);
    if (limit === undefined || limit < 1) throw tossError('INVALID_REQUEST', 'limit는 1 이상의 정수여야 합니다.');
    if (limit > 10_000) throw tossError('EXCEED_MAX_QUERY_LIMIT');
    const cursor = parseIntegerParam(query.cursor, 0);
    if (cursor === undefined || cursor < 0) throw tossError('INVALID_PAGING_KEY');
    const matching = this.cashReceipts.filter((r) => r.seq > cursor && kstDate(r.requestedAt) === requestDate);
    const page = matching.slice(0, limit);
    return {
      hasNext: matching.length > limit,
      lastCursor: page.length > 0 ? page[page.length - 1].seq : cursor,
      data: page.map((r) => this.cashReceiptJson(r)),
    };
  }

  private cashReceiptJson(receipt: StoredCashReceipt): Json {
    const settled = this.now().getTime() - receipt.requestedAt.getTime() >= CASH_RECEIPT_SETTLE_MS;
    return {
      receiptKey: receipt.receiptKey,
      issueNumber: receipt.issueNumber,
      issueStatus: settled ? 'COMPLETED' : 'IN_PROGRESS',
      amount: receipt.amount,
      taxFreeAmount: receipt.taxFreeAmount,
      orderId: receipt.orderId,
      orderName: receipt.orderName,
      type: receipt.type,
      transactionType: receipt.transactionType,
      businessNumber: '1234567890',
      customerIdentityNumber: receipt.customerIdentityNumber,
      failure: null,
      requestedAt: formatKst(receipt.requestedAt),
      receiptUrl: `https://dashboard.tosspayments.com/receipt/mids/${this.options.mid}/orders/${receipt.orderId}/cash-receipt?ref=dashboard`,
    };
  }

  // ---------------------------------------------------------------------------------------------------------
  // Transactions (toss.md §3.8)
  // ---------------------------------------------------------------------------------------------------------

  listTransactions(query: Record<string, string>): Json[] {
    const start = query.startDate ? parseKstLocal(query.startDate) : undefined;
    const end = query.endDate ? parseKstLocal(query.endDate) : undefined;
    if (!start || !end) throw tossError('INVALID_REQUEST', 'startDate, endDate는 yyyy-MM-ddTHH:mm:ss 형식의 필수 값입니다.');
    const limit = parseIntegerParam(query.limit, 100);
    if (limit === undefined || limit < 1) throw tossError('INVALID_REQUEST', 'limit는 1 이상의 정수여야 합니다.');
    if (limit > 5000) throw tossError('EXCEED_MAX_QUERY_LIMIT');
    // endDate is inclusive at second precision: `23:59:59` covers up to 23:59:59.999 (toss.md §3.8).
    const endMs = /\.\d+$/.test(query.endDate) ? end.getTime() : end.getTime() + 999;
    const startMs = start.getTime();
    let rows = this.ledger.filter((row) => {
      const at = row.transactionAt.getTime();
      return at >= startMs && at <= endMs;
    });
    rows.sort(compareLedgerRows);
    if (query.startingAfter !== undefined) {
      const cursor = this.ledgerByKey.get(query.startingAfter);
      if (!cursor) throw tossError('INVALID_PAGING_KEY');
      rows = rows.filter((row) => compareLedgerRows(row, cursor) > 0);
    }
    return rows.slice(0, limit).map((row) => ({
      mId: this.options.mid,
      transactionKey: row.transactionKey,
      paymentKey: row.paymentKey,
      orderId: row.orderId,
      method: METHOD_NAMES[row.method],
      customerKey: row.customerKey,
      useEscrow: false,
      receiptUrl: receiptUrlOf(row.paymentKey),
      status: row.status,
      transactionAt: formatKst(row.transactionAt),
      currency: 'KRW',
      amount: row.amount,
    }));
  }

  // ---------------------------------------------------------------------------------------------------------
  // Internals
  // ---------------------------------------------------------------------------------------------------------

  private newPayment(init: {
    orderId: string;
    orderName: string;
    type: StoredPayment['type'];
    method: TossMethod;
    status: TossPaymentStatus;
    requestedAt: Date;
    authenticatedAt: Date | null;
    totalAmount: number;
    taxFreeAmount: number;
    taxExemptionAmount: number;
    maskedCardNumber: string | null;
    customerKey: string | null;
    pendingVirtualAccount: StoredPayment['pendingVirtualAccount'];
  }): StoredPayment {
    let paymentKey = newPaymentKey(init.requestedAt);
    while (this.payments.has(paymentKey)) paymentKey = newPaymentKey(init.requestedAt);
    const payment: StoredPayment = {
      ...init,
      paymentKey,
      approvedAt: null,
      balanceAmount: init.totalAmount,
      lastTransactionKey: null,
      cancels: [],
      secret: null,
      approveNo: null,
      cardCanceled: false,
      virtualAccount: null,
      failure: null,
    };
    this.payments.set(paymentKey, payment);
    const keys = this.paymentsByOrderId.get(init.orderId);
    if (keys) keys.push(paymentKey);
    else this.paymentsByOrderId.set(init.orderId, [paymentKey]);
    return payment;
  }

  private latestForOrder(orderId: string): StoredPayment | undefined {
    const keys = this.paymentsByOrderId.get(orderId);
    if (!keys) return undefined;
    // Prefer the payment that actually went through over abandoned/expired windows for the same order.
    const candidates = keys.map((key) => this.payments.get(key)!);
    return candidates.filter((p) => ORDER_ID_TAKEN_STATUSES.has(p.status)).pop() ?? candidates[candidates.length - 1];
  }

  private isOrderIdTaken(orderId: string): boolean {
    const keys = this.paymentsByOrderId.get(orderId);
    return !!keys && keys.some((key) => ORDER_ID_TAKEN_STATUSES.has(this.payments.get(key)!.status));
  }

  private resolveRef(ref: PaymentRef, operation: string): StoredPayment {
    const payment = ref.paymentKey
      ? this.payments.get(ref.paymentKey)
      : ref.orderId
        ? this.latestForOrder(ref.orderId)
        : undefined;
    if (!payment) throw new Error(`TossSimulator.${operation}: no payment for ${JSON.stringify(ref)}`);
    this.refresh(payment);
    return payment;
  }

  /** Applies what the passage of (clock) time did to a payment since it was last looked at. */
  private refresh(payment: StoredPayment): void {
    const nowMs = this.now().getTime();
    if (
      payment.status === 'IN_PROGRESS' &&
      payment.authenticatedAt &&
      nowMs - payment.authenticatedAt.getTime() > CONFIRM_WINDOW_MS
    ) {
      payment.status = 'EXPIRED';
      this.emitStatusChanged(payment);
    }
    const account = payment.virtualAccount;
    if (payment.status === 'WAITING_FOR_DEPOSIT' && account && !account.expired && account.dueDate.getTime() < nowMs) {
      account.expired = true; // no webhook for a passed due date (toss.md §4.5)
    }
  }

  private appendLedger(payment: StoredPayment, transactionKey: string, status: TossPaymentStatus, amount: number, at: Date): void {
    const row: LedgerRow = {
      seq: ++this.seq,
      transactionKey,
      paymentKey: payment.paymentKey,
      orderId: payment.orderId,
      method: payment.method,
      customerKey: payment.customerKey,
      status,
      transactionAt: at,
      amount,
    };
    this.ledger.push(row);
    this.ledgerByKey.set(transactionKey, row);
  }

  private emitStatusChanged(payment: StoredPayment): void {
    // PAYMENT_STATUS_CHANGED covers one-time payments only, never billing (toss.md §6.2).
    if (payment.type === 'NORMAL') this.options.events.paymentStatusChanged(this.toJson(payment));
  }

  private emitDepositCallback(payment: StoredPayment): void {
    if (!payment.secret || !payment.lastTransactionKey) return;
    this.options.events.depositCallback({
      secret: payment.secret,
      status: payment.status,
      transactionKey: payment.lastTransactionKey,
      orderId: payment.orderId,
    });
  }

  /** The Payment object, version 2022-11-16, fields in the order of the docs' confirm example (toss.md §9.2). */
  toJson(payment: StoredPayment): Json {
    const vat = vatOf(payment.balanceAmount, payment.taxFreeAmount);
    const approved = payment.approvedAt !== null || payment.status === 'DONE';
    const isCard = payment.method === 'CARD';
    const account = payment.virtualAccount;
    return {
      mId: this.options.mid,
      lastTransactionKey: payment.lastTransactionKey,
      paymentKey: payment.paymentKey,
      orderId: payment.orderId,
      orderName: payment.orderName,
      taxExemptionAmount: payment.taxExemptionAmount,
      status: payment.status,
      requestedAt: formatKst(payment.requestedAt),
      approvedAt: payment.approvedAt ? formatKst(payment.approvedAt) : null,
      useEscrow: false,
      cultureExpense: false,
      card:
        isCard && approved && payment.maskedCardNumber
          ? {
              issuerCode: CARD_ISSUER.issuerCode,
              acquirerCode: CARD_ISSUER.acquirerCode,
              number: payment.maskedCardNumber,
              installmentPlanMonths: 0,
              isInterestFree: false,
              interestPayer: null,
              approveNo: payment.approveNo,
              useCardPoint: false,
              cardType: '신용',
              ownerType: '개인',
              acquireStatus: payment.cardCanceled ? 'CANCELED' : 'READY',
              amount: payment.totalAmount,
            }
          : null,
      virtualAccount: account
        ? {
            accountType: '일반',
            accountNumber: account.accountNumber,
            bankCode: account.bankCode,
            customerName: account.customerName,
            depositorName: account.customerName,
            dueDate: formatKst(account.dueDate),
            refundStatus: account.refundStatus,
            expired: account.expired,
            settlementStatus: 'INCOMPLETED',
            refundReceiveAccount: null,
          }
        : null,
      transfer: payment.method === 'TRANSFER' && approved ? { bankCode: '20', settlementStatus: 'INCOMPLETED' } : null,
      mobilePhone: null,
      giftCertificate: null,
      cashReceipt: null,
      cashReceipts: null,
      discount: null,
      cancels:
        payment.cancels.length > 0
          ? payment.cancels.map((c) => ({
              cancelReason: c.cancelReason,
              canceledAt: formatKst(c.canceledAt),
              cancelAmount: c.cancelAmount,
              taxFreeAmount: c.taxFreeAmount,
              taxExemptionAmount: 0,
              refundableAmount: c.refundableAmount,
              cardDiscountAmount: 0,
              transferDiscountAmount: 0,
              easyPayDiscountAmount: 0,
              transactionKey: c.transactionKey,
              receiptKey: c.receiptKey,
              cancelStatus: 'DONE',
              cancelRequestId: null,
            }))
          : null,
      secret: payment.secret,
      type: payment.type,
      easyPay:
        payment.method === 'EASY_PAY' && approved ? { provider: '토스페이', amount: payment.totalAmount, discountAmount: 0 } : null,
      country: 'KR',
      failure: payment.failure,
      isPartialCancelable: payment.taxExemptionAmount === 0,
      receipt: approved ? { url: receiptUrlOf(payment.paymentKey) } : null,
      checkout: { url: `https://api.tosspayments.com/v1/payments/${payment.paymentKey}/checkout` },
      currency: 'KRW',
      totalAmount: payment.totalAmount,
      balanceAmount: payment.balanceAmount,
      // Recomputed from what is left, so the sums always reach exactly 0 on a full cancel (toss.md §2 VAT).
      suppliedAmount: payment.balanceAmount - payment.taxFreeAmount - vat,
      vat,
      taxFreeAmount: payment.taxFreeAmount,
      metadata: null,
      method: METHOD_NAMES[payment.method],
      version: '2022-11-16',
    };
  }
}

function receiptUrlOf(paymentKey: string): string {
  return `https://dashboard.tosspayments.com/receipt/redirection?transactionId=${paymentKey}&ref=PX`;
}

function compareLedgerRows(a: LedgerRow, b: LedgerRow): number {
  return a.transactionAt.getTime() - b.transactionAt.getTime() || a.seq - b.seq;
}

/** Query integer: undefined/empty → fallback; anything but plain digits → undefined (caller answers 400). */
function parseIntegerParam(value: string | undefined, fallback: number): number | undefined {
  if (value === undefined || value === '') return fallback;
  if (!/^\d{1,9}$/.test(value)) return undefined;
  return Number(value);
}

