import { Inject, Injectable, Logger, type LoggerService } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import { DataSource, QueryFailedError } from 'typeorm';
import { FieldCipher } from './crypto/field-cipher';
import { answerDisagrees, approvalOutcome } from './domain/approval-outcome';
import { systemClock, type PaymentsClock } from './domain/clock';
import {
  AmountMismatchError,
  CancelAmountExceedsBalanceError,
  DuplicateOrderError,
  GatewayUnavailableError,
  InvalidInputError,
  InvalidPaymentStateError,
  NotFoundError,
  OrderMismatchError,
  PaymentKeyMismatchError,
  PaymentNetCanceledError,
  PaymentOutcomeUnknownError,
  PaymentsError,
  UnsupportedOperationError,
} from './domain/errors';
import { derivedOrderId, idempotencyKeys, newId, newOrderId } from './domain/ids';
import { assertNonNegativeKrw } from './domain/money';
import { BillingKeyStatus, CashReceiptStatus, PaymentStatus } from './domain/payment-status';
import { validateDto } from './domain/validation';
import { BillingKey } from './entities/billing-key.entity';
import { CashReceipt } from './entities/cash-receipt.entity';
import { PaymentCancel } from './entities/payment-cancel.entity';
import { Payment } from './entities/payment.entity';
import { GatewayRegistry } from './gateways/gateway-registry';
import type {
  CheckoutParams,
  GatewayPaymentTruth,
  PaymentGateway,
  PaymentLookup,
  PreparedPayment,
  UnknownApprovalResolution,
} from './gateways/gateway.port';
import { PaymentLedger } from './ledger/payment-ledger';
import {
  CancelDto,
  ChargeBillingKeyDto,
  ConfirmDto,
  IssueBillingKeyDto,
  IssueCashReceiptDto,
  PrepareDto,
} from './payments.dto';
import { PAYMENTS_DATA_SOURCE, PAYMENTS_RESOLVED_OPTIONS } from './payments.tokens';
import type { ResolvedPaymentsOptions } from './payments.options';

export interface PrepareResult {
  payment: Payment;
  checkout: CheckoutParams;
}

const BILLING_KEY_AAD = 'billing_keys.billing_key';
const IDENTITY_NUMBER_AAD = 'cash_receipts.identity_number';

/**
 * The facade apps inject (DESIGN.md §2). Every method validates its input first (nothing is written for bad
 * input), returns stored rows, never raw gateway bodies, and follows the lifecycle rules of DESIGN.md §3:
 * compare-and-set before every gateway call, no transaction across a call, idempotency keys derived from our ids,
 * lost answers become UNKNOWN, and every gateway truth goes through `PaymentLedger.apply`.
 */
@Injectable()
export class PaymentsService {
  private readonly ledger: PaymentLedger;
  private readonly clock: PaymentsClock;
  private readonly logger: LoggerService;

  constructor(
    @Inject(PAYMENTS_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(PAYMENTS_RESOLVED_OPTIONS) options: ResolvedPaymentsOptions,
    private readonly gateways: GatewayRegistry,
    private readonly cipher: FieldCipher,
  ) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? new Logger('KrPayments');
    this.ledger = new PaymentLedger(dataSource, this.clock, this.logger);
  }

  // ---------------------------------------------------------------- one-time payments

  /** Stores a READY payment and returns what the front end hands to the gateway's window / SDK / form. */
  async prepare(input: PrepareDto): Promise<PrepareResult> {
    const dto = validateDto(PrepareDto, input);
    const gateway = this.gateways.get(dto.gateway);
    const taxFreeAmount = dto.taxFreeAmount ?? 0;
    if (taxFreeAmount > dto.amount) throw new InvalidInputError('taxFreeAmount', 'must not exceed amount');
    const payment = this.newReadyPayment({
      gateway: gateway.name,
      orderId: dto.orderId ?? newOrderId(),
      type: 'NORMAL',
      method: dto.method ?? null,
      amount: dto.amount,
      taxFreeAmount,
      orderName: dto.orderName,
      customer: dto.customer,
      metadata: dto.metadata,
    });
    await this.insertPayment(payment);

    let checkout: CheckoutParams;
    try {
      checkout = await gateway.prepare({
        paymentId: payment.id,
        orderId: payment.orderId,
        amount: payment.amount,
        taxFreeAmount,
        orderName: payment.orderName,
        method: dto.method,
        customer: dto.customer,
        returnUrl: dto.returnUrl,
        failUrl: dto.failUrl,
        extra: dto.extra,
      });
    } catch (error) {
      await this.undoPrepare(payment, error);
      throw error;
    }
    const { truth, ...browserCheckout } = checkout;
    if (truth) {
      // The gateway already created the payment (server-issued virtual account): apply it like any other truth.
      return { payment: await this.apply(payment, truth, 'confirm'), checkout: browserCheckout };
    }
    if (checkout.paymentKey) {
      await this.dataSource.manager.update(Payment, { id: payment.id }, { gatewayPaymentKey: checkout.paymentKey });
      payment.gatewayPaymentKey = checkout.paymentKey;
    }
    return { payment, checkout: browserCheckout };
  }

