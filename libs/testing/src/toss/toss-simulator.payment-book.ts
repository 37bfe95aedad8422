import { tossError } from './toss-simulator.errors';
import { formatKst, maskCardNumber, newPaymentKey, parseKstLocal, randomDigits } from './toss-simulator.format';
import {
  CONFIRM_WINDOW_MS,
  DEFAULT_CARD_NUMBER,
  type Json,
  type LedgerRow,
  METHOD_NAMES,
  type NewPayment,
  ORDER_ID_TAKEN_STATUSES,
  type PaymentRef,
  type StoredPayment,
  type TossPaymentStatus,
  type TossStoreOptions,
  parseIntegerParam,
} from './toss-simulator.model';
import { paymentJson, receiptUrlOf } from './toss-simulator.payment-json';

/** One row of `TossPaymentBook.seedTransactions`: a card payment and its approval transaction. */
export interface SeededTransaction {
  paymentKey: string;
  orderId: string;
  orderName: string;
  amount: number;
  status: 'DONE' | 'ABORTED';
  transactionKey: string;
  transactionAt: Date;
}

/**
 * Every payment of the simulated merchant and the transaction ledger beside it (one row per approval and per cancel,
 * what GET /v1/transactions lists). The other parts of the store (payments, virtual accounts, billing) create and
 * change payments through it, and it tells the outside world about each change (webhook events).
 */
export class TossPaymentBook {
  private readonly payments = new Map<string, StoredPayment>();
  /** orderId → paymentKeys in creation order (a failed window may leave an EXPIRED one before the real one). */
  private readonly paymentsByOrderId = new Map<string, string[]>();
  /** In list order (time, then seq) once `ledgerSorted`; appends out of order clear it and the next list sorts. */
  private ledger: LedgerRow[] = [];
  private ledgerSorted = true;
  private readonly ledgerByKey = new Map<string, LedgerRow>();
  /** Shared by ledger rows and cash receipts: both page by it. Never reset, so cursors stay unique. */
  private seq = 0;

  constructor(readonly options: TossStoreOptions) {}

  reset(): void {
    this.payments.clear();
    this.paymentsByOrderId.clear();
    this.ledger = [];
    this.ledgerSorted = true;
    this.ledgerByKey.clear();
  }

  now(): Date {
    return this.options.clock.now();
  }

  nextSeq(): number {
    return ++this.seq;
  }

  /** The payment as it stands now (time applied), or undefined. */
  find(paymentKey: string): StoredPayment | undefined {
    const payment = this.payments.get(paymentKey);
    if (payment) this.refresh(payment);
    return payment;
  }

  /** The payment as it stands now, or the API's NOT_FOUND_PAYMENT answer. */
  get(paymentKey: string): StoredPayment {
    const payment = this.find(paymentKey);
    if (!payment) throw tossError('NOT_FOUND_PAYMENT');
    return payment;
  }

  /** The payment an orderId stands for now: the one that went through, else the newest window. */
  findByOrderId(orderId: string): StoredPayment | undefined {
    const payment = this.latestForOrder(orderId);
    if (payment) this.refresh(payment);
    return payment;
  }

