import { Inject, Injectable, type LoggerService } from '@nestjs/common';
import { idempotencyKeys } from '../domain/ids';
import { PaymentStatus } from '../domain/payment-status';
import type { Payment } from '../entities/payment.entity';
import { supports, type GatewayWith } from '../gateways/gateway-capabilities';
import { GatewayRegistry } from '../gateways/gateway-registry';
import type { GatewayCancelTruth, GatewayPaymentTruth } from '../gateways/gateway.port';
import { PaymentLedger, type ApplySource } from '../ledger/payment-ledger';
import { WebhookSecrets } from '../ledger/webhook-secrets';
import { PAYMENTS_LOGGER } from '../payments.tokens';
import { toLookup, toPrepared } from './payment-rows';

export interface ApplyExtras {
  settleCancel?: { cancelId: string; cancel: GatewayCancelTruth };
  billingKeyId?: string;
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
    @Inject(PAYMENTS_LOGGER) private readonly logger: LoggerService,
  ) {}

  /**
   * Re-reads the payment at its gateway and applies that truth. Resolves UNKNOWN payments and UNKNOWN cancels
   * (a cancel the gateway has no record of is released).
   */
  async sync(paymentId: string): Promise<Payment> {
    const payment = await this.ledger.findById(paymentId);
    const gateway = this.gateways.get(payment.gateway);
    if (payment.status === PaymentStatus.UNKNOWN && supports(gateway, 'lostApprovalPolicy')) {
      return this.resolveUnknownApproval(payment, gateway);
    }
    const truth = await gateway.getPayment(toLookup(payment));
    return this.apply(payment.id, truth, 'sync');
  }

  async apply(
    paymentId: string,
    truth: GatewayPaymentTruth,
    source: ApplySource,
    extras: ApplyExtras = {},
  ): Promise<Payment> {
    return this.ledger.apply(paymentId, truth, {
      source,
      settleCancel: extras.settleCancel,
      billingKeyId: extras.billingKeyId,
      webhookSecretHash: truth.webhookSecret ? this.webhookSecrets.hash(truth.webhookSecret) : undefined,
    });
  }

  /**
   * An UNKNOWN approval at a gateway with a policy for lost answers (NicePay: net-cancel within the hour, or query
   * first). Applies what the gateway did and records it on the row (`failureCode` NET_CANCELED when it reversed the
   * approval), so the next reader knows why a payment the buyer saw succeed is canceled.
   */
  async resolveUnknownApproval(payment: Payment, gateway: GatewayWith<'lostApprovalPolicy'>): Promise<Payment> {
    const resolution = await gateway.resolveUnknownApproval({
      prepared: toPrepared(payment),
      paymentKey: payment.gatewayPaymentKey,
      approvalSentAt: payment.updatedAt,
      idempotencyKey: idempotencyKeys.netCancel(payment.id),
    });
    const applied = await this.apply(payment.id, resolution.truth, 'sync');
    if (resolution.action !== 'net-cancel' || applied.status !== PaymentStatus.CANCELED) return applied;
    const message = `${gateway.name} approval answer was lost; net-canceled per policy`;
    await this.ledger.compareAndSetStatus(applied.id, [PaymentStatus.CANCELED], PaymentStatus.CANCELED, {
      failureCode: 'NET_CANCELED',
      failureMessage: message,
    });
    this.logger.warn?.(`payment ${payment.id} (${gateway.name} ${payment.orderId}): ${message}`);
    return this.ledger.findById(applied.id);
  }
}