  /**
   * Approves a prepared payment with what the browser brought back. Checks amount/orderId (and the gateway's
   * signatures) before any call; exactly one of any number of concurrent confirms reaches the gateway, the others
   * get the current state. A lost answer leaves the payment UNKNOWN and throws `PaymentOutcomeUnknownError`.
   */
  async confirm(input: ConfirmDto): Promise<Payment> {
    const dto = validateDto(ConfirmDto, input);
    const gateway = this.gateways.get(dto.gateway);
    const payment = await this.ledger.findByOrderId(gateway.name, dto.orderId);
    if (dto.amount !== payment.amount) {
      throw new AmountMismatchError(payment.amount, dto.amount, { paymentId: payment.id, gateway: gateway.name });
    }
    const prepared = this.toPrepared(payment);
    const confirmInput = { orderId: dto.orderId, amount: dto.amount, paymentKey: dto.paymentKey, authResult: dto.authResult, payToken: dto.payToken };
    gateway.verifyConfirmInput(prepared, confirmInput);

    if (payment.status === PaymentStatus.UNKNOWN) {
      // A retry after a lost answer: learn what the gateway did before sending anything again.
      const synced = await this.sync(payment.id);
      if (synced.status !== PaymentStatus.UNKNOWN) return synced;
      if (!(await this.ledger.compareAndSetStatus(payment.id, [PaymentStatus.UNKNOWN], PaymentStatus.IN_PROGRESS))) {
        return this.ledger.findById(payment.id);
      }
    } else if (payment.status === PaymentStatus.READY) {
      const won = await this.ledger.compareAndSetStatus(payment.id, [PaymentStatus.READY], PaymentStatus.IN_PROGRESS, {
        gatewayPaymentKey: dto.paymentKey ?? dto.payToken ?? payment.gatewayPaymentKey,
      });
      if (!won) return this.ledger.findById(payment.id);
    } else {
      return payment; // already confirmed, in flight, or finished: the current state is the answer
    }

    return this.runApproval(payment, gateway, 'confirm', () =>
      gateway.approve({ prepared, input: confirmInput, idempotencyKey: idempotencyKeys.confirm(payment.id) }),
    );
  }

  /**
   * Confirms from what a payment window POSTed to the merchant's returnUrl (NicePay, KISPG), in the gateway's own
   * field names. The gateway maps the body (orderId, amount, its signature fields) and `confirm` checks it against
   * the prepared payment as usual. Redirect-form returnUrl routes lose session cookies (SameSite, nicepay.md §8.14),
   * so everything needed is in the body: this route can be stateless.
   */
  async confirmReturn(gatewayName: string, body: Record<string, unknown>): Promise<Payment> {
    const gateway = this.gateways.get(gatewayName);
    if (!gateway.confirmInputFromReturn) throw new UnsupportedOperationError(gateway.name, 'confirmReturn');
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new InvalidInputError('body', 'must be the returnUrl POST fields');
    const input = gateway.confirmInputFromReturn(body);
    return this.confirm({
      gateway: gateway.name,
      orderId: input.orderId,
      amount: input.amount,
      paymentKey: input.paymentKey,
      payToken: input.payToken,
      authResult: input.authResult,
    });
  }

  async get(paymentId: string): Promise<Payment> {
    return this.ledger.findById(paymentId);
  }

  async getByOrderId(gateway: string, orderId: string): Promise<Payment> {
    return this.ledger.findByOrderId(gateway, orderId);
  }

  async listCancels(paymentId: string): Promise<PaymentCancel[]> {
    return this.dataSource.manager.find(PaymentCancel, { where: { paymentId }, order: { createdAt: 'ASC' } });
  }

  /**
   * Re-reads the payment at its gateway and applies that truth. Resolves UNKNOWN payments and UNKNOWN cancels
   * (a cancel the gateway has no record of is released).
   */
  async sync(paymentId: string): Promise<Payment> {
    const payment = await this.ledger.findById(paymentId);
    const gateway = this.gateways.get(payment.gateway);
    if (payment.status === PaymentStatus.UNKNOWN && gateway.resolveUnknownApproval) {
      return this.resolveUnknownApproval(payment, gateway);
    }
    const truth = await gateway.getPayment(this.toLookup(payment));
    return this.apply(payment, truth, 'sync');
  }

