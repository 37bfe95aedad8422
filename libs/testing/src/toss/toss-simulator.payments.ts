import { tossError } from './toss-simulator.errors';
import {
  BANK_CODES,
  CUSTOMER_KEY_PATTERN,
  ORDER_ID_PATTERN,
  isNonEmptyString,
  isNonNegativeInteger,
  isPositiveInteger,
  maskCardNumber,
  newReceiptKey,
  newTransactionKey,
  newVirtualAccountSecret,
  randomDigits,
} from './toss-simulator.format';
import {
  DEFAULT_CARD_NUMBER,
  DEFAULT_VALID_HOURS,
  HOUR_MS,
  type Json,
  MAX_VALID_HOURS,
  METHOD_NAMES,
  MINIMUM_AMOUNT,
  type PaymentWindowInput,
  type StoredPayment,
  assertClientKey,
} from './toss-simulator.model';
import type { TossPaymentBook } from './toss-simulator.payment-book';

/** A cancel request once checked: how much of the balance and of its tax-free part it takes. */
interface CheckedCancel {
  reason: string;
  requestedAmount: number | undefined;
  amount: number;
  taxFree: number;
  isFull: boolean;
  waitingForDeposit: boolean;
}

/**
 * One-time payments: the simulated payment window, confirm, reads and cancels (docs/gateways/toss.md#confirm,
 * docs/gateways/toss.md#cancel). Every method either applies a whole change or throws a `TossApiError` having changed
 * nothing, so an error answer never leaves half a payment behind.
 */
export class TossPayments {
  constructor(private readonly book: TossPaymentBook) {}

