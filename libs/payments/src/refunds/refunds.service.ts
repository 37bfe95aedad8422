import { Injectable } from '@nestjs/common';
import { answerDisagrees } from '../domain/approval-outcome';
import {
  CancelAmountExceedsBalanceError,
  GatewayUnavailableError,
  InvalidInputError,
  InvalidPaymentStateError,
  PaymentOutcomeUnknownError,
  PaymentsError,
  UnsupportedOperationError,
} from '../domain/errors';
import { idempotencyKeys, newId } from '../domain/ids';
import { assertNonNegativeKrw } from '../domain/money';
import { PaymentStatus } from '../domain/payment-status';
import { validateDto } from '../domain/validation';
import type { PaymentCancel } from '../entities/payment-cancel.entity';
import type { Payment } from '../entities/payment.entity';
import { GatewayRegistry } from '../gateways/gateway-registry';
import type { PaymentGateway } from '../gateways/gateway.port';
import { CancelLedger } from '../ledger/cancel-ledger';
import { isUniqueViolation, PaymentLedger } from '../ledger/payment-ledger';
import { CancelDto } from '../payments.dto';
import { toPrepared } from '../payments/payment-rows';
import { PaymentSyncService } from '../payments/payment-sync.service';

interface PlannedCancel {
  amount: number;
  taxFreeAmount: number;
}

/**
 * Cancels (refunds) of paid payments. The amount is reserved in the same statement that checks
 * `canceled + pending + amount <= total`, so concurrent partial cancels can never refund more than was paid; a lost
 * answer keeps the reservation (the cancel is UNKNOWN) until a read-back settles it.
 */
@Injectable()
export class RefundsService {
  constructor(
    private readonly ledger: PaymentLedger,
    private readonly cancels: CancelLedger,
    private readonly gateways: GatewayRegistry,
    private readonly sync: PaymentSyncService,
  ) {}

  /** Cancels all that is left (no amount) or part of a payment. */
  async cancel(input: CancelDto): Promise<PaymentCancel> {
    const dto = validateDto(CancelDto, input);
    const payment = await this.findForCancel(dto);
    const gateway = this.gateways.get(payment.gateway);
    if (dto.idempotencyKey) {
      const existing = await this.cancels.findByIdempotencyKey(payment.id, dto.idempotencyKey);
      if (existing) return existing;
    }
    const planned = planCancel(payment, gateway, dto);
    const cancelId = newId();
    const idempotencyKey = dto.idempotencyKey ?? idempotencyKeys.cancel(cancelId);
    const cancel = await this.reserve(payment, dto, planned, cancelId, idempotencyKey);
    if (cancel.id !== cancelId) return cancel; // the same idempotency key won a concurrent race
    await this.send(payment, gateway, dto, planned, cancel, idempotencyKey);
    return (await this.cancels.findById(cancel.id)) as PaymentCancel;
  }

  async listCancels(paymentId: string): Promise<PaymentCancel[]> {
    return this.cancels.listForPayment(paymentId);
  }

  private async findForCancel(dto: CancelDto): Promise<Payment> {
    if (dto.paymentId) return this.ledger.findById(dto.paymentId);
    if (dto.gateway && dto.orderId) return this.ledger.findByOrderId(dto.gateway, dto.orderId);
    throw new InvalidInputError('paymentId', 'paymentId, or gateway + orderId, is required');
  }

