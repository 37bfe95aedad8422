import { Inject, Injectable } from '@nestjs/common';
import { BillingKeysService } from './billing-keys/billing-keys.service';
import { CashReceiptsService } from './cash-receipts/cash-receipts.service';
import { PaymentSearch, type ListPaymentsDto, type PaymentPage } from './payments/payment-search';
import { assertTextArgument, assertUuidArgument } from './domain/validation';
import type { CheckoutParams } from './gateways/gateway.port';
import { StuckPaymentsRepair, type RepairResult, type StuckPaymentsOptions } from './jobs/stuck-payments.repair';
import { PaymentLedger } from './ledger/payment-ledger';
import type { ResolvedPaymentsOptions } from './payments.options';
import { PAYMENTS_RESOLVED_OPTIONS } from './payments.tokens';
import type {
  CancelDto,
  ChargeBillingKeyDto,
  ConfirmDto,
  IssueBillingKeyDto,
  IssueCashReceiptDto,
  PrepareDto,
} from './payments.dto';
import { CheckoutService, type ConfirmOptions } from './payments/checkout.service';
import { PaymentSyncService } from './payments/payment-sync.service';
import {
  toBillingKeyView,
  toCashReceiptView,
  toPaymentCancelView,
  toPaymentView,
  type BillingKeyView,
  type CashReceiptView,
  type PaymentCancelView,
  type PaymentView,
} from './payments.views';
import { RefundsService } from './refunds/refunds.service';

export type { ConfirmOptions } from './payments/checkout.service';

/** The stored READY payment and what the front end hands to the gateway's window / SDK / form. */
export interface PrepareResult {
  payment: PaymentView;
  checkout: CheckoutParams;
}

/** A page of `PaymentsService.list`: views of the payments, newest first, and the cursor of the next page. */
export type PaymentViewPage = Omit<PaymentPage, 'items'> & { items: PaymentView[] };

/**
 * The class apps inject: one entry point over the per-aggregate services (see docs/architecture.md). Every method
 * validates its input first (nothing is written for bad input) and returns views of the stored rows
 * (payments.views.ts): never the gateway's body (`getRaw` is there for audits), version counters, key ids, hashes or
 * ciphertexts. All amounts are integer KRW. Id arguments must be UUIDs and text arguments well-formed text: anything
 * else is an InvalidInputError naming the argument.
 */
@Injectable()
export class PaymentsService {
  constructor(
    private readonly checkout: CheckoutService,
    private readonly payments: PaymentSyncService,
    private readonly ledger: PaymentLedger,
    private readonly refunds: RefundsService,
    private readonly billingKeys: BillingKeysService,
    private readonly cashReceipts: CashReceiptsService,
    private readonly repair: StuckPaymentsRepair,
    private readonly search: PaymentSearch,
    @Inject(PAYMENTS_RESOLVED_OPTIONS) private readonly options: ResolvedPaymentsOptions,
  ) {}

  /** Stores a READY payment and returns what the front end hands to the gateway's window / SDK / form. */
  async prepare(input: PrepareDto): Promise<PrepareResult> {
    const { payment, checkout } = await this.checkout.prepare(input);
    return { payment: toPaymentView(payment), checkout };
  }

  /**
   * Approves a prepared payment with what the browser brought back. Exactly one of any number of concurrent confirms
   * reaches the gateway; a lost answer leaves the payment UNKNOWN and throws `PaymentOutcomeUnknownError`. A confirm
   * of a payment already approved answers it (idempotent); of one that ended unpaid (FAILED, EXPIRED, CANCELED) throws
   * `PaymentAlreadyFinalError`. `options.onPending` decides whether a confirm still in flight elsewhere is answered.
   */
  async confirm(input: ConfirmDto, options?: ConfirmOptions): Promise<PaymentView> {
    return toPaymentView(await this.checkout.confirm(input, options));
  }

  /** Confirms from the fields a payment window POSTed to the merchant's returnUrl (NicePay, KISPG). */
  async confirmReturn(gateway: string, body: Record<string, unknown>, options?: ConfirmOptions): Promise<PaymentView> {
    assertTextArgument(gateway, 'gateway', 32);
    return toPaymentView(await this.checkout.confirmReturn(gateway, body, options));
  }

