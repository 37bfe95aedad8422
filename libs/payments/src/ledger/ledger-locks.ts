import { In, type EntityManager } from 'typeorm';
import { PaymentNotFoundError } from '../domain/errors';
import { CancelStatus } from '../domain/payment-status';
import { PaymentCancel } from '../entities/payment-cancel.entity';
import { Payment } from '../entities/payment.entity';

/** Locks the payment row for the rest of the transaction (every status and amount write holds it). */
export async function lockPayment(manager: EntityManager, paymentId: string): Promise<Payment> {
  const payment = await manager
    .createQueryBuilder(Payment, 'p')
    .setLock('pessimistic_write')
    .where('p.id = :id', { id: paymentId })
    .getOne();
  if (!payment) throw new PaymentNotFoundError(`id ${paymentId}`, { paymentId });
  return payment;
}

/** Recomputes the reserved (pending) total from the open cancel rows, under the payment's lock. */
export async function recomputePendingCancels(manager: EntityManager, paymentId: string): Promise<void> {
  const rows = await manager.find(PaymentCancel, {
    where: { paymentId, status: In([CancelStatus.PENDING, CancelStatus.UNKNOWN]) },
  });
  const pending = rows.reduce((sum, c) => sum + c.amount, 0);
  await manager.update(Payment, { id: paymentId }, { pendingCancelAmount: pending });
}
