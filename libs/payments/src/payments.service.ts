import { Inject, Injectable } from '@nestjs/common';
import { BillingKeysService } from './billing-keys/billing-keys.service';
import { CashReceiptsService } from './cash-receipts/cash-receipts.service';
import { assertTextArgument, assertUuidArgument } from './domain/validation';
import type { BillingKey } from './entities/billing-key.entity';
import type { CashReceipt } from './entities/cash-receipt.entity';
import type { PaymentCancel } from './entities/payment-cancel.entity';
import type { Payment } from './entities/payment.entity';
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
import { CheckoutService, type PrepareResult } from './payments/checkout.service';
import { PaymentSyncService } from './payments/payment-sync.service';
import { RefundsService } from './refunds/refunds.service';

export type { PrepareResult } from './payments/checkout.service';

/**
 * The class apps inject: one entry point over the per-aggregate services (see docs/architecture.md). Every method
 * validates its input first (nothing is written for bad input) and returns stored rows, never raw gateway bodies.
 * All amounts are integer KRW. Id arguments must be UUIDs and text arguments well-formed text: anything else is an
 * InvalidInputError naming the argument.
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
    @Inject(PAYMENTS_RESOLVED_OPTIONS) private readonly options: ResolvedPaymentsOptions,
  ) {}

  /** Stores a READY payment and returns what the front end hands to the gateway's window / SDK / form. */
  prepare(input: PrepareDto): Promise<PrepareResult> {
    return this.checkout.prepare(input);
  }

  /**
   * Approves a prepared payment with what the browser brought back. Exactly one of any number of concurrent confirms
   * reaches the gateway; a lost answer leaves the payment UNKNOWN and throws `PaymentOutcomeUnknownError`.
   */
  confirm(input: ConfirmDto): Promise<Payment> {
    return this.checkout.confirm(input);
  }

  /** Confirms from the fields a payment window POSTed to the merchant's returnUrl (NicePay, KISPG). */
  async confirmReturn(gateway: string, body: Record<string, unknown>): Promise<Payment> {
    assertTextArgument(gateway, 'gateway', 32);
    return this.checkout.confirmReturn(gateway, body);
  }

  async get(paymentId: string): Promise<Payment> {
    assertUuidArgument(paymentId, 'paymentId');
    return this.ledger.findById(paymentId);
  }

  async getByOrderId(gateway: string, orderId: string): Promise<Payment> {
    assertTextArgument(gateway, 'gateway', 32);
    assertTextArgument(orderId, 'orderId', 64);
    return this.ledger.findByOrderId(gateway, orderId);
  }

  /** Re-reads the payment at its gateway and applies that truth (resolves UNKNOWN payments and cancels). */
  async sync(paymentId: string): Promise<Payment> {
    assertUuidArgument(paymentId, 'paymentId');
    return this.payments.sync(paymentId);
  }

  /**
   * Runs the repair job once (what `jobs.repair.enabled` runs on a timer): every payment or cancel whose outcome we do
   * not know is ended at the gateway's truth, expired virtual accounts and abandoned checkouts are closed.
   */
  syncStuckPayments(options: StuckPaymentsOptions = {}): Promise<RepairResult[]> {
    return this.repair.run(options, this.options.jobs.repair.batchSize);
  }

  /** Cancels all that is left (no amount) or part of a payment; never more than was paid, however many run at once. */
  cancel(input: CancelDto): Promise<PaymentCancel> {
    return this.refunds.cancel(input);
  }

  async listCancels(paymentId: string): Promise<PaymentCancel[]> {
    assertUuidArgument(paymentId, 'paymentId');
    return this.refunds.listCancels(paymentId);
  }

  issueBillingKey(input: IssueBillingKeyDto): Promise<BillingKey> {
    return this.billingKeys.issue(input);
  }

  async getBillingKey(billingKeyId: string): Promise<BillingKey> {
    assertUuidArgument(billingKeyId, 'billingKeyId');
    return this.billingKeys.get(billingKeyId);
  }

  /** Charges a stored billing key; an `idempotencyKey` makes a retried charge find the same payment. */
  chargeBillingKey(input: ChargeBillingKeyDto): Promise<Payment> {
    return this.billingKeys.charge(input);
  }

  async deleteBillingKey(billingKeyId: string): Promise<BillingKey> {
    assertUuidArgument(billingKeyId, 'billingKeyId');
    return this.billingKeys.delete(billingKeyId);
  }

  issueCashReceipt(input: IssueCashReceiptDto): Promise<CashReceipt> {
    return this.cashReceipts.issue(input);
  }

  async cancelCashReceipt(receiptId: string, reason?: string): Promise<CashReceipt> {
    assertUuidArgument(receiptId, 'cashReceiptId');
    if (reason !== undefined) assertTextArgument(reason, 'reason', 200);
    return this.cashReceipts.cancel(receiptId, reason);
  }

  async getCashReceipt(receiptId: string): Promise<CashReceipt> {
    assertUuidArgument(receiptId, 'cashReceiptId');
    return this.cashReceipts.get(receiptId);
  }
}
