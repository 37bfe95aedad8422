import { tossError } from './toss-simulator.errors';
import {
  BANK_CODES,
  ORDER_ID_PATTERN,
  isNonEmptyString,
  isNonNegativeInteger,
  isPositiveInteger,
  newTransactionKey,
  newVirtualAccountSecret,
  parseKstLocal,
  randomDigits,
} from './toss-simulator.format';
import {
  DEFAULT_VALID_HOURS,
  HOUR_MS,
  type Json,
  MAX_VALID_HOURS,
  MINIMUM_AMOUNT,
  type PaymentRef,
} from './toss-simulator.model';
import type { TossPaymentBook } from './toss-simulator.payment-book';

/**
 * Virtual accounts issued by the server API, and the test hooks for what the bank does to any virtual account:
 * deposit, deposit error, expiry (docs/gateways/toss.md#server-issued-virtual-accounts).
 */
export class TossVirtualAccounts {
  constructor(private readonly book: TossPaymentBook) {}

  issueVirtualAccount(body: Json): Json {
    const { amount, orderId, orderName, customerName, bank, taxFreeAmount } = body;
    if (!isPositiveInteger(amount)) throw tossError('INVALID_REQUEST', 'amount는 1 이상의 정수여야 합니다.');
    if (typeof orderId !== 'string' || !ORDER_ID_PATTERN.test(orderId)) throw tossError('INVALID_ORDER_ID');
    if (!isNonEmptyString(orderName, 100)) throw tossError('INVALID_ORDER_NAME');
    if (!isNonEmptyString(customerName, 100))
      throw tossError('INVALID_REQUEST', 'customerName은 1자 이상 100자 이하여야 합니다.');
    if (typeof bank !== 'string' || !BANK_CODES.has(bank)) throw tossError('INVALID_BANK');
    const taxFree = taxFreeAmount ?? 0;
    if (!isNonNegativeInteger(taxFree) || taxFree > amount)
      throw tossError('INVALID_REQUEST', 'taxFreeAmount가 올바르지 않습니다.');
    const now = this.book.now();
    const due = dueDateOf(body, now);
    if (amount < MINIMUM_AMOUNT.VIRTUAL_ACCOUNT) throw tossError('BELOW_MINIMUM_AMOUNT');
    if (this.book.isOrderIdTaken(orderId)) throw tossError('DUPLICATED_ORDER_ID');

    const payment = this.book.newPayment({
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
    this.book.emitStatusChanged(payment);
    this.book.emitDepositCallback(payment);
    return this.book.toJson(payment);
  }

  /** The buyer transfers the money: DONE, a ledger row, DEPOSIT_CALLBACK then PAYMENT_STATUS_CHANGED. */
  deposit(ref: PaymentRef): void {
    const payment = this.book.resolveRef(ref, 'deposit');
    if (payment.method !== 'VIRTUAL_ACCOUNT' || payment.status !== 'WAITING_FOR_DEPOSIT' || !payment.virtualAccount) {
      throw new Error(
        `TossSimulator.deposit: payment ${payment.paymentKey} is not a virtual account waiting for deposit (status ${payment.status})`,
      );
    }
    if (payment.virtualAccount.expired) {
      throw new Error(`TossSimulator.deposit: the virtual account of payment ${payment.paymentKey} has expired`);
    }
    const now = this.book.now();
    payment.status = 'DONE';
    payment.approvedAt = now;
    payment.lastTransactionKey = newTransactionKey();
    this.book.appendLedger(payment, payment.lastTransactionKey, 'DONE', payment.totalAmount, now);
    this.book.emitDepositCallback(payment);
    this.book.emitStatusChanged(payment);
  }

  /** A deposit reversed by the bank moves DONE back to WAITING_FOR_DEPOSIT (API versions from 1.5 on). */
  depositError(ref: PaymentRef): void {
    const payment = this.book.resolveRef(ref, 'depositError');
    if (payment.method !== 'VIRTUAL_ACCOUNT' || payment.status !== 'DONE' || payment.cancels.length > 0) {
      throw new Error(
        `TossSimulator.depositError: payment ${payment.paymentKey} is not a deposited, uncanceled virtual account (status ${payment.status})`,
      );
    }
    payment.status = 'WAITING_FOR_DEPOSIT';
    payment.approvedAt = null;
    payment.lastTransactionKey = newTransactionKey();
    this.book.emitDepositCallback(payment);
    this.book.emitStatusChanged(payment);
  }

  /**
   * The due date passed: the payment stays WAITING_FOR_DEPOSIT and no webhook is sent; `expired: true` is our reading
   * of an undocumented detail (docs/gateways/toss.md#server-issued-virtual-accounts).
   */
  expireVirtualAccount(ref: PaymentRef): void {
    const payment = this.book.resolveRef(ref, 'expireVirtualAccount');
    if (!payment.virtualAccount) {
      throw new Error(`TossSimulator.expireVirtualAccount: payment ${payment.paymentKey} has no virtual account`);
    }
    payment.virtualAccount.expired = true;
  }
}

/** `dueDate` (KST wall-clock, at most 90 days ahead) or `validHours` (default 7 days), never both. */
function dueDateOf(body: Json, now: Date): Date {
  const { validHours, dueDate } = body;
  if (validHours !== undefined && validHours !== null && dueDate !== undefined && dueDate !== null) {
    throw tossError('INVALID_VALID_HOURS_WITH_DUE_DATE_AND_SINGLE');
  }
  if (dueDate !== undefined && dueDate !== null) {
    const parsed = typeof dueDate === 'string' ? parseKstLocal(dueDate) : undefined;
    if (!parsed || parsed.getTime() <= now.getTime()) throw tossError('INVALID_DATE');
    if (parsed.getTime() - now.getTime() > MAX_VALID_HOURS * HOUR_MS) throw tossError('EXCEED_MAX_DUE_DATE');
    return parsed;
  }
  const hours = validHours ?? DEFAULT_VALID_HOURS;
  if (!isPositiveInteger(hours)) throw tossError('INVALID_REQUEST', 'validHours는 1 이상의 정수여야 합니다.');
  if (hours > MAX_VALID_HOURS) throw tossError('EXCEED_MAX_VALID_HOURS');
  return new Date(now.getTime() + hours * HOUR_MS);
}