  /** The payment window: an IN_PROGRESS payment, authenticated now. Bad input is a test bug (plain Error). */
  authenticatePayment(input: PaymentWindowInput): { paymentKey: string; orderId: string; amount: number } {
    const method = input.method ?? 'CARD';
    if (!METHOD_NAMES[method])
      throw new Error(`TossSimulator.authenticatePayment: unsupported method ${String(method)}`);
    assertClientKey(this.book.options.clientKeys, input.clientKey, 'authenticatePayment');
    const taxFreeAmount = assertWindowInput(input);
    if (this.book.isOrderIdTaken(input.orderId)) {
      throw new Error(
        `TossSimulator.authenticatePayment: orderId ${input.orderId} was already paid (DUPLICATED_ORDER_ID)`,
      );
    }
    const pendingVirtualAccount = method === 'VIRTUAL_ACCOUNT' ? pendingAccountOf(input) : null;
    const now = this.book.now();
    const payment = this.book.newPayment({
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

  confirm(body: Json): Json {
    const { paymentKey, orderId, amount } = body;
    if (!isNonEmptyString(paymentKey, 200) || typeof orderId !== 'string' || typeof amount !== 'number') {
      throw tossError('INVALID_REQUEST', 'paymentKey, orderId, amount는 필수 값입니다.');
    }
    const payment = this.book.get(paymentKey);
    if (payment.status === 'EXPIRED') throw tossError('NOT_FOUND_PAYMENT_SESSION');
    if (payment.status !== 'IN_PROGRESS') throw tossError('ALREADY_PROCESSED_PAYMENT');
    // A mismatch is refused without touching the payment; Toss's exact code is not documented, INVALID_REQUEST is the
    // safe reading (docs/gateways/toss.md#simulator).
    if (orderId !== payment.orderId)
      throw tossError('INVALID_REQUEST', '주문번호가 결제 요청 정보와 일치하지 않습니다.');
    if (amount !== payment.totalAmount)
      throw tossError('INVALID_REQUEST', '결제 금액이 결제 요청 정보와 일치하지 않습니다.');

    const now = this.book.now();
    if (payment.totalAmount < MINIMUM_AMOUNT[payment.method]) {
      // An approval refused by the institution leaves the payment ABORTED with `failure`.
      const error = tossError('BELOW_MINIMUM_AMOUNT');
      payment.status = 'ABORTED';
      payment.failure = error.toBody();
      this.book.emitStatusChanged(payment);
      throw error;
    }
    payment.lastTransactionKey = newTransactionKey();
    if (payment.method === 'VIRTUAL_ACCOUNT') {
      this.openWindowVirtualAccount(payment, now);
    } else {
      payment.status = 'DONE';
      payment.approvedAt = now;
      payment.approveNo = randomDigits(8);
      this.book.appendLedger(payment, payment.lastTransactionKey, 'DONE', payment.totalAmount, now);
      this.book.emitStatusChanged(payment);
    }
    return this.book.toJson(payment);
  }

  getPayment(paymentKey: string): Json {
    return this.book.toJson(this.book.get(paymentKey));
  }

  getPaymentByOrderId(orderId: string): Json {
    const payment = this.book.findByOrderId(orderId);
    if (!payment) throw tossError('NOT_FOUND_PAYMENT');
    return this.book.toJson(payment);
  }

  /** The payment as GET would show it, or undefined (test observation API). */
  peekPayment(paymentKey: string): Json | undefined {
    const payment = this.book.find(paymentKey);
    return payment ? this.book.toJson(payment) : undefined;
  }

  cancel(paymentKey: string, body: Json): Json {
    const payment = this.book.get(paymentKey);
    const checked = checkCancel(payment, body);
    const now = this.book.now();
    const transactionKey = newTransactionKey();
    payment.balanceAmount -= checked.amount;
    payment.taxFreeAmount -= checked.taxFree;
    payment.cancels.push({
      cancelAmount: checked.amount,
      cancelReason: checked.reason,
      taxFreeAmount: checked.taxFree,
      refundableAmount: payment.balanceAmount,
      canceledAt: now,
      transactionKey,
      receiptKey: newReceiptKey(),
    });
    payment.lastTransactionKey = transactionKey;
    payment.status = this.statusAfterCancel(payment, checked.requestedAmount !== undefined);
    if (payment.status === 'CANCELED') payment.cardCanceled = true;
    if (!checked.waitingForDeposit) {
      // Only money that moved has a ledger row to reverse; a VA canceled before deposit never had one.
      this.book.appendLedger(payment, transactionKey, payment.status, checked.amount, now);
    }
    this.book.emitStatusChanged(payment);
    if (checked.waitingForDeposit) this.book.emitDepositCallback(payment);
    return this.book.toJson(payment);
  }

  /** A virtual account chosen in the window is opened at confirm: WAITING_FOR_DEPOSIT with its webhook secret. */
  private openWindowVirtualAccount(payment: StoredPayment, now: Date): void {
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
    this.book.emitStatusChanged(payment);
    this.book.emitDepositCallback(payment);
  }

  private statusAfterCancel(payment: StoredPayment, explicitAmount: boolean): StoredPayment['status'] {
    if (payment.balanceAmount > 0) return 'PARTIAL_CANCELED';
    if (this.book.options.partialCanceledAtZeroQuirk && explicitAmount && payment.status === 'PARTIAL_CANCELED') {
      // Real answers show PARTIAL_CANCELED with balanceAmount 0 after partial cancels drain it
      // (docs/gateways/toss.md#settings-for-unverified-behaviour).
      return 'PARTIAL_CANCELED';
    }
    return 'CANCELED';
  }
}

/** The window's own checks; returns the tax-free part. */
function assertWindowInput(input: PaymentWindowInput): number {
  if (!ORDER_ID_PATTERN.test(input.orderId)) {
    throw new Error(
      'TossSimulator.authenticatePayment: orderId must be 6–64 chars of [A-Za-z0-9_-] (INVALID_ORDER_ID)',
    );
  }
  if (!isPositiveInteger(input.amount))
    throw new Error('TossSimulator.authenticatePayment: amount must be a positive integer');
  if (!isNonEmptyString(input.orderName, 100))
    throw new Error('TossSimulator.authenticatePayment: orderName must be 1–100 chars');
  const taxFreeAmount = input.taxFreeAmount ?? 0;
  if (!isNonNegativeInteger(taxFreeAmount) || taxFreeAmount > input.amount) {
    throw new Error('TossSimulator.authenticatePayment: taxFreeAmount must be an integer between 0 and amount');
  }
  if (input.customerKey !== undefined && !CUSTOMER_KEY_PATTERN.test(input.customerKey)) {
    throw new Error('TossSimulator.authenticatePayment: invalid customerKey (INVALID_CUSTOMER_KEY)');
  }
  return taxFreeAmount;
}

function pendingAccountOf(input: PaymentWindowInput): NonNullable<StoredPayment['pendingVirtualAccount']> {
  const bankCode = input.virtualAccountBank ?? '20';
  const validHours = input.validHours ?? DEFAULT_VALID_HOURS;
  if (!BANK_CODES.has(bankCode))
    throw new Error(`TossSimulator.authenticatePayment: unknown bank code ${bankCode} (INVALID_BANK)`);
  if (!isPositiveInteger(validHours) || validHours > MAX_VALID_HOURS) {
    throw new Error(
      `TossSimulator.authenticatePayment: validHours must be 1–${MAX_VALID_HOURS} (EXCEED_MAX_VALID_HOURS)`,
    );
  }
  return { bankCode, validHours, customerName: input.customerName ?? '김토스' };
}

/** Every rule of a cancel, in the order Toss applies them; throws before anything changes. */
function checkCancel(payment: StoredPayment, body: Json): CheckedCancel {
  const { cancelReason, cancelAmount, taxFreeAmount, refundableAmount, refundReceiveAccount } = body;
  assertCancelBody(body);
  const requestedAmount = typeof cancelAmount === 'number' ? cancelAmount : undefined;
  if (payment.status === 'CANCELED') throw tossError('ALREADY_CANCELED_PAYMENT');
  if (['READY', 'IN_PROGRESS', 'ABORTED', 'EXPIRED'].includes(payment.status))
    throw tossError('NOT_CANCELABLE_PAYMENT');
  // With the PARTIAL_CANCELED-at-zero quirk a drained payment keeps its status; there is nothing left either way.
  if (payment.balanceAmount === 0) {
    throw requestedAmount === undefined ? tossError('ALREADY_CANCELED_PAYMENT') : tossError('NOT_CANCELABLE_AMOUNT');
  }
  const isFull = requestedAmount === undefined || requestedAmount === payment.balanceAmount;
  const waitingForDeposit = payment.status === 'WAITING_FOR_DEPOSIT';
  // A virtual account can only be canceled as a whole before the money arrived.
  if (waitingForDeposit && !isFull) throw tossError('NOT_ALLOWED_PARTIAL_REFUND_WAITING_DEPOSIT');
  // Card payments with a tax-exemption amount cannot be partially canceled.
  if (!isFull && payment.taxExemptionAmount > 0) throw tossError('NOT_ALLOWED_PARTIAL_REFUND');
  if (typeof refundableAmount === 'number' && refundableAmount !== payment.balanceAmount) {
    throw tossError('NOT_MATCHES_REFUNDABLE_AMOUNT');
  }
  if (requestedAmount !== undefined && requestedAmount > payment.balanceAmount)
    throw tossError('NOT_CANCELABLE_AMOUNT');
  const amount = requestedAmount ?? payment.balanceAmount;
  const taxFree = checkTaxFreeToCancel(payment, { amount, isFull, taxFreeAmount });
  if (payment.method === 'VIRTUAL_ACCOUNT' && !waitingForDeposit) assertRefundAccount(refundReceiveAccount);
  return { reason: cancelReason as string, requestedAmount, amount, taxFree, isFull, waitingForDeposit };
}

function assertCancelBody(body: Json): void {
  const { cancelReason, cancelAmount, taxFreeAmount, refundableAmount, currency } = body;
  if (!isNonEmptyString(cancelReason, 200))
    throw tossError('INVALID_REQUEST', 'cancelReason는 1자 이상 200자 이하여야 합니다.');
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
}

/** A full cancel takes the whole remaining tax-free part unless told otherwise; a partial cancel takes none. */
function checkTaxFreeToCancel(
  payment: StoredPayment,
  cancel: { amount: number; isFull: boolean; taxFreeAmount: unknown },
): number {
  const taxFree =
    typeof cancel.taxFreeAmount === 'number' ? cancel.taxFreeAmount : cancel.isFull ? payment.taxFreeAmount : 0;
  if (taxFree > cancel.amount || taxFree > payment.taxFreeAmount) {
    throw tossError('INVALID_REQUEST', '취소 면세금액이 취소 가능한 면세금액을 초과했습니다.');
  }
  if (cancel.isFull && payment.taxFreeAmount - taxFree !== 0) {
    throw tossError('INVALID_REQUEST', '전액 취소 시 면세금액 전체를 취소해야 합니다.');
  }
  if (payment.taxFreeAmount - taxFree > payment.balanceAmount - cancel.amount) {
    throw tossError('INVALID_REQUEST', '남은 면세금액이 남은 결제금액을 초과합니다.');
  }
  return taxFree;
}

/** Required only for virtual-account payments that were already deposited: the money goes back to this account. */
function assertRefundAccount(account: unknown): void {
  if (!account || typeof account !== 'object') {
    throw tossError('INVALID_REFUND_ACCOUNT_INFO', '입금된 가상계좌 결제의 취소에는 환불 계좌 정보가 필요합니다.');
  }
  const { bank, accountNumber, holderName } = account as Json;
  if (typeof bank !== 'string' || !BANK_CODES.has(bank)) throw tossError('INVALID_BANK');
  if (typeof accountNumber !== 'string' || !/^\d{1,20}$/.test(accountNumber))
    throw tossError('INVALID_REFUND_ACCOUNT_NUMBER');
  if (!isNonEmptyString(holderName, 60)) throw tossError('INVALID_REFUND_ACCOUNT_INFO');
}
