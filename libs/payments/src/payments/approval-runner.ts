import { Inject, Injectable, type LoggerService } from '@nestjs/common';
import { answerDisagrees, approvalOutcome } from '../domain/approval-outcome';
import { PaymentNetCanceledError, PaymentOutcomeUnknownError, PaymentsError } from '../domain/errors';
import { PaymentStatus } from '../domain/payment-status';
import type { Payment } from '../entities/payment.entity';
import { supports } from '../gateways/gateway-capabilities';
import type { GatewayPaymentTruth, PaymentGateway } from '../gateways/gateway.port';
import { PaymentLedger } from '../ledger/payment-ledger';
import { PAYMENTS_LOGGER } from '../payments.tokens';
import { PaymentSyncService } from './payment-sync.service';

/** A lost approval answer that the gateway's policy settled at once (not an error: carries the payment). */
class ResolvedApproval {
  constructor(readonly payment: Payment) {}
}

/**
 * Sends an approval (buyer confirm or billing charge) whose compare-and-set already moved the row to IN_PROGRESS,
 * and settles the outcome: truth → apply; definitive decline → FAILED; provably not sent or our configuration
 * rejected → back to READY (nothing happened, the buyer can retry); anything else → UNKNOWN.
 */
@Injectable()
export class ApprovalRunner {
  constructor(
    private readonly ledger: PaymentLedger,
    private readonly sync: PaymentSyncService,
    @Inject(PAYMENTS_LOGGER) private readonly logger: LoggerService,
  ) {}

  async run(
    payment: Payment,
    gateway: PaymentGateway,
    source: 'confirm' | 'charge',
    call: () => Promise<GatewayPaymentTruth>,
    billingKeyId?: string,
    known?: Payment,
  ): Promise<Payment> {
    let truth: GatewayPaymentTruth;
    try {
      truth = this.sync.observed(await call());
    } catch (error) {
      const settled = await this.whileMoneyMayHaveMoved(payment, gateway, () =>
        this.settleApprovalError(payment, gateway, error),
      );
      // The lost answer was resolved on the spot (the gateway's query showed the approval): that is the answer.
      if (settled instanceof ResolvedApproval) return settled.payment;
      throw settled;
    }
    return this.whileMoneyMayHaveMoved(payment, gateway, async () => {
      try {
        return await this.sync.apply(payment.id, truth, source, { billingKeyId, known });
      } catch (error) {
        if (error instanceof PaymentsError && answerDisagrees(error)) {
          // The gateway approved something other than what we prepared: never mark it PAID. UNKNOWN keeps it visible
          // to repair jobs and reconciliation; a human decides (refund or accept).
          await this.ledger.recordFailure(
            payment.id,
            [PaymentStatus.IN_PROGRESS],
            PaymentStatus.UNKNOWN,
            error.code,
            error.message,
          );
        }
        throw error;
      }
    });
  }

  /**
   * Runs a database step after the request left. If the database fails there (connection lost, failover, a killed
   * backend), the buyer may have been charged while the row still says IN_PROGRESS: the caller gets a retryable
   * `PaymentOutcomeUnknownError`, never a raw driver error, and a read-back (a confirm retry once the gateway's
   * longest call is over, or the repair job) settles the row.
   */
  private async whileMoneyMayHaveMoved<T>(
    payment: Payment,
    gateway: PaymentGateway,
    step: () => Promise<T>,
  ): Promise<T> {
    try {
      return await step();
    } catch (error) {
      if (error instanceof PaymentsError) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      this.logger.warn?.(`payment ${payment.id} (${gateway.name}): database failed after the gateway call: ${reason}`);
      throw new PaymentOutcomeUnknownError(payment.id, gateway.name, 'DATABASE_ERROR_AFTER_CALL', { cause: error });
    }
  }

  /** Moves the IN_PROGRESS row where `approvalOutcome` says and returns the error the caller should see. */
  private async settleApprovalError(payment: Payment, gateway: PaymentGateway, error: unknown): Promise<unknown> {
    const outcome = approvalOutcome(error);
    await this.ledger.recordFailure(
      payment.id,
      [PaymentStatus.IN_PROGRESS],
      outcome.status,
      outcome.code,
      outcome.message,
    );
    if (outcome.status !== PaymentStatus.UNKNOWN) return error;
    this.logger.warn?.(`payment ${payment.id} (${gateway.name} ${payment.orderId}) is UNKNOWN: ${outcome.code}`);
    const pe = error instanceof PaymentsError ? error : undefined;
    const unknownError = new PaymentOutcomeUnknownError(payment.id, gateway.name, outcome.code, {
      cause: error,
      gatewayCode: pe?.gatewayCode,
      gatewayMessage: pe?.gatewayMessage,
    });
    if (!supports(gateway, 'lostApprovalPolicy')) return unknownError;
    // The gateway has a policy for lost answers (NicePay: net-cancel at once). Best effort: if this fails too, the
    // payment stays UNKNOWN and `sync` / the repair job run the same resolution later.
    try {
      const { payment: resolved } = await this.sync.resolveUnknownApproval(
        await this.ledger.findById(payment.id),
        gateway,
      );
      if (resolved.status === PaymentStatus.CANCELED && resolved.failureCode === 'NET_CANCELED') {
        return new PaymentNetCanceledError(payment.id, gateway.name, { cause: error });
      }
      if (resolved.status !== PaymentStatus.UNKNOWN) return new ResolvedApproval(resolved);
    } catch (resolutionError) {
      const reason = resolutionError instanceof Error ? resolutionError.message : String(resolutionError);
      this.logger.warn?.(
        `payment ${payment.id}: resolving the lost ${gateway.name} approval failed, stays UNKNOWN: ${reason}`,
      );
    }
    return unknownError;
  }
}