  /** Payments newest first, filtered by gateway, status, customer and creation time; keyset pages (`nextCursor`). */
  async list(filters: ListPaymentsDto = {}): Promise<PaymentViewPage> {
    const page = await this.search.list(filters);
    return { ...page, items: page.items.map(toPaymentView) };
  }

  async get(paymentId: string): Promise<PaymentView> {
    assertUuidArgument(paymentId, 'paymentId');
    return toPaymentView(await this.ledger.findById(paymentId));
  }

  async getByOrderId(gateway: string, orderId: string): Promise<PaymentView> {
    assertTextArgument(gateway, 'gateway', 32);
    assertTextArgument(orderId, 'orderId', 64);
    return toPaymentView(await this.ledger.findByOrderId(gateway, orderId));
  }

  /**
   * The gateway's last answer about the payment as stored: scrubbed by the HTTP layer (no secrets, card numbers or
   * billing keys), in the gateway's own shape, null before any answer. For audits and support, not for logic.
   */
  async getRaw(paymentId: string): Promise<unknown> {
    assertUuidArgument(paymentId, 'paymentId');
    return (await this.ledger.findById(paymentId)).raw ?? null;
  }

  /** Re-reads the payment at its gateway and applies that truth (resolves UNKNOWN payments and cancels). */
  async sync(paymentId: string): Promise<PaymentView> {
    assertUuidArgument(paymentId, 'paymentId');
    return toPaymentView(await this.payments.sync(paymentId));
  }

  /**
   * Runs the repair job once (what `jobs.repair.enabled` runs on a timer): every payment or cancel whose outcome we do
   * not know is ended at the gateway's truth, expired virtual accounts and abandoned checkouts are closed.
   */
  syncStuckPayments(options: StuckPaymentsOptions = {}): Promise<RepairResult[]> {
    return this.repair.run(options, this.options.jobs.repair.batchSize);
  }

  /** Cancels all that is left (no amount) or part of a payment; never more than was paid, however many run at once. */
  async cancel(input: CancelDto): Promise<PaymentCancelView> {
    return toPaymentCancelView(await this.refunds.cancel(input));
  }

  async listCancels(paymentId: string): Promise<PaymentCancelView[]> {
    assertUuidArgument(paymentId, 'paymentId');
    return (await this.refunds.listCancels(paymentId)).map(toPaymentCancelView);
  }

  async issueBillingKey(input: IssueBillingKeyDto): Promise<BillingKeyView> {
    return toBillingKeyView(await this.billingKeys.issue(input));
  }

  async getBillingKey(billingKeyId: string): Promise<BillingKeyView> {
    assertUuidArgument(billingKeyId, 'billingKeyId');
    return toBillingKeyView(await this.billingKeys.get(billingKeyId));
  }

  /** Charges a stored billing key; an `idempotencyKey` makes a retried charge find the same payment. */
  async chargeBillingKey(input: ChargeBillingKeyDto): Promise<PaymentView> {
    return toPaymentView(await this.billingKeys.charge(input));
  }

  async deleteBillingKey(billingKeyId: string): Promise<BillingKeyView> {
    assertUuidArgument(billingKeyId, 'billingKeyId');
    return toBillingKeyView(await this.billingKeys.delete(billingKeyId));
  }

  async issueCashReceipt(input: IssueCashReceiptDto): Promise<CashReceiptView> {
    return toCashReceiptView(await this.cashReceipts.issue(input));
  }

  async cancelCashReceipt(receiptId: string, reason?: string): Promise<CashReceiptView> {
    assertUuidArgument(receiptId, 'cashReceiptId');
    if (reason !== undefined) assertTextArgument(reason, 'reason', 200);
    return toCashReceiptView(await this.cashReceipts.cancel(receiptId, reason));
  }

  async getCashReceipt(receiptId: string): Promise<CashReceiptView> {
    assertUuidArgument(receiptId, 'cashReceiptId');
    return toCashReceiptView(await this.cashReceipts.get(receiptId));
  }
}
