import { Inject, Injectable } from '@nestjs/common';
import { answerDisagrees } from '../domain/approval-outcome';
import type { PaymentsClock } from '../domain/clock';
import {
  CancelConflictError,
  CancelInProgressError,
  GatewayUnavailableError,
  IdempotencyKeyReusedError,
  InvalidInputError,
  PaymentOutcomeUnknownError,
  PaymentsError,
  UnsupportedOperationError,
} from '../domain/errors';
import { idempotencyKeys, newId } from '../domain/ids';
import { CancelStatus } from '../domain/payment-status';
import { validateDto } from '../domain/validation';
import type { PaymentCancel } from '../entities/payment-cancel.entity';
import type { Payment } from '../entities/payment.entity';
import { GatewayRegistry } from '../gateways/gateway-registry';
import type { PaymentGateway } from '../gateways/gateway.port';
import { RecoveryTiming } from '../jobs/recovery-timing';
import { CancelLedger } from '../ledger/cancel-ledger';
import { isUniqueViolation, PaymentLedger } from '../ledger/payment-ledger';
import { CancelDto } from '../payments.dto';
import { PAYMENTS_CLOCK } from '../payments.tokens';
import { toPrepared } from '../payments/payment-rows';
import { PaymentSyncService } from '../payments/payment-sync.service';
import { CancelQueue } from './cancel-queue';
import { maskAccount, planCancel, reusedParameter, type PlannedCancel } from './cancel-plan';

/** A reserved cancel and the canceled total it was reserved against (the true balance before it). */
interface Reservation {
  cancel: PaymentCancel;
  canceledBefore: number;
}

/**
 * Cancels (refunds) of paid payments, one in flight per payment: concurrent cancels wait their turn (in arrival order
 * on this instance; across instances the reservation refuses a second open cancel), so the balance a gateway is told
 * (Toss's refundableAmount) is the true balance before each cancel and every cancel that fits succeeds. The amount is
 * reserved in the same statement that checks it fits; a lost answer keeps the reservation (the cancel is UNKNOWN)
 * until a read-back settles it.
 */
@Injectable()
export class RefundsService {
  private readonly queue = new CancelQueue();

  constructor(
    private readonly ledger: PaymentLedger,
    private readonly cancels: CancelLedger,
    private readonly gateways: GatewayRegistry,
    private readonly sync: PaymentSyncService,
    private readonly timing: RecoveryTiming,
    @Inject(PAYMENTS_CLOCK) private readonly clock: PaymentsClock,
  ) {}

  /** Cancels all that is left (no amount) or part of a payment. */
  async cancel(input: CancelDto): Promise<PaymentCancel> {
    const dto = validateDto(CancelDto, input);
    const payment = await this.findForCancel(dto);
    const gateway = this.gateways.get(payment.gateway);
    const earlier = await this.findByIdempotencyKey(payment.id, dto);
    if (earlier) return earlier;
    return this.queue.run(payment.id, () => this.cancelInTurn(payment.id, gateway, dto));
  }

  async listCancels(paymentId: string): Promise<PaymentCancel[]> {
    return this.cancels.listForPayment(paymentId);
  }

  private async findForCancel(dto: CancelDto): Promise<Payment> {
    if (dto.paymentId) return this.ledger.findById(dto.paymentId);
    if (dto.gateway && dto.orderId) return this.ledger.findByOrderId(dto.gateway, dto.orderId);
    throw new InvalidInputError('paymentId', 'paymentId, or gateway + orderId, is required');
  }

  /** The cancel an idempotency key made before; the same key with other parameters is refused. */
  private async findByIdempotencyKey(paymentId: string, dto: CancelDto): Promise<PaymentCancel | null> {
    if (!dto.idempotencyKey) return null;
    const existing = await this.cancels.findByIdempotencyKey(paymentId, dto.idempotencyKey);
    if (!existing) return null;
    const differs = reusedParameter(existing, dto);
    if (differs) throw new IdempotencyKeyReusedError(dto.idempotencyKey, differs, { paymentId });
    return existing;
  }

