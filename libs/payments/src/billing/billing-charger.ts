import { Inject, Injectable, type LoggerService } from '@nestjs/common';
import { BillingKeysService } from '../billing-keys/billing-keys.service';
import { InvalidInputError, NotFoundError, PaymentNotFoundError, PaymentsError } from '../domain/errors';
import { PaymentStatus } from '../domain/payment-status';
import type { BillingAttempt } from '../entities/billing-attempt.entity';
import type { BillingCycle } from '../entities/billing-cycle.entity';
import type { BillingKey } from '../entities/billing-key.entity';
import type { Payment } from '../entities/payment.entity';
import type { Subscription } from '../entities/subscription.entity';
import { BILLING_KEY_DELETED_CODE, requireCapability, type DeclineClass } from '../gateways/gateway-capabilities';
import { GatewayRegistry } from '../gateways/gateway-registry';
import { PaymentLedger } from '../ledger/payment-ledger';
import { PAYMENTS_LOGGER } from '../payments.tokens';

/**
 * What one send of an attempt came to, read from the payment row (the ledger's word), not from the error alone:
 * - paid:       the gateway took the money;
 * - declined:   the gateway refused (payment FAILED), or the billing key is gone: nothing moved;
 * - not-sent:   nothing happened (payment READY: provably not sent, or our configuration was refused);
 * - net-canceled: the answer was lost and the gateway's policy reversed the charge: nothing moved, the order is used;
 * - unknown:    the request left and its answer was lost (payment UNKNOWN / IN_PROGRESS): read back, never FAILED.
 */
export type ChargeOutcome =
  | { kind: 'paid'; paymentId: string }
  | { kind: 'declined' | 'not-sent' | 'net-canceled' | 'unknown'; paymentId: string | null; failure: Failure };

export interface Failure {
  declineClass: DeclineClass;
  code: string;
  message: string;
}

/** One send of a billing attempt through BillingKeysService.charge: the same path, checks and recovery as any charge. */
@Injectable()
export class BillingCharger {
  constructor(
    private readonly billingKeys: BillingKeysService,
    private readonly ledger: PaymentLedger,
    private readonly gateways: GatewayRegistry,
    @Inject(PAYMENTS_LOGGER) private readonly logger: LoggerService,
  ) {}

  /**
   * Charges the cycle under the attempt's orderId. A retry of the attempt reuses it: BillingKeysService finds the
   * payment row it made before and reads it back (or, when the gateway provably has none, sends it again under the
   * same orderId and idempotency key) instead of charging anew. Never throws.
   */
  async send(
    attempt: BillingAttempt,
    cycle: BillingCycle,
    subscription: Subscription,
    billingKey: BillingKey | null = null,
  ): Promise<ChargeOutcome> {
    let error: unknown = null;
    let answer: Payment | null = null;
    try {
      answer = await this.billingKeys.charge(
        {
          billingKeyId: subscription.billingKeyId,
          amount: cycle.amount,
          taxFreeAmount: cycle.taxFreeAmount,
          orderName: subscription.orderName,
          orderId: attempt.orderId,
          idempotencyKey: `billing-attempt:${attempt.id}`,
          metadata: { subscriptionId: subscription.id, cycleNo: cycle.cycleNo, attemptNo: attempt.attemptNo },
        },
        billingKey ?? undefined,
      );
    } catch (caught) {
      error = caught;
    }
    // A charge that returned handed back the ledger's row; only a thrown one leaves us to look it up.
    const payment = answer ?? (await this.paymentOf(attempt));
    return this.outcome(attempt.gateway, payment, error);
  }

  private async paymentOf(attempt: BillingAttempt): Promise<Payment | null> {
    try {
      return await this.ledger.findByOrderId(attempt.gateway, attempt.orderId);
    } catch (error) {
      if (error instanceof PaymentNotFoundError) return null;
      throw error;
    }
  }

  private outcome(gatewayName: string, payment: Payment | null, error: unknown): ChargeOutcome {
    const classify = (code: string): DeclineClass =>
      requireCapability(this.gateways.get(gatewayName), 'billing', 'declineClassOf').declineClassOf(code);
    const pe = error instanceof PaymentsError ? error : null;
    const message = (error instanceof Error ? error.message : String(error ?? '')).slice(0, 512);
    if (!payment) {
      // Refused before a payment row existed: nothing was sent.
      if (error instanceof InvalidInputError || (error instanceof NotFoundError && pe?.field === 'billingKeyId')) {
        const code = BILLING_KEY_DELETED_CODE;
        return { kind: 'declined', paymentId: null, failure: { declineClass: classify(code), code, message } };
      }
      const code = pe?.gatewayCode ?? pe?.code ?? 'NOT_SENT';
      return { kind: 'not-sent', paymentId: null, failure: { declineClass: 'TRANSIENT', code, message } };
    }
    const code = payment.failureCode ?? pe?.gatewayCode ?? pe?.code ?? 'UNKNOWN';
    const failure = (declineClass: DeclineClass): Failure => ({
      declineClass,
      code,
      message: (payment.failureMessage ?? message).slice(0, 512),
    });
    switch (payment.status) {
      case PaymentStatus.PAID:
      case PaymentStatus.PARTIALLY_CANCELED:
        return { kind: 'paid', paymentId: payment.id };
      case PaymentStatus.CANCELED:
        // Net-canceled: the lost approval was reversed, nothing moved. Any other cancel came after a real charge.
        return payment.failureCode === 'NET_CANCELED'
          ? { kind: 'net-canceled', paymentId: payment.id, failure: failure('TRANSIENT') }
          : { kind: 'paid', paymentId: payment.id };
      case PaymentStatus.FAILED:
        return { kind: 'declined', paymentId: payment.id, failure: failure(classify(code)) };
      case PaymentStatus.READY: {
        const pendingCode = pe?.gatewayCode ?? pe?.code ?? code;
        const declineClass = classify(pendingCode) === 'CONFIGURATION' ? 'CONFIGURATION' : 'TRANSIENT';
        return { kind: 'not-sent', paymentId: payment.id, failure: { ...failure(declineClass), code: pendingCode } };
      }
      case PaymentStatus.UNKNOWN:
      case PaymentStatus.IN_PROGRESS:
        return {
          kind: 'unknown',
          paymentId: payment.id,
          failure: failure(classify(code) === 'TRANSIENT' ? 'TRANSIENT' : 'UNKNOWN'),
        };
      default:
        // WAITING_FOR_DEPOSIT / EXPIRED cannot come out of a card charge; keep it open and visible.
        this.logger.error?.(`billing charge ${payment.id} is ${payment.status}; left for a read-back`);
        return { kind: 'unknown', paymentId: payment.id, failure: failure('UNKNOWN') };
    }
  }
}
