import { TossBilling } from './toss-simulator.billing';
import { TossCashReceipts } from './toss-simulator.cash-receipts';
import type { Json, PaymentRef, PaymentWindowInput, TossStoreOptions } from './toss-simulator.model';
import { type SeededTransaction, TossPaymentBook } from './toss-simulator.payment-book';
import { TossPayments } from './toss-simulator.payments';
import { TossVirtualAccounts } from './toss-simulator.virtual-accounts';

export type { PaymentRef, PaymentWindowInput, TossMethod, TossPaymentStatus } from './toss-simulator.model';
export type { SeededTransaction } from './toss-simulator.payment-book';

/**
 * The simulated Toss merchant account (docs/gateways/toss.md#simulator): one entry point for the HTTP layer and the
 * test hooks, over its parts: the payment book and ledger, one-time payments, virtual accounts, billing keys and cash
 * receipts. Every operation either applies a whole change or throws a `TossApiError` having changed nothing.
 */
export class TossSimulatorStore {
  private readonly book: TossPaymentBook;
  private readonly payments: TossPayments;
  private readonly virtualAccounts: TossVirtualAccounts;
  private readonly billing: TossBilling;
  private readonly cashReceipts: TossCashReceipts;

  constructor(options: TossStoreOptions) {
    this.book = new TossPaymentBook(options);
    this.payments = new TossPayments(this.book);
    this.virtualAccounts = new TossVirtualAccounts(this.book);
    this.billing = new TossBilling(this.book);
    this.cashReceipts = new TossCashReceipts(this.book);
  }

  reset(): void {
    this.book.reset();
    this.billing.reset();
    this.cashReceipts.reset();
  }

  // ---- simulated browser windows ---------------------------------------------------------------------------

  authenticatePayment(input: PaymentWindowInput): { paymentKey: string; orderId: string; amount: number } {
    return this.payments.authenticatePayment(input);
  }

  authenticateBilling(input: { customerKey: string; clientKey?: string; cardNumber?: string }): {
    customerKey: string;
    authKey: string;
  } {
    return this.billing.authenticateBilling(input);
  }

  // ---- payments --------------------------------------------------------------------------------------------

  confirm(body: Json): Json {
    return this.payments.confirm(body);
  }

  getPayment(paymentKey: string): Json {
    return this.payments.getPayment(paymentKey);
  }

  getPaymentByOrderId(orderId: string): Json {
    return this.payments.getPaymentByOrderId(orderId);
  }

  /** The payment as GET would show it, or undefined (test observation API). */
  peekPayment(paymentKey: string): Json | undefined {
    return this.payments.peekPayment(paymentKey);
  }

  cancel(paymentKey: string, body: Json): Json {
    return this.payments.cancel(paymentKey, body);
  }

  // ---- virtual accounts ------------------------------------------------------------------------------------

  issueVirtualAccount(body: Json): Json {
    return this.virtualAccounts.issueVirtualAccount(body);
  }

  deposit(ref: PaymentRef): void {
    this.virtualAccounts.deposit(ref);
  }

  depositError(ref: PaymentRef): void {
    this.virtualAccounts.depositError(ref);
  }

  expireVirtualAccount(ref: PaymentRef): void {
    this.virtualAccounts.expireVirtualAccount(ref);
  }

  // ---- billing keys ----------------------------------------------------------------------------------------

  issueBillingKey(body: Json): Json {
    return this.billing.issueBillingKey(body);
  }

  chargeBilling(billingKey: string, body: Json): Json {
    return this.billing.chargeBilling(billingKey, body);
  }

  deleteBilling(billingKey: string): void {
    this.billing.deleteBilling(billingKey);
  }

  // ---- cash receipts and transactions ----------------------------------------------------------------------

  issueCashReceipt(body: Json): Json {
    return this.cashReceipts.issueCashReceipt(body);
  }

  cancelCashReceipt(receiptKey: string, body: Json): Json {
    return this.cashReceipts.cancelCashReceipt(receiptKey, body);
  }

  listCashReceipts(query: Record<string, string>): Json {
    return this.cashReceipts.listCashReceipts(query);
  }

  listTransactions(query: Record<string, string>): Json[] {
    return this.book.listTransactions(query);
  }

  /** Bulk seed of payments and their approval transactions (see TossPaymentBook.seedTransactions). */
  seedTransactions(rows: readonly SeededTransaction[]): void {
    this.book.seedTransactions(rows);
  }
}