  newPayment(init: NewPayment): StoredPayment {
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

  /** A payment window or charge may not reuse an orderId that was paid (or is waiting for its deposit). */
  isOrderIdTaken(orderId: string): boolean {
    const keys = this.paymentsByOrderId.get(orderId);
    return !!keys && keys.some((key) => ORDER_ID_TAKEN_STATUSES.has(this.payments.get(key)!.status));
  }

  /** Whether any payment ever used the orderId, failed ones included (billing orderIds are unique across all). */
  hasOrderId(orderId: string): boolean {
    return this.paymentsByOrderId.has(orderId);
  }

  /** A test hook's reference to a payment; a missing one is a test bug, not an API answer. */
  resolveRef(ref: PaymentRef, operation: string): StoredPayment {
    const payment = ref.paymentKey
      ? this.payments.get(ref.paymentKey)
      : ref.orderId
        ? this.latestForOrder(ref.orderId)
        : undefined;
    if (!payment) throw new Error(`TossSimulator.${operation}: no payment for ${JSON.stringify(ref)}`);
    this.refresh(payment);
    return payment;
  }

  appendLedger(
    payment: StoredPayment,
    transactionKey: string,
    status: TossPaymentStatus,
    amount: number,
    at: Date,
  ): void {
    const row: LedgerRow = {
      seq: this.nextSeq(),
      transactionKey,
      paymentKey: payment.paymentKey,
      orderId: payment.orderId,
      method: payment.method,
      customerKey: payment.customerKey,
      status,
      transactionAt: at,
      amount,
    };
    const last = this.ledger[this.ledger.length - 1];
    if (last && compareLedgerRows(row, last) < 0) this.ledgerSorted = false;
    this.ledger.push(row);
    this.ledgerByKey.set(transactionKey, row);
  }

  /**
   * Bulk seed for load tests (no HTTP, no webhooks): each row becomes a one-time card payment in the book and its
   * approval in the transaction ledger, so `GET /v1/transactions` lists it (paged by `startingAfter` like any other
   * row) and `GET /v1/payments/{paymentKey}` reads it. A DONE row is approved at `transactionAt`; an ABORTED row is a
   * payment the institution refused, listed with that status. Keys are the caller's (they must be unique: a clash is a
   * test bug, thrown before anything is stored), so the same rows can be written to a shop's ledger beside it.
   */
  seedTransactions(rows: readonly SeededTransaction[]): void {
    const paymentKeys = new Set<string>();
    const transactionKeys = new Set<string>();
    for (const row of rows) {
      const clash =
        this.payments.has(row.paymentKey) || paymentKeys.has(row.paymentKey)
          ? row.paymentKey
          : this.ledgerByKey.has(row.transactionKey) || transactionKeys.has(row.transactionKey)
            ? row.transactionKey
            : undefined;
      if (clash !== undefined) throw new Error(`TossSimulator.seedTransactions: key ${clash} is not unique`);
      paymentKeys.add(row.paymentKey);
      transactionKeys.add(row.transactionKey);
    }
    for (const row of rows) {
      const payment = seededPayment(row);
      this.payments.set(row.paymentKey, payment);
      const keys = this.paymentsByOrderId.get(row.orderId);
      if (keys) keys.push(row.paymentKey);
      else this.paymentsByOrderId.set(row.orderId, [row.paymentKey]);
      this.appendLedger(payment, row.transactionKey, row.status, row.amount, row.transactionAt);
    }
  }

  emitStatusChanged(payment: StoredPayment): void {
    // PAYMENT_STATUS_CHANGED covers one-time payments only, never billing (docs/gateways/toss.md#webhooks).
    if (payment.type === 'NORMAL') this.options.events.paymentStatusChanged(this.toJson(payment));
  }

  emitDepositCallback(payment: StoredPayment): void {
    if (!payment.secret || !payment.lastTransactionKey) return;
    this.options.events.depositCallback({
      secret: payment.secret,
      status: payment.status,
      transactionKey: payment.lastTransactionKey,
      orderId: payment.orderId,
    });
  }

  toJson(payment: StoredPayment): Json {
    return paymentJson(payment, this.options.mid);
  }

  /** `GET /v1/transactions` (docs/gateways/toss.md#transaction-list): a bare array paged by `startingAfter`. */
  listTransactions(query: Record<string, string>): Json[] {
    const start = query.startDate ? parseKstLocal(query.startDate) : undefined;
    const end = query.endDate ? parseKstLocal(query.endDate) : undefined;
    if (!start || !end)
      throw tossError('INVALID_REQUEST', 'startDate, endDate는 yyyy-MM-ddTHH:mm:ss 형식의 필수 값입니다.');
    const limit = parseIntegerParam(query.limit, 100);
    if (limit === undefined || limit < 1) throw tossError('INVALID_REQUEST', 'limit는 1 이상의 정수여야 합니다.');
    if (limit > 5000) throw tossError('EXCEED_MAX_QUERY_LIMIT');
    // endDate is inclusive at second precision: `23:59:59` covers up to 23:59:59.999.
    const endMs = /\.\d+$/.test(query.endDate) ? end.getTime() : end.getTime() + 999;
    const startMs = start.getTime();
    const cursor = query.startingAfter === undefined ? undefined : this.ledgerByKey.get(query.startingAfter);
    if (query.startingAfter !== undefined && !cursor) throw tossError('INVALID_PAGING_KEY');
    // The ledger is kept in list order, so a page is a binary search and a slice, not a sort of every row (a
    // benchmark pages 100,000 rows).
    if (!this.ledgerSorted) {
      this.ledger.sort(compareLedgerRows);
      this.ledgerSorted = true;
    }
    let from = firstIndex(this.ledger, (row) => row.transactionAt.getTime() >= startMs);
    if (cursor)
      from = Math.max(
        from,
        firstIndex(this.ledger, (row) => compareLedgerRows(row, cursor) > 0),
      );
    const page: Json[] = [];
    for (let i = from; i < this.ledger.length && page.length < limit; i++) {
      if (this.ledger[i].transactionAt.getTime() > endMs) break;
      page.push(this.transactionJson(this.ledger[i]));
    }
    return page;
  }

  private transactionJson(row: LedgerRow): Json {
    return {
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
    };
  }

  private latestForOrder(orderId: string): StoredPayment | undefined {
    const keys = this.paymentsByOrderId.get(orderId);
    if (!keys) return undefined;
    // Prefer the payment that actually went through over abandoned/expired windows for the same order.
    const candidates = keys.map((key) => this.payments.get(key)!);
    return candidates.filter((p) => ORDER_ID_TAKEN_STATUSES.has(p.status)).pop() ?? candidates[candidates.length - 1];
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
      account.expired = true; // no webhook for a passed due date (docs/gateways/toss.md#server-issued-virtual-accounts)
    }
  }
}