  /** Reserves the amount (or finds the cancel a concurrent caller with the same idempotency key created). */
  private async reserve(
    payment: Payment,
    dto: CancelDto,
    planned: PlannedCancel,
    cancelId: string,
    idempotencyKey: string,
  ): Promise<PaymentCancel> {
    let cancel: PaymentCancel | null;
    try {
      cancel = await this.cancels.reserve({
        cancelId,
        paymentId: payment.id,
        amount: planned.amount,
        taxFreeAmount: planned.taxFreeAmount,
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
      const existing =
        isUniqueViolation(error) && dto.idempotencyKey
          ? await this.cancels.findByIdempotencyKey(payment.id, dto.idempotencyKey)
          : null;
      if (existing) return existing;
      throw error;
    }
    if (cancel) return cancel;
    const current = await this.ledger.findById(payment.id);
    if (current.status !== PaymentStatus.PAID && current.status !== PaymentStatus.PARTIALLY_CANCELED) {
      throw new InvalidPaymentStateError(current.id, current.status, 'cancel');
    }
    const cancelable = current.amount - current.canceledAmount - current.pendingCancelAmount;
    throw new CancelAmountExceedsBalanceError(planned.amount, cancelable, { paymentId: payment.id });
  }

  /** Calls the gateway for a reserved cancel and settles the row with its answer. */
  private async send(
    payment: Payment,
    gateway: PaymentGateway,
    dto: CancelDto,
    planned: PlannedCancel,
    cancel: PaymentCancel,
    idempotencyKey: string,
  ): Promise<void> {
    const balanceBefore = payment.amount - payment.canceledAmount;
    try {
      const result = await gateway.cancel({
        prepared: toPrepared(payment),
        paymentKey: payment.gatewayPaymentKey ?? '',
        cancelId: cancel.id,
        amount: planned.amount,
        isFull: planned.amount === balanceBefore,
        balanceBefore,
        taxFreeAmount: planned.taxFreeAmount,
        reason: dto.reason,
        refundAccount: dto.refundAccount,
        idempotencyKey,
      });
      await this.sync.apply(payment.id, result.payment, 'cancel', {
        settleCancel: { cancelId: cancel.id, cancel: result.cancel },
      });
    } catch (error) {
      throw await this.settleCancelError(payment, gateway, cancel, error);
    }
  }

  /** Keeps, releases or removes the reservation per what the error proves, and returns the error to throw. */
  private async settleCancelError(
    payment: Payment,
    gateway: PaymentGateway,
    cancel: PaymentCancel,
    error: unknown,
  ): Promise<unknown> {
    const mayHaveHappened =
      (error instanceof GatewayUnavailableError && error.requestSent) ||
      (error instanceof PaymentsError && answerDisagrees(error));
    if (mayHaveHappened && error instanceof PaymentsError) {
      await this.cancels.markUnknown(cancel.id, error.message);
      return new PaymentOutcomeUnknownError(
        payment.id,
        gateway.name,
        `cancel ${cancel.id}: ${error.gatewayCode ?? error.message}`,
        {
          cause: error,
          gatewayCode: error.gatewayCode,
          gatewayMessage: error.gatewayMessage,
        },
      );
    }
    if (error instanceof InvalidInputError || error instanceof UnsupportedOperationError) {
      // The adapter refused the input before sending anything (a reason outside the gateway's charset, a partial
      // refund it cannot do): no trace, like any other bad input.
      await this.cancels.discard(cancel.id);
    } else if (error instanceof PaymentsError) {
      await this.cancels.fail(cancel.id, error.gatewayCode ?? error.code, error.gatewayMessage ?? error.message);
    }
    return error;
  }
}

/** Checks the request against the payment as read (the reservation re-checks it atomically). */
function planCancel(payment: Payment, gateway: PaymentGateway, dto: CancelDto): PlannedCancel {
  if (payment.status !== PaymentStatus.PAID && payment.status !== PaymentStatus.PARTIALLY_CANCELED) {
    throw new InvalidPaymentStateError(payment.id, payment.status, 'cancel');
  }
  const cancelable = payment.amount - payment.canceledAmount - payment.pendingCancelAmount;
  const amount = dto.amount ?? cancelable;
  if (amount <= 0 || amount > cancelable) {
    throw new CancelAmountExceedsBalanceError(dto.amount ?? 0, cancelable, { paymentId: payment.id });
  }
  if (amount < cancelable + payment.pendingCancelAmount && !gateway.features.partialCancel) {
    throw new InvalidInputError('amount', `${gateway.name} supports full cancels only (remaining ${cancelable})`);
  }
  const taxFreeAmount = dto.taxFreeAmount ?? 0;
  assertNonNegativeKrw(taxFreeAmount, 'taxFreeAmount');
  if (taxFreeAmount > amount) throw new InvalidInputError('taxFreeAmount', 'must not exceed the cancel amount');
  return { amount, taxFreeAmount };
}

function maskAccount(accountNumber: string): string {
  return accountNumber.length <= 4 ? '****' : `${'*'.repeat(accountNumber.length - 4)}${accountNumber.slice(-4)}`;
}
