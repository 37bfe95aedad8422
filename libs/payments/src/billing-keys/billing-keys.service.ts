import { Inject, Injectable } from '@nestjs/common';
import type { PaymentsClock } from '../domain/clock';
import { DuplicateOrderError, IdempotencyKeyReusedError, InvalidInputError } from '../domain/errors';
import { derivedOrderId, idempotencyKeys, newId, newOrderId } from '../domain/ids';
import { BillingKeyStatus, PaymentStatus } from '../domain/payment-status';
import { validateDto } from '../domain/validation';
import type { BillingKey } from '../entities/billing-key.entity';
import { Payment } from '../entities/payment.entity';
import { requireCapability } from '../gateways/gateway-capabilities';
import { GatewayRegistry } from '../gateways/gateway-registry';
import { PaymentLedger } from '../ledger/payment-ledger';
import { ChargeBillingKeyDto, IssueBillingKeyDto } from '../payments.dto';
import { ApprovalRunner } from '../payments/approval-runner';
import { newReadyPayment } from '../payments/payment-rows';
import { ApprovalRecovery } from '../jobs/approval-recovery';
import { PAYMENTS_CLOCK } from '../payments.tokens';
import { BillingKeyStore } from './billing-key.store';

/** Billing keys: issue, charge (a BILLING payment through the same approval rules as a checkout), delete. */
@Injectable()
export class BillingKeysService {
  constructor(
    private readonly store: BillingKeyStore,
    private readonly gateways: GatewayRegistry,
    private readonly ledger: PaymentLedger,
    private readonly approvals: ApprovalRunner,
    private readonly recovery: ApprovalRecovery,
    @Inject(PAYMENTS_CLOCK) private readonly clock: PaymentsClock,
  ) {}

  async issue(input: IssueBillingKeyDto): Promise<BillingKey> {
    const dto = validateDto(IssueBillingKeyDto, input);
    const gateway = requireCapability(this.gateways.get(dto.gateway), 'billing', 'issueBillingKey');
    if (!dto.authKey && !dto.card) throw new InvalidInputError('authKey', 'authKey or card is required');
    const id = newId();
    const truth = await gateway.issueBillingKey({
      customerKey: dto.customerKey,
      authKey: dto.authKey,
      card: dto.card,
      customer: dto.customer,
      idempotencyKey: idempotencyKeys.billingIssue(id),
    });
    return this.store.insert(id, gateway.name, dto.customerKey, truth);
  }

  async get(billingKeyId: string): Promise<BillingKey> {
    return this.store.get(billingKeyId);
  }

  /**
   * Charges a stored billing key. With an `idempotencyKey` (e.g. `sub_42_2026-11`) the orderId and the outbound
   * idempotency key are derived from it, so a retried cycle — on this replica or another — finds the same payment
   * row and can never charge twice.
   */
  async charge(input: ChargeBillingKeyDto, loaded?: BillingKey): Promise<Payment> {
    const dto = validateDto(ChargeBillingKeyDto, input);
    // `loaded`: the row with its ciphertext, already read by the caller (the billing sweep reads a batch's keys at once).
    const billingKey =
      loaded?.id === dto.billingKeyId
        ? await this.store.open(loaded)
        : await this.store.loadWithSecret(dto.billingKeyId);
    if (billingKey.row.status !== BillingKeyStatus.ACTIVE) {
      throw new InvalidInputError('billingKeyId', `billing key ${dto.billingKeyId} is ${billingKey.row.status}`);
    }
    const gateway = requireCapability(this.gateways.get(billingKey.row.gateway), 'billing', 'chargeBillingKey');
    const taxFreeAmount = dto.taxFreeAmount ?? 0;
    if (taxFreeAmount > dto.amount) throw new InvalidInputError('taxFreeAmount', 'must not exceed amount');
    const orderId =
      dto.orderId ??
      (dto.idempotencyKey ? derivedOrderId('bill', dto.billingKeyId, dto.idempotencyKey) : newOrderId('bill'));

    const ready = newReadyPayment({
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
    const stored = await this.insertOrReuse(ready, billingKey.row, dto.idempotencyKey);
    if ('answer' in stored) return stored.answer;
    const payment = stored.payment;
    const approvalSentAt = this.clock.now();
    const won = await this.ledger.compareAndSetStatus(payment.id, [PaymentStatus.READY], PaymentStatus.IN_PROGRESS, {
      approvalSentAt,
    });
    if (!won) return this.ledger.findById(payment.id);
    // Our insert plus our compare-and-set is the row as it stands, unless someone else wrote it in between: the
    // answer is applied with one UPDATE guarded by the version this copy expects (else the locked path runs).
    const known =
      payment === ready
        ? Object.assign(new Payment(), payment, {
            status: PaymentStatus.IN_PROGRESS,
            approvalSentAt,
            version: payment.version + 1,
          })
        : undefined;
    const call = () =>
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
      });
    return this.approvals.run(payment, gateway, 'charge', call, billingKey.row.id, known);
  }

  async delete(billingKeyId: string): Promise<BillingKey> {
    const billingKey = await this.store.loadWithSecret(billingKeyId);
    if (billingKey.row.status === BillingKeyStatus.DELETED) return billingKey.row;
    const gateway = requireCapability(this.gateways.get(billingKey.row.gateway), 'billing', 'deleteBillingKey');
    await gateway.deleteBillingKey(billingKey.secret, billingKey.row.customerKey);
    return this.store.markDeleted(billingKeyId);
  }

  /** Marks a billing key deleted after the gateway told us (Toss BILLING_DELETED). Finds it by keyed hash. */
  async markDeletedByValue(gateway: string, billingKey: string): Promise<BillingKey | null> {
    const row = await this.store.findByValue(gateway, billingKey);
    if (!row || row.status === BillingKeyStatus.DELETED) return row;
    return this.store.markDeleted(row.id);
  }

  /**
   * Inserts the charge's READY row. A retry with the same idempotency key finds the row it made before: a READY one
   * is charged, an UNKNOWN one is read back, anything else is already the answer.
   */
  private async insertOrReuse(
    payment: Payment,
    billingKey: BillingKey,
    idempotencyKey: string | undefined,
  ): Promise<{ payment: Payment } | { answer: Payment }> {
    try {
      await this.ledger.insertReady(payment);
      return { payment };
    } catch (error) {
      if (!(error instanceof DuplicateOrderError)) throw error;
      const existing = await this.ledger.findByOrderId(payment.gateway, payment.orderId);
      const differs =
        existing.billingKeyId !== billingKey.id ? 'billingKeyId' : existing.amount !== payment.amount ? 'amount' : null;
      if (differs && idempotencyKey)
        throw new IdempotencyKeyReusedError(idempotencyKey, differs, { paymentId: existing.id });
      if (differs) throw error;
      if (existing.status === PaymentStatus.READY) return { payment: existing };
      // A retry of a charge whose outcome we do not know (or that never reached the gateway): settle it at the
      // gateway's truth, re-sending under the same key only when the gateway provably has no record of it.
      const lost =
        existing.status === PaymentStatus.UNKNOWN ||
        (existing.status === PaymentStatus.IN_PROGRESS &&
          this.recovery.isStuck(existing, this.gateways.get(existing.gateway)));
      return { answer: lost ? await this.recovery.recover(existing.id) : existing };
    }
  }
}