function compareLedgerRows(a: LedgerRow, b: LedgerRow): number {
  return a.transactionAt.getTime() - b.transactionAt.getTime() || a.seq - b.seq;
}

/** The first index of a sorted array where `isAtOrAfter` holds (it holds from there on), or the length. */
function firstIndex(rows: readonly LedgerRow[], isAtOrAfter: (row: LedgerRow) => boolean): number {
  let low = 0;
  let high = rows.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (isAtOrAfter(rows[mid])) high = mid;
    else low = mid + 1;
  }
  return low;
}

/** A seeded row as the book stores it: what confirm leaves for a card payment (DONE), or a refused one (ABORTED). */
function seededPayment(row: SeededTransaction): StoredPayment {
  const done = row.status === 'DONE';
  return {
    paymentKey: row.paymentKey,
    orderId: row.orderId,
    orderName: row.orderName,
    type: 'NORMAL',
    method: 'CARD',
    status: row.status,
    requestedAt: row.transactionAt,
    approvedAt: done ? row.transactionAt : null,
    authenticatedAt: row.transactionAt,
    totalAmount: row.amount,
    balanceAmount: row.amount,
    taxFreeAmount: 0,
    taxExemptionAmount: 0,
    lastTransactionKey: row.transactionKey,
    cancels: [],
    secret: null,
    maskedCardNumber: maskCardNumber(DEFAULT_CARD_NUMBER),
    approveNo: done ? randomDigits(8) : null,
    cardCanceled: false,
    virtualAccount: null,
    pendingVirtualAccount: null,
    customerKey: null,
    failure: done ? null : { code: 'REJECT_CARD_COMPANY', message: '결제 승인이 거절되었습니다.' },
  };
}