  /**
   * An UNKNOWN approval at a gateway with a policy for lost answers (NicePay: net-cancel within the hour, or query
   * first). Applies what the gateway did and records it on the row (`failureCode` NET_CANCELED when it reversed the
   * approval), so the next reader knows why a payment the buyer saw succeed is canceled.
   */
  private async resolveUnknownApproval(payment: Payment, gateway: PaymentGateway): Promise<Payment> {
    const resolve = gateway.resolveUnknownApproval as NonNullable<PaymentGateway['resolveUnknownApproval']>;
    const resolution: UnknownApprovalResolution = await resolve.call(gateway, {
      prepared: this.toPrepared(payment),
      paymentKey: payment.gatewayPaymentKey,
      approvalSentAt: payment.updatedAt,
      idempotencyKey: idempotencyKeys.netCancel(payment.id),
    });
    const applied = await this.apply(payment, resolution.truth, 'sync');
    if (resolution.action === 'net-cancel' && applied.status === PaymentStatus.CANCELED) {
      const message = `${gateway.name} approval answer was lost; net-canceled per policy`;
      await this.ledger.compareAndSetStatus(applied.id, [PaymentStatus.CANCELED], PaymentStatus.CANCELED, {
        failureCode: 'NET_CANCELED',
        failureMessage: message,
      });
      this.logger.warn?.(`payment ${payment.id} (${gateway.name} ${payment.orderId}): ${message}`);
      return this.ledger.findById(applied.id);
    }
    return applied;
  }

