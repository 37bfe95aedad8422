import { Inject, Injectable, type LoggerService } from '@nestjs/common';
import { idempotencyKeys } from '../domain/ids';
import { PaymentStatus } from '../domain/payment-status';
import type { Payment } from '../entities/payment.entity';
import { supports, type GatewayWith } from '../gateways/gateway-capabilities';
import { GatewayRegistry } from '../gateways/gateway-registry';
import type {
  GatewayCancelTruth,
  GatewayPaymentStatus,
  GatewayPaymentTruth,
  PaymentGateway,
  PaymentLookup,
} from '../gateways/gateway.port';
import type { PaymentsClock } from '../domain/clock';
import { RecoveryTiming } from '../jobs/recovery-timing';
import { PaymentLedger, type ApplySource } from '../ledger/payment-ledger';
import { WebhookSecrets } from '../ledger/webhook-secrets';
import { PAYMENTS_CLOCK, PAYMENTS_LOGGER } from '../payments.tokens';
import { toLookup, toPrepared } from './payment-rows';

export interface ApplyExtras {
  settleCancel?: { cancelId: string; cancel: GatewayCancelTruth };
  billingKeyId?: string;
  /** The row exactly as the caller last wrote it (see ApplyOptions.known). */
  known?: Payment;
}

/**
 * Learns what the gateway has and makes the ledger say the same: `sync` reads a payment back (or runs the gateway's
 * policy for a lost approval) and `apply` hands a truth from anywhere (confirm, cancel, webhook, repair) to the
 * ledger, keeping only a keyed hash of any webhook secret it carries.
 */
@Injectable()
export class PaymentSyncService {
  constructor(
    private readonly ledger: PaymentLedger,
    private readonly gateways: GatewayRegistry,
    private readonly webhookSecrets: WebhookSecrets,
    private readonly timing: RecoveryTiming,
    @Inject(PAYMENTS_CLOCK) private readonly clock: PaymentsClock,
    @Inject(PAYMENTS_LOGGER) private readonly logger: LoggerService,
  ) {}

  /** Stamps a truth with the moment it arrived (call right after the gateway answered). */
  observed(truth: GatewayPaymentTruth): GatewayPaymentTruth {
    return truth.observedAt ? truth : { ...truth, observedAt: this.clock.now() };
  }

  /**
   * Reads a payment at its gateway, stamped with the moment the request left rather than the moment the answer came
   * back. The answer describes the gateway somewhere in between; stamped on arrival, a read sent before a deposit but
   * answered late would count as newer than the deposit webhook's read-back applied meanwhile, and a read-back may move
   * a payment backwards (PAID -> WAITING_FOR_DEPOSIT), so it would undo the deposit. Stamped on sending, it is older.
   */
  async readAtGateway(gateway: PaymentGateway, lookup: PaymentLookup): Promise<GatewayPaymentTruth> {
    const sentAt = this.clock.now();
    const truth = await gateway.getPayment(lookup);
    return truth.observedAt ? truth : { ...truth, observedAt: sentAt };
  }

  /**
   * Re-reads the payment at its gateway and applies that truth. Resolves UNKNOWN payments and UNKNOWN cancels
   * (a cancel the gateway has no record of is released once that is proven).
   */
  async sync(paymentId: string): Promise<Payment> {
    return (await this.readBack(paymentId)).payment;
  }

  /** `sync`, also saying what the gateway reported (READY = it holds no approval for this payment). */
  async readBack(paymentId: string): Promise<{ payment: Payment; reported: GatewayPaymentStatus }> {
    const payment = await this.ledger.findById(paymentId);
    const gateway = this.gateways.get(payment.gateway);
    if (payment.status === PaymentStatus.UNKNOWN && supports(gateway, 'lostApprovalPolicy')) {
      return this.resolveUnknownApproval(payment, gateway);
    }
    const truth = await this.readAtGateway(gateway, toLookup(payment));
    return { payment: await this.apply(payment.id, truth, 'sync'), reported: truth.status };
  }

  async apply(
    paymentId: string,
    truth: GatewayPaymentTruth,
    source: ApplySource,
    extras: ApplyExtras = {},
  ): Promise<Payment> {
    const gateway = this.gateways.has(truth.gateway) ? this.gateways.get(truth.gateway) : null;
    return this.ledger.apply(paymentId, this.observed(truth), {
      source,
      lostCancelGraceMs: gateway ? this.timing.stuckAfterMs(gateway) : undefined,
      settleCancel: extras.settleCancel,
      billingKeyId: extras.billingKeyId,
      known: extras.known,
      webhookSecretHash: truth.webhookSecret ? this.webhookSecrets.hash(truth.webhookSecret) : undefined,
    });
  }

  /**
   * An UNKNOWN approval at a gateway with a policy for lost answers (NicePay: net-cancel within the hour, or query
   * first). Applies what the gateway did and records it on the row (`failureCode` NET_CANCELED when it reversed the
   * approval), so the next reader knows why a payment the buyer saw succeed is canceled.
   */
  async resolveUnknownApproval(
    payment: Payment,
    gateway: GatewayWith<'lostApprovalPolicy'>,
  ): Promise<{ payment: Payment; reported: GatewayPaymentStatus }> {
    const resolution = await gateway.resolveUnknownApproval({
      prepared: toPrepared(payment),
      paymentKey: payment.gatewayPaymentKey,
      approvalSentAt: payment.approvalSentAt ?? payment.updatedAt,
      idempotencyKey: idempotencyKeys.netCancel(payment.id),
    });
    const applied = await this.apply(payment.id, this.observed(resolution.truth), 'sync');
    const reported = resolution.truth.status;
    if (resolution.action !== 'net-cancel' || applied.status !== PaymentStatus.CANCELED)
      return { payment: applied, reported };
    const message = `${gateway.name} approval answer was lost; net-canceled per policy`;
    await this.ledger.compareAndSetStatus(applied.id, [PaymentStatus.CANCELED], PaymentStatus.CANCELED, {
      failureCode: 'NET_CANCELED',
      failureMessage: message,
    });
    this.logger.warn?.(`payment ${payment.id} (${gateway.name} ${payment.orderId}): ${message}`);
    return { payment: await this.ledger.findById(applied.id), reported };
  }
}