  /** Runs when this caller's turn has come: plan against the current row, reserve, call, settle. */
  private async cancelInTurn(paymentId: string, gateway: PaymentGateway, dto: CancelDto): Promise<PaymentCancel> {
    const deadline = this.clock.now().getTime() + this.timing.stuckAfterMs(gateway);
    let readBack = false;
    for (let delayMs = 25; ; delayMs = Math.min(delayMs * 2, 500)) {
      const payment = await this.ledger.findById(paymentId);
      const earlier = await this.findByIdempotencyKey(paymentId, dto);
      if (earlier) return earlier;
      const planned = planCancel(payment, gateway, dto);
      const reserved = await this.reserve(payment, dto, planned);
      if (reserved && !('canceledBefore' in reserved)) return reserved; // same key, concurrent caller won
      if (reserved) return this.send(payment, gateway, dto, planned, reserved);
      // Another cancel of this payment is open (on another instance, or lost): wait for it, or learn its outcome.
      const open = await this.cancels.findOpen(paymentId);
      if (!open) continue; // it finished between our two reads: plan again
      const lost =
        open.status === CancelStatus.UNKNOWN || this.timing.isStuck(gateway, open.createdAt, this.clock.now());
      if (lost && !readBack) {
        readBack = true;
        await this.sync.sync(paymentId).catch(() => undefined); // best effort; the repair job runs the same rule
        continue;
      }
      if (lost || this.clock.now().getTime() > deadline) throw new CancelInProgressError(paymentId);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }

  /** Reserves the amount; a concurrent caller with the same idempotency key may have made the cancel already. */
  private async reserve(
    payment: Payment,
    dto: CancelDto,
    planned: PlannedCancel,
  ): Promise<Reservation | PaymentCancel | null> {
    const cancelId = newId();
    try {
      return await this.cancels.reserve({
        cancelId,
        paymentId: payment.id,
        amount: planned.amount,
        taxFreeAmount: planned.taxFreeAmount,
        reason: dto.reason,
        idempotencyKey: dto.idempotencyKey ?? idempotencyKeys.cancel(cancelId),
        refundAccount: dto.refundAccount
          ? {
              bankCode: dto.refundAccount.bankCode,
              accountNumberMasked: maskAccount(dto.refundAccount.accountNumber),
              holderName: dto.refundAccount.holderName,
            }
          : null,
      });
    } catch (error) {
      const existing = isUniqueViolation(error) ? await this.findByIdempotencyKey(payment.id, dto) : null;
      if (existing) return existing;
      throw error;
    }
  }

  /** Calls the gateway for a reserved cancel and settles the row with its answer. */
  private async send(
    payment: Payment,
    gateway: PaymentGateway,
    dto: CancelDto,
    planned: PlannedCancel,
    { cancel, canceledBefore }: Reservation,
  ): Promise<PaymentCancel> {
    const balanceBefore = payment.amount - canceledBefore;
    let result;
    try {
      result = await gateway.cancel({
        prepared: toPrepared(payment),
        paymentKey: payment.gatewayPaymentKey ?? '',
        cancelId: cancel.id,
        amount: planned.amount,
        isFull: planned.amount === balanceBefore,
        balanceBefore,
        taxFreeAmount: planned.taxFreeAmount,
        reason: dto.reason,
        refundAccount: dto.refundAccount,
        idempotencyKey: cancel.idempotencyKey,
      });
    } catch (error) {
      throw await this.settleCancelError(payment, gateway, cancel, error);
    }
    try {
      const settleCancel = { cancelId: cancel.id, cancel: result.cancel };
      await this.sync.apply(payment.id, this.sync.observed(result.payment), 'cancel', { settleCancel });
    } catch (error) {
      throw await this.settleCancelError(payment, gateway, cancel, error, true);
    }
    return (await this.cancels.findById(cancel.id)) as PaymentCancel;
  }

  /**
   * Keeps, releases or removes the reservation per what the error proves, and returns the error to throw. `answered`:
   * the gateway answered and recording that answer failed (the refund may have happened).
   */
  private async settleCancelError(
    payment: Payment,
    gateway: PaymentGateway,
    cancel: PaymentCancel,
    error: unknown,
    answered = false,
  ): Promise<unknown> {
    const mayHaveHappened =
      answered ||
      (error instanceof GatewayUnavailableError && error.requestSent) ||
      (error instanceof PaymentsError && answerDisagrees(error));
    if (mayHaveHappened) {
      await this.cancels
        .markUnknown(cancel.id, error instanceof Error ? error.message : String(error))
        .catch(() => undefined);
      const pe = error instanceof PaymentsError ? error : undefined;
      return new PaymentOutcomeUnknownError(
        payment.id,
        gateway.name,
        `cancel ${cancel.id}: ${pe?.gatewayCode ?? pe?.code ?? 'ERROR'}`,
        {
          cause: error,
          gatewayCode: pe?.gatewayCode,
          gatewayMessage: pe?.gatewayMessage,
        },
      );
    }
    if (error instanceof InvalidInputError || error instanceof UnsupportedOperationError) {
      // The adapter refused the input before sending anything (a reason outside the gateway's charset, a partial
      // refund it cannot do): no trace, like any other bad input.
      await this.cancels.discard(cancel.id);
    } else if (error instanceof PaymentsError) {
      await this.cancels.fail(cancel.id, error.gatewayCode ?? error.code, error.gatewayMessage ?? error.message);
      // The gateway's balance moved under us (a cancel made elsewhere): learn it, so the caller's retry plans right.
      if (error instanceof CancelConflictError) await this.sync.sync(payment.id).catch(() => undefined);
    }
    return error;
  }
}