  /**
   * Repair job: re-reads every payment whose outcome we do not know — UNKNOWN, IN_PROGRESS for longer than
   * `olderThanMs` (the process died mid-call), or holding an UNKNOWN cancel — and applies the gateway's truth.
   * An IN_PROGRESS payment the gateway never approved becomes UNKNOWN, so a confirm retry may re-approve it.
   * Safe to run on every replica at once: every write is a compare-and-set or goes through `apply`.
   */
  async syncStuckPayments(options: { olderThanMs?: number; limit?: number } = {}): Promise<Array<{ paymentId: string; status?: PaymentStatus; error?: string }>> {
    const olderThan = new Date(this.clock.now().getTime() - (options.olderThanMs ?? 60_000));
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `SELECT DISTINCT p.id, p.updated_at FROM payments p
        LEFT JOIN payment_cancels c ON c.payment_id = p.id AND c.status IN ('UNKNOWN', 'PENDING') AND c.updated_at < $2
        WHERE (p.status = 'UNKNOWN' OR (p.status = 'IN_PROGRESS' AND p.updated_at < $2) OR c.id IS NOT NULL)
          AND p.gateway = ANY($1)
        ORDER BY p.updated_at ASC LIMIT $3`,
      [this.gateways.names(), olderThan, options.limit ?? 100],
    );
    const results: Array<{ paymentId: string; status?: PaymentStatus; error?: string }> = [];
    for (const { id } of rows) {
      try {
        let payment = await this.sync(id);
        if (payment.status === PaymentStatus.IN_PROGRESS && payment.updatedAt < olderThan) {
          await this.ledger.recordFailure(id, [PaymentStatus.IN_PROGRESS], PaymentStatus.UNKNOWN, 'STUCK_IN_PROGRESS', 'approval never completed; confirm again to retry');
          payment = await this.ledger.findById(id);
        }
        results.push({ paymentId: id, status: payment.status });
      } catch (error) {
        results.push({ paymentId: id, error: error instanceof PaymentsError ? error.code : error instanceof Error ? error.message : String(error) });
      }
    }
    return results;
  }

  /** Applies a gateway truth obtained elsewhere (webhooks, reconciliation). */
  async applyGatewayTruth(paymentId: string, truth: GatewayPaymentTruth, source: 'webhook' | 'sync' = 'webhook'): Promise<Payment> {
    const payment = await this.ledger.findById(paymentId);
    return this.apply(payment, truth, source);
  }

  /**
   * Cancels all that is left (no amount) or part of a payment. The amount is reserved in the same statement that
   * checks `canceled + pending + amount <= total`, so concurrent partial cancels can never refund more than was
   * paid. A lost answer keeps the reservation (status UNKNOWN on the cancel) until `sync` resolves it.
   */
  async cancel(input: CancelDto): Promise<PaymentCancel> {
    const dto = validateDto(CancelDto, input);
    const payment = await this.findForCancel(dto);
    const gateway = this.gateways.get(payment.gateway);

    if (dto.idempotencyKey) {
      const existing = await this.ledger.findCancel(payment.id, dto.idempotencyKey);
      if (existing) return existing;
    }
    if (payment.status !== PaymentStatus.PAID && payment.status !== PaymentStatus.PARTIALLY_CANCELED) {
      throw new InvalidPaymentStateError(payment.id, payment.status, 'cancel');
    }
    const cancelable = payment.amount - payment.canceledAmount - payment.pendingCancelAmount;
    const amount = dto.amount ?? cancelable;
    if (amount <= 0 || amount > cancelable) {
      throw new CancelAmountExceedsBalanceError(dto.amount ?? 0, cancelable, { paymentId: payment.id });
    }
    if (amount < cancelable + payment.pendingCancelAmount && !gateway.capabilities.partialCancel) {
      throw new InvalidInputError('amount', `${gateway.name} supports full cancels only (remaining ${cancelable})`);
    }
    const taxFreeAmount = dto.taxFreeAmount ?? 0;
    assertNonNegativeKrw(taxFreeAmount, 'taxFreeAmount');
    if (taxFreeAmount > amount) throw new InvalidInputError('taxFreeAmount', 'must not exceed the cancel amount');

    const cancelId = newId();
    const idempotencyKey = dto.idempotencyKey ?? idempotencyKeys.cancel(cancelId);
    let cancel: PaymentCancel | null;
    try {
      cancel = await this.ledger.reserveCancel({
        cancelId,
        paymentId: payment.id,
        amount,
        taxFreeAmount,
        reason: dto.reason,
        idempotencyKey,
        refundAccount: dto.refundAccount
          ? {
              bankCode: dto.refundAccount.bankCode,
              accountNumberMasked: maskAccount(dto.refundAccount.accountNumber),
              holderName: dto.refundAccount.holderName,
            }
          : null,
      });
    } catch (error) {
      if (isUniqueViolation(error) && dto.idempotencyKey) {
        const existing = await this.ledger.findCancel(payment.id, dto.idempotencyKey);
        if (existing) return existing;
      }
      throw error;
    }
    if (!cancel) {
      const current = await this.ledger.findById(payment.id);
      if (current.status !== PaymentStatus.PAID && current.status !== PaymentStatus.PARTIALLY_CANCELED) {
        throw new InvalidPaymentStateError(current.id, current.status, 'cancel');
      }
      throw new CancelAmountExceedsBalanceError(amount, current.amount - current.canceledAmount - current.pendingCancelAmount, {
        paymentId: payment.id,
      });
    }

    const balanceBefore = payment.amount - payment.canceledAmount;
    try {
      const result = await gateway.cancel({
        prepared: this.toPrepared(payment),
        paymentKey: payment.gatewayPaymentKey ?? '',
        cancelId: cancel.id,
        amount,
        isFull: amount === balanceBefore,
        balanceBefore,
        taxFreeAmount,
        reason: dto.reason,
        refundAccount: dto.refundAccount,
        idempotencyKey,
      });
      await this.apply(payment, result.payment, 'cancel', { settleCancel: { cancelId: cancel.id, cancel: result.cancel } });
    } catch (error) {
      if ((error instanceof GatewayUnavailableError && error.requestSent) || (error instanceof PaymentsError && answerDisagrees(error))) {
        await this.ledger.markCancelUnknown(cancel.id, error.message);
        throw new PaymentOutcomeUnknownError(payment.id, gateway.name, `cancel ${cancel.id}: ${error.gatewayCode ?? error.message}`, {
          cause: error,
          gatewayCode: error.gatewayCode,
          gatewayMessage: error.gatewayMessage,
        });
      }
      if (error instanceof InvalidInputError || error instanceof UnsupportedOperationError) {
        // The adapter refused the input before sending anything (a reason outside the gateway's charset, a partial
        // refund it cannot do): no trace, like any other bad input.
        await this.ledger.discardCancel(cancel.id);
      } else if (error instanceof PaymentsError) {
        await this.ledger.failCancel(cancel.id, error.gatewayCode ?? error.code, error.gatewayMessage ?? error.message);
      }
      throw error;
    }
    return (await this.ledger.findCancelById(cancel.id)) as PaymentCancel;
  }

  // ---------------------------------------------------------------- billing keys

  async issueBillingKey(input: IssueBillingKeyDto): Promise<BillingKey> {
    const dto = validateDto(IssueBillingKeyDto, input);
    const gateway = this.gateways.get(dto.gateway);
    if (!dto.authKey && !dto.card) throw new InvalidInputError('authKey', 'authKey or card is required');
    const id = newId();
    const truth = await gateway.issueBillingKey({
      customerKey: dto.customerKey,
      authKey: dto.authKey,
      card: dto.card,
      customer: dto.customer,
      idempotencyKey: idempotencyKeys.billingIssue(id),
    });
    const encrypted = this.cipher.encrypt(truth.billingKey, BILLING_KEY_AAD);
    const row = this.dataSource.manager.create(BillingKey, {
      id,
      gateway: gateway.name,
      customerKey: truth.customerKey || dto.customerKey,
      billingKeyCiphertext: encrypted.ciphertext,
      keyId: encrypted.keyId,
      billingKeyHash: this.cipher.lookupHash(truth.billingKey, BILLING_KEY_AAD),
      status: BillingKeyStatus.ACTIVE,
      method: truth.method ?? null,
      cardIssuerCode: truth.card?.issuerCode ?? null,
      cardNumberMasked: truth.card?.maskedNumber ?? null,
      cardType: truth.card?.cardType ?? null,
      authenticatedAt: truth.authenticatedAt ?? this.clock.now(),
      deletedAt: null,
      raw: truth.raw,
    });
    const saved = await this.dataSource.manager.save(row);
    delete (saved as Partial<BillingKey>).billingKeyCiphertext;
    return saved;
  }

  async getBillingKey(billingKeyId: string): Promise<BillingKey> {
    const row = await this.dataSource.manager.findOne(BillingKey, { where: { id: billingKeyId } });
    if (!row) throw new NotFoundError('billing_key', billingKeyId);
    return row;
  }

  /**
   * Charges a stored billing key. With an `idempotencyKey` (e.g. `sub_42_2026-11`) the orderId and the outbound
   * idempotency key are derived from it, so a retried cycle — on this replica or another — finds the same payment
   * row and can never charge twice (toss.md §7.7).
   */
  async chargeBillingKey(input: ChargeBillingKeyDto): Promise<Payment> {
    const dto = validateDto(ChargeBillingKeyDto, input);
    const billingKey = await this.loadBillingKeySecret(dto.billingKeyId);
    if (billingKey.row.status !== BillingKeyStatus.ACTIVE) {
      throw new InvalidInputError('billingKeyId', `billing key ${dto.billingKeyId} is ${billingKey.row.status}`);
    }
    const gateway = this.gateways.get(billingKey.row.gateway);
    const taxFreeAmount = dto.taxFreeAmount ?? 0;
    if (taxFreeAmount > dto.amount) throw new InvalidInputError('taxFreeAmount', 'must not exceed amount');
    const orderId =
      dto.orderId ?? (dto.idempotencyKey ? derivedOrderId('bill', dto.billingKeyId, dto.idempotencyKey) : newOrderId('bill'));

    let payment = this.newReadyPayment({
      gateway: gateway.name,
      orderId,
      type: 'BILLING',
      method: billingKey.row.method,
      amount: dto.amount,
      taxFreeAmount,
      orderName: dto.orderName,
      customer: { ...dto.customer, customerKey: billingKey.row.customerKey },
      metadata: dto.metadata,
      billingKeyId: billingKey.row.id,
    });
    try {
      await this.insertPayment(payment);
    } catch (error) {
      if (!(error instanceof DuplicateOrderError)) throw error;
      const existing = await this.ledger.findByOrderId(gateway.name, orderId);
      if (existing.billingKeyId !== billingKey.row.id || existing.amount !== dto.amount) throw error;
      if (existing.status === PaymentStatus.UNKNOWN) return this.sync(existing.id);
      if (existing.status !== PaymentStatus.READY) return existing;
      payment = existing;
    }

    if (!(await this.ledger.compareAndSetStatus(payment.id, [PaymentStatus.READY], PaymentStatus.IN_PROGRESS))) {
      return this.ledger.findById(payment.id);
    }
    return this.runApproval(
      payment,
      gateway,
      'charge',
      () =>
        gateway.chargeBillingKey({
          billingKey: billingKey.secret,
          customerKey: billingKey.row.customerKey,
          paymentId: payment.id,
          orderId,
          orderName: dto.orderName,
          amount: dto.amount,
          taxFreeAmount,
          customer: dto.customer,
          idempotencyKey: idempotencyKeys.billingCharge(payment.id),
        }),
      billingKey.row.id,
    );
  }

  async deleteBillingKey(billingKeyId: string): Promise<BillingKey> {
    const billingKey = await this.loadBillingKeySecret(billingKeyId);
    if (billingKey.row.status === BillingKeyStatus.DELETED) return billingKey.row;
    await this.gateways.get(billingKey.row.gateway).deleteBillingKey(billingKey.secret, billingKey.row.customerKey);
    await this.dataSource.manager.update(
      BillingKey,
      { id: billingKeyId },
      { status: BillingKeyStatus.DELETED, deletedAt: this.clock.now() },
    );
    return this.getBillingKey(billingKeyId);
  }

  /** Marks a billing key deleted after the gateway told us (Toss BILLING_DELETED). Finds it by keyed hash. */
  async markBillingKeyDeletedByValue(gateway: string, billingKey: string): Promise<BillingKey | null> {
    const hash = this.cipher.lookupHash(billingKey, BILLING_KEY_AAD);
    const row = await this.dataSource.manager.findOne(BillingKey, { where: { gateway, billingKeyHash: hash } });
    if (!row || row.status === BillingKeyStatus.DELETED) return row;
    await this.dataSource.manager.update(BillingKey, { id: row.id }, { status: BillingKeyStatus.DELETED, deletedAt: this.clock.now() });
    return this.getBillingKey(row.id);
  }

  // ---------------------------------------------------------------- cash receipts

  async issueCashReceipt(input: IssueCashReceiptDto): Promise<CashReceipt> {
    const dto = validateDto(IssueCashReceiptDto, input);
    let gatewayName: string;
    let orderId: string;
    let orderName: string;
    let amount: number;
    let paymentKey: string | null = null;
    let paymentId: string | null = null;
    if (dto.paymentId) {
      const payment = await this.ledger.findById(dto.paymentId);
      gatewayName = payment.gateway;
      orderId = dto.orderId ?? payment.orderId;
      orderName = dto.orderName ?? payment.orderName;
      amount = dto.amount ?? payment.amount - payment.canceledAmount;
      paymentKey = payment.gatewayPaymentKey;
      paymentId = payment.id;
    } else {
      if (!dto.gateway) throw new InvalidInputError('gateway', 'required when paymentId is not given');
      if (!dto.amount) throw new InvalidInputError('amount', 'required when paymentId is not given');
      if (!dto.orderId) throw new InvalidInputError('orderId', 'required when paymentId is not given');
      if (!dto.orderName) throw new InvalidInputError('orderName', 'required when paymentId is not given');
      gatewayName = dto.gateway;
      orderId = dto.orderId;
      orderName = dto.orderName;
      amount = dto.amount;
    }
    const gateway = this.gateways.get(gatewayName);
    if (!gateway.capabilities.cashReceipts) {
      // e.g. KISPG issues receipts only through its checkout fields (kispg.md): refuse before writing anything.
      throw new UnsupportedOperationError(gateway.name, 'issueCashReceipt');
    }
    const taxFreeAmount = dto.taxFreeAmount ?? 0;
    if (taxFreeAmount > amount) throw new InvalidInputError('taxFreeAmount', 'must not exceed amount');
    const encrypted = this.cipher.encrypt(dto.identityNumber, IDENTITY_NUMBER_AAD);
    const receipt = this.dataSource.manager.create(CashReceipt, {
      id: newId(),
      gateway: gateway.name,
      paymentId,
      orderId,
      orderName,
      amount,
      taxFreeAmount,
      type: dto.type,
      identityNumberCiphertext: encrypted.ciphertext,
      keyId: encrypted.keyId,
      identityNumberHash: this.cipher.lookupHash(dto.identityNumber, IDENTITY_NUMBER_AAD),
      receiptKey: null,
      cancelReceiptKey: null,
      issueNumber: null,
      status: CashReceiptStatus.PENDING,
      receiptUrl: null,
      failureCode: null,
      failureMessage: null,
      issuedAt: null,
      canceledAt: null,
      raw: null,
    });
    try {
      await this.dataSource.manager.insert(CashReceipt, receipt as never);
    } catch (error) {
      if (isUniqueViolation(error)) throw new DuplicateOrderError(gateway.name, orderId, { field: 'orderId' });
      throw error;
    }
    try {
      const truth = await gateway.issueCashReceipt({
        receiptId: receipt.id,
        orderId,
        orderName,
        amount,
        taxFreeAmount,
        type: dto.type,
        identityNumber: dto.identityNumber,
        paymentKey,
        idempotencyKey: idempotencyKeys.cashReceiptIssue(receipt.id),
      });
      // The answer must be for the amount we asked; otherwise whether ours was issued is unknown. (Its orderId may be
      // one the adapter derived: NicePay receipts for a payment cannot reuse the payment's orderId; each adapter
      // checks the answer against what it sent.)
      if (truth.amount !== amount) throw new AmountMismatchError(amount, truth.amount, { gateway: gateway.name });
      await this.dataSource.manager.update(CashReceipt, { id: receipt.id }, {
        receiptKey: truth.receiptKey,
        issueNumber: truth.issueNumber ?? null,
        status: truth.status === 'FAILED' ? CashReceiptStatus.FAILED : CashReceiptStatus.ISSUED,
        receiptUrl: truth.receiptUrl ?? null,
        failureCode: truth.failure?.code ?? null,
        failureMessage: truth.failure?.message ?? null,
        issuedAt: this.clock.now(),
        raw: truth.raw as object,
      });
    } catch (error) {
      const unknown = (error instanceof GatewayUnavailableError && error.requestSent) || answerDisagrees(error);
      await this.dataSource.manager.update(CashReceipt, { id: receipt.id }, {
        status: unknown ? CashReceiptStatus.UNKNOWN : CashReceiptStatus.FAILED,
        failureCode: error instanceof PaymentsError ? (error.gatewayCode ?? error.code).slice(0, 64) : 'ERROR',
        failureMessage: error instanceof Error ? error.message.slice(0, 512) : 'error',
      });
      throw error;
    }
    return this.getCashReceipt(receipt.id);
  }

  async cancelCashReceipt(receiptId: string, reason = 'canceled by merchant'): Promise<CashReceipt> {
    const receipt = await this.getCashReceipt(receiptId);
    if (receipt.status === CashReceiptStatus.CANCELED) return receipt;
    if (receipt.status !== CashReceiptStatus.ISSUED || !receipt.receiptKey) {
      throw new InvalidPaymentStateError(receiptId, receipt.status, 'cancel cash receipt');
    }
    const truth = await this.gateways.get(receipt.gateway).cancelCashReceipt({
      receiptKey: receipt.receiptKey,
      orderId: receipt.orderId,
      reason,
      idempotencyKey: idempotencyKeys.cashReceiptCancel(receipt.id),
    });
    await this.dataSource.manager.update(CashReceipt, { id: receipt.id }, {
      status: CashReceiptStatus.CANCELED,
      cancelReceiptKey: truth.receiptKey,
      canceledAt: this.clock.now(),
      raw: truth.raw as object,
    });
    return this.getCashReceipt(receiptId);
  }

  async getCashReceipt(receiptId: string): Promise<CashReceipt> {
    const row = await this.dataSource.manager.findOne(CashReceipt, { where: { id: receiptId } });
    if (!row) throw new NotFoundError('cash_receipt', receiptId);
    return row;
  }

  // ---------------------------------------------------------------- internals

  /**
   * Sends an approval (confirm / billing charge) whose compare-and-set already moved the row to IN_PROGRESS, and
   * settles the outcome: truth → apply; definitive decline → FAILED; provably not sent or our configuration
   * rejected → back to READY (nothing happened, the buyer can retry); anything else → UNKNOWN.
   */
  private async runApproval(
    payment: Payment,
    gateway: PaymentGateway,
    source: 'confirm' | 'charge',
    call: () => Promise<GatewayPaymentTruth>,
    billingKeyId?: string,
  ): Promise<Payment> {
    let truth: GatewayPaymentTruth;
    try {
      truth = await call();
    } catch (error) {
      const settled = await this.settleApprovalError(payment, gateway, error);
      // The lost answer was resolved on the spot (the gateway's query showed the approval): that is the answer.
      if (settled instanceof ResolvedApproval) return settled.payment;
      throw settled;
    }
    try {
      return await this.apply(payment, truth, source, { billingKeyId });
    } catch (error) {
      if (error instanceof PaymentsError && answerDisagrees(error)) {
        // The gateway approved something other than what we prepared: never mark it PAID. UNKNOWN keeps it
        // visible to repair jobs and reconciliation; a human decides (refund or accept).
        await this.ledger.recordFailure(payment.id, [PaymentStatus.IN_PROGRESS], PaymentStatus.UNKNOWN, error.code, error.message);
      }
      throw error;
    }
  }

  /** Moves the IN_PROGRESS row where `approvalOutcome` says and returns the error the caller should see. */
  private async settleApprovalError(payment: Payment, gateway: PaymentGateway, error: unknown): Promise<unknown> {
    const outcome = approvalOutcome(error);
    await this.ledger.recordFailure(payment.id, [PaymentStatus.IN_PROGRESS], outcome.status, outcome.code, outcome.message);
    if (outcome.status !== PaymentStatus.UNKNOWN) return error;
    this.logger.warn?.(`payment ${payment.id} (${gateway.name} ${payment.orderId}) is UNKNOWN: ${outcome.code}`);
    const pe = error instanceof PaymentsError ? error : undefined;
    const unknownError = new PaymentOutcomeUnknownError(payment.id, gateway.name, outcome.code, {
      cause: error,
      gatewayCode: pe?.gatewayCode,
      gatewayMessage: pe?.gatewayMessage,
    });
    if (!gateway.resolveUnknownApproval) return unknownError;
    // The gateway has a policy for lost answers (NicePay: net-cancel at once, nicepay.md §3.4). Best effort: if this
    // fails too, the payment stays UNKNOWN and `sync` / `syncStuckPayments` run the same resolution later.
    try {
      const resolved = await this.resolveUnknownApproval(await this.ledger.findById(payment.id), gateway);
      if (resolved.status === PaymentStatus.CANCELED && resolved.failureCode === 'NET_CANCELED') {
        return new PaymentNetCanceledError(payment.id, gateway.name, { cause: error });
      }
      if (resolved.status !== PaymentStatus.UNKNOWN) return new ResolvedApproval(resolved);
    } catch (resolutionError) {
      const reason = resolutionError instanceof Error ? resolutionError.message : String(resolutionError);
      this.logger.warn?.(`payment ${payment.id}: resolving the lost ${gateway.name} approval failed, stays UNKNOWN: ${reason}`);
    }
    return unknownError;
  }

  private async apply(
    payment: Payment,
    truth: GatewayPaymentTruth,
    source: 'confirm' | 'charge' | 'cancel' | 'sync' | 'webhook',
    extra: { settleCancel?: { cancelId: string; cancel: GatewayPaymentTruth['cancels'][number] }; billingKeyId?: string } = {},
  ): Promise<Payment> {
    return this.ledger.apply(payment.id, truth, {
      source,
      settleCancel: extra.settleCancel,
      billingKeyId: extra.billingKeyId,
      webhookSecretHash: truth.webhookSecret ? this.webhookSecretHash(truth.webhookSecret) : undefined,
    });
  }

  /** Keyed hash of a gateway's per-payment webhook secret (Toss virtual-account `secret`). */
  webhookSecretHash(secret: string): string {
    return this.cipher.lookupHash(secret, 'payments.webhook_secret');
  }

  /**
   * Constant-time check of a webhook-carried secret against the keyed hash stored for the payment (one query).
   * 'missing' = we do not hold a secret for it (yet): the callback may have overtaken the answer that carries it.
   */
  async checkWebhookSecret(paymentId: string, secret: string | null | undefined): Promise<'match' | 'mismatch' | 'missing'> {
    const stored = await this.ledger.findWebhookSecretHash(paymentId);
    if (!stored) return 'missing';
    if (!secret) return 'mismatch';
    const given = Buffer.from(this.webhookSecretHash(secret), 'hex');
    const expected = Buffer.from(stored, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected) ? 'match' : 'mismatch';
  }

  /** A READY row: nothing canceled, the whole amount as balance. */
  private newReadyPayment(input: {
    gateway: string;
    orderId: string;
    type: Payment['type'];
    method: string | null;
    amount: number;
    taxFreeAmount: number;
    orderName: string;
    customer?: { customerKey?: string; name?: string; email?: string; phone?: string };
    metadata?: Record<string, unknown>;
    billingKeyId?: string;
  }): Payment {
    return this.dataSource.manager.create(Payment, {
      id: newId(),
      gateway: input.gateway,
      orderId: input.orderId,
      gatewayPaymentKey: null,
      type: input.type,
      method: input.method,
      status: PaymentStatus.READY,
      currency: 'KRW',
      amount: input.amount,
      balanceAmount: input.amount,
      canceledAmount: 0,
      pendingCancelAmount: 0,
      taxFreeAmount: input.taxFreeAmount,
      vat: null,
      orderName: input.orderName,
      customerKey: input.customer?.customerKey ?? null,
      customerName: input.customer?.name ?? null,
      customerEmail: input.customer?.email ?? null,
      customerPhone: input.customer?.phone ?? null,
      billingKeyId: input.billingKeyId ?? null,
      metadata: input.metadata ?? null,
    });
  }

  private async insertPayment(payment: Payment): Promise<void> {
    try {
      await this.dataSource.manager.insert(Payment, payment as never);
    } catch (error) {
      if (isUniqueViolation(error)) throw new DuplicateOrderError(payment.gateway, payment.orderId);
      throw error;
    }
  }

  /**
   * `prepare` failed after the row was written. A validation error from the adapter (nothing reached the
   * gateway) removes the row — bad input changes nothing; a gateway error keeps it as FAILED for the record.
   */
  private async undoPrepare(payment: Payment, error: unknown): Promise<void> {
    const nothingSent =
      error instanceof InvalidInputError ||
      (error instanceof PaymentsError && error.code === 'UNSUPPORTED_OPERATION') ||
      (error instanceof GatewayUnavailableError && !error.requestSent);
    if (nothingSent) {
      await this.dataSource.manager.delete(Payment, { id: payment.id, status: PaymentStatus.READY });
      return;
    }
    const code = error instanceof PaymentsError ? (error.gatewayCode ?? error.code) : 'PREPARE_FAILED';
    await this.ledger.recordFailure(payment.id, [PaymentStatus.READY], PaymentStatus.FAILED, code, error instanceof Error ? error.message : String(error));
  }

  private async findForCancel(dto: CancelDto): Promise<Payment> {
    if (dto.paymentId) return this.ledger.findById(dto.paymentId);
    if (dto.gateway && dto.orderId) return this.ledger.findByOrderId(dto.gateway, dto.orderId);
    throw new InvalidInputError('paymentId', 'paymentId, or gateway + orderId, is required');
  }

  private async loadBillingKeySecret(billingKeyId: string): Promise<{ row: BillingKey; secret: string }> {
    const row = await this.dataSource.manager
      .createQueryBuilder(BillingKey, 'b')
      .addSelect('b.billingKeyCiphertext')
      .where('b.id = :id', { id: billingKeyId })
      .getOne();
    if (!row) throw new NotFoundError('billing_key', billingKeyId, { field: 'billingKeyId' });
    const secret = this.cipher.decrypt({ keyId: row.keyId, ciphertext: row.billingKeyCiphertext }, BILLING_KEY_AAD);
    delete (row as Partial<BillingKey>).billingKeyCiphertext;
    return { row, secret };
  }

  private toLookup(payment: Payment): PaymentLookup {
    return {
      paymentKey: payment.gatewayPaymentKey,
      orderId: payment.orderId,
      amount: payment.amount,
      customerKey: payment.customerKey,
    };
  }

  private toPrepared(payment: Payment): PreparedPayment {
    return {
      paymentId: payment.id,
      gateway: payment.gateway,
      orderId: payment.orderId,
      amount: payment.amount,
      taxFreeAmount: payment.taxFreeAmount,
      orderName: payment.orderName,
      gatewayPaymentKey: payment.gatewayPaymentKey,
      method: payment.method,
      customer: {
        customerKey: payment.customerKey ?? undefined,
        name: payment.customerName ?? undefined,
        email: payment.customerEmail ?? undefined,
        phone: payment.customerPhone ?? undefined,
      },
      metadata: payment.metadata,
    };
  }
}

/** A lost approval answer that `resolveUnknownApproval` settled at once (not an error: carries the payment). */
class ResolvedApproval {
  constructor(readonly payment: Payment) {}
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof QueryFailedError && (error.driverError as { code?: string } | undefined)?.code === '23505';
}

function maskAccount(accountNumber: string): string {
  return accountNumber.length <= 4 ? '****' : `${'*'.repeat(accountNumber.length - 4)}${accountNumber.slice(-4)}`;
}

