import { CancelAmountExceedsBalanceError, InvalidInputError, InvalidPaymentStateError } from '../domain/errors';
import { assertNonNegativeKrw } from '../domain/money';
import { PaymentStatus } from '../domain/payment-status';
import type { PaymentCancel } from '../entities/payment-cancel.entity';
import type { Payment } from '../entities/payment.entity';
import type { PaymentGateway } from '../gateways/gateway.port';
import type { CancelDto } from '../payments.dto';

export interface PlannedCancel {
  amount: number;
  taxFreeAmount: number;
}

/**
 * Checks a cancel request against the payment as it stands now (the reservation re-checks it atomically). Money in
 * flight in another cancel counts as spent: a cancel that only fits if that one fails is refused, not queued.
 */
export function planCancel(payment: Payment, gateway: PaymentGateway, dto: CancelDto): PlannedCancel {
  if (payment.status === PaymentStatus.CANCELED) {
    // Nothing left to refund: the caller asked for more than the balance (0), not for something that makes no sense.
    throw new CancelAmountExceedsBalanceError(dto.amount ?? 0, 0, { paymentId: payment.id });
  }
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

/**
 * Which parameter differs between a cancel an idempotency key made and a new request under the same key, or null.
 * An omitted amount means "all that is left" and matches whatever amount the first request settled on.
 */
export function reusedParameter(existing: PaymentCancel, dto: CancelDto): string | null {
  if (dto.amount !== undefined && dto.amount !== existing.amount) return 'amount';
  if ((dto.taxFreeAmount ?? 0) !== existing.taxFreeAmount) return 'taxFreeAmount';
  if (dto.reason !== existing.reason) return 'reason';
  return null;
}

export function maskAccount(accountNumber: string): string {
  return accountNumber.length <= 4 ? '****' : `${'*'.repeat(accountNumber.length - 4)}${accountNumber.slice(-4)}`;
}
