import { Inject, Injectable, type LoggerService } from '@nestjs/common';
import { BillingKeyStore } from '../billing-keys/billing-key.store';
import type { PaymentsClock } from '../domain/clock';
import { PaymentNotFoundError } from '../domain/errors';
import { idempotencyKeys } from '../domain/ids';
import { PaymentStatus } from '../domain/payment-status';
import type { Payment } from '../entities/payment.entity';
import { requireCapability } from '../gateways/gateway-capabilities';
import { GatewayRegistry } from '../gateways/gateway-registry';
import type { PaymentGateway } from '../gateways/gateway.port';
import { PaymentLedger } from '../ledger/payment-ledger';
import { PAYMENTS_CLOCK, PAYMENTS_LOGGER } from '../payments.tokens';
import { ApprovalRunner } from '../payments/approval-runner';
import { PaymentSyncService } from '../payments/payment-sync.service';
import { RecoveryTiming } from './recovery-timing';

/**
 * Ends an approval whose outcome we do not know — UNKNOWN, or IN_PROGRESS past the gateway's longest call (the
 * process died between the compare-and-set and the call, or while waiting) — at the gateway's truth:
 * - the gateway shows it approved (or refused, or net-canceled) → that truth is applied;
 * - the gateway has no approval for it and its longest call is over → it provably did not happen: a buyer's payment
 *   goes back to READY (same orderId, the buyer may confirm again); a billing charge is sent again under the SAME
 *   idempotency key and orderId, so a gateway that did process it after all answers with that one charge;
 * - otherwise it stays UNKNOWN for the next pass.
 * Safe on any number of instances at once: every move is a compare-and-set or the ledger's `apply`.
 */
@Injectable()
export class ApprovalRecovery {
  constructor(
    private readonly ledger: PaymentLedger,
    private readonly gateways: GatewayRegistry,
    private readonly sync: PaymentSyncService,
    private readonly approvals: ApprovalRunner,
    private readonly billingKeys: BillingKeyStore,
    private readonly timing: RecoveryTiming,
    @Inject(PAYMENTS_CLOCK) private readonly clock: PaymentsClock,
    @Inject(PAYMENTS_LOGGER) private readonly logger: LoggerService,
  ) {}

  /** True when an IN_PROGRESS payment has been in flight longer than its gateway's longest call. */
  isStuck(payment: Payment, gateway: PaymentGateway): boolean {
    return this.timing.isStuck(gateway, payment.approvalSentAt ?? payment.updatedAt, this.clock.now());
  }

  async recover(paymentId: string): Promise<Payment> {
    let payment = await this.ledger.findById(paymentId);
    const gateway = this.gateways.get(payment.gateway);
    if (payment.status === PaymentStatus.IN_PROGRESS) {
      if (!this.isStuck(payment, gateway)) return payment; // still in flight: its own caller settles it
      const note = `no answer within ${gateway.name}'s longest call; reading back`;
      await this.ledger.recordFailure(
        paymentId,
        [PaymentStatus.IN_PROGRESS],
        PaymentStatus.UNKNOWN,
        'STUCK_IN_PROGRESS',
        note,
      );
      payment = await this.ledger.findById(paymentId);
    }
    if (payment.status !== PaymentStatus.UNKNOWN) return payment;

    const readBack = await this.readBack(payment);
    if (readBack.payment.status !== PaymentStatus.UNKNOWN) return readBack.payment;
    // Only "no such payment" or READY (the gateway holds no approval) count; IN_PROGRESS means it is still working.
    // And before its longest call is over even those prove nothing: it may still commit.
    if (!readBack.absent || !this.isStuck(payment, gateway)) return readBack.payment;
    if (payment.type === 'BILLING' && payment.billingKeyId) return this.resendCharge(payment, gateway);
    const message = `${gateway.name} has no record of the approval; the order is payable again`;
    await this.ledger.recordFailure(paymentId, [PaymentStatus.UNKNOWN], PaymentStatus.READY, 'NOT_AT_GATEWAY', message);
    this.logger.warn?.(`payment ${paymentId} (${gateway.name} ${payment.orderId}): ${message}`);
    return this.ledger.findById(paymentId);
  }

  /** The payment after a read-back, and whether the gateway showed no approval for it. */
  private async readBack(payment: Payment): Promise<{ payment: Payment; absent: boolean }> {
    try {
      const { payment: after, reported } = await this.sync.readBack(payment.id);
      return { payment: after, absent: reported === 'READY' };
    } catch (error) {
      if (error instanceof PaymentNotFoundError) return { payment, absent: true };
      throw error;
    }
  }

  /** A billing charge that provably did not happen is sent again exactly as before: same orderId, same key. */
  private async resendCharge(payment: Payment, gateway: PaymentGateway): Promise<Payment> {
    const billing = requireCapability(gateway, 'billing', 'chargeBillingKey');
    const key = await this.billingKeys.loadWithSecret(payment.billingKeyId as string);
    const won = await this.ledger.compareAndSetStatus(payment.id, [PaymentStatus.UNKNOWN], PaymentStatus.IN_PROGRESS, {
      approvalSentAt: this.clock.now(),
    });
    if (!won) return this.ledger.findById(payment.id);
    this.logger.warn?.(`payment ${payment.id} (${gateway.name}): charge never reached the gateway; sending it again`);
    const call = () =>
      billing.chargeBillingKey({
        billingKey: key.secret,
        customerKey: key.row.customerKey,
        paymentId: payment.id,
        orderId: payment.orderId,
        orderName: payment.orderName,
        amount: payment.amount,
        taxFreeAmount: payment.taxFreeAmount,
        idempotencyKey: idempotencyKeys.billingCharge(payment.id),
      });
    return this.approvals.run(payment, gateway, 'charge', call, key.row.id);
  }
}
