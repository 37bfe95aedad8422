import { Inject, Injectable } from '@nestjs/common';
import { DataSource, In, type EntityManager } from 'typeorm';
import { newId } from '../domain/ids';
import { CancelStatus, PaymentStatus } from '../domain/payment-status';
import { PaymentCancel } from '../entities/payment-cancel.entity';
import { Payment } from '../entities/payment.entity';
import { PaymentsOutbox } from '../events/outbox';
import { cancelChangeEvents } from '../events/payment-transition-events';
import { PAYMENTS_DATA_SOURCE } from '../payments.tokens';
import { lockPayment, recomputePendingCancels } from './ledger-locks';

export interface CancelReservation {
  paymentId: string;
  amount: number;
  taxFreeAmount: number;
  reason: string;
  idempotencyKey: string;
  refundAccount: PaymentCancel['refundAccount'];
  cancelId?: string;
}

/**
 * The only writer of cancel rows outside `PaymentLedger.apply`: reservations, and the outcomes of cancel calls that
 * produced no gateway truth. Each write holds the payment's lock so the reserved total stays equal to the open rows.
 */
@Injectable()
export class CancelLedger {
  constructor(
    @Inject(PAYMENTS_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly outbox: PaymentsOutbox,
  ) {}

  /**
   * Reserves `amount` for a new cancel in one statement: succeeds only while no other cancel of the payment is open
   * (one cancel in flight per payment, so the balance the gateway is told is the true balance before this cancel),
   * `canceled + amount <= total`, and the payment is cancelable; inserts the PENDING cancel row in the same short
   * transaction. Returns the row and the canceled total it was reserved against, or null when it does not fit now.
   */
  async reserve(input: CancelReservation): Promise<{ cancel: PaymentCancel; canceledBefore: number } | null> {
    return this.dataSource.transaction(async (manager) => {
      const result = await manager
        .createQueryBuilder()
        .update(Payment)
        .set({
          pendingCancelAmount: () => `pending_cancel_amount + ${Number(input.amount)}`,
          version: () => 'version + 1',
        } as never)
        .where('id = :id', { id: input.paymentId })
        .andWhere('status IN (:...statuses)', { statuses: [PaymentStatus.PAID, PaymentStatus.PARTIALLY_CANCELED] })
        .andWhere('pending_cancel_amount = 0')
        .andWhere('canceled_amount + :amount <= amount', { amount: input.amount })
        .returning('canceled_amount')
        .execute();
      if ((result.affected ?? 0) !== 1) return null;
      const [row] = result.raw as Array<{ canceled_amount: string | number }>;
      const cancel = await manager.save(newPendingCancel(manager, input));
      return { cancel, canceledBefore: Number(row.canceled_amount) };
    });
  }

  /** The open (PENDING or UNKNOWN) cancel of a payment, if any: the one a new cancel has to wait for. */
  async findOpen(paymentId: string): Promise<PaymentCancel | null> {
    return this.dataSource.manager.findOne(PaymentCancel, {
      where: { paymentId, status: In([CancelStatus.PENDING, CancelStatus.UNKNOWN]) },
      order: { createdAt: 'ASC' },
    });
  }

  async findByIdempotencyKey(paymentId: string, idempotencyKey: string): Promise<PaymentCancel | null> {
    return this.dataSource.manager.findOne(PaymentCancel, { where: { paymentId, idempotencyKey } });
  }

  async findById(cancelId: string): Promise<PaymentCancel | null> {
    return this.dataSource.manager.findOne(PaymentCancel, { where: { id: cancelId } });
  }

  async listForPayment(paymentId: string): Promise<PaymentCancel[]> {
    return this.dataSource.manager.find(PaymentCancel, { where: { paymentId }, order: { createdAt: 'ASC' } });
  }

  /** The gateway refused the cancel (or it provably never left): release the reservation. */
  async fail(cancelId: string, failureCode: string, failureMessage: string): Promise<void> {
    const open = [CancelStatus.PENDING, CancelStatus.UNKNOWN];
    await this.withLockedCancel(cancelId, open, async (manager, cancel, payment) => {
      const before = cancel.status;
      cancel.status = CancelStatus.FAILED;
      cancel.failureCode = failureCode.slice(0, 64);
      cancel.failureMessage = failureMessage.slice(0, 512);
      await manager.save(cancel);
      await this.outbox.record(manager, cancelChangeEvents(payment, cancel, before));
    });
  }

  /**
   * The adapter refused the cancel's input before anything was sent (a reason outside the gateway's charset ...):
   * bad input changes nothing, so the reservation row is removed rather than kept as FAILED.
   */
  async discard(cancelId: string): Promise<void> {
    await this.withLockedCancel(cancelId, [CancelStatus.PENDING], async (manager) => {
      await manager.delete(PaymentCancel, { id: cancelId, status: CancelStatus.PENDING });
    });
  }

  /** The cancel's answer was lost: keep the reservation until a read-back learns what happened. */
  async markUnknown(cancelId: string, reason: string): Promise<void> {
    await this.dataSource
      .createQueryBuilder()
      .update(PaymentCancel)
      .set({ status: CancelStatus.UNKNOWN, failureMessage: reason.slice(0, 512) })
      .where('id = :id AND status = :pending', { id: cancelId, pending: CancelStatus.PENDING })
      .execute();
  }

  /** Runs `change` on a cancel in one of `statuses` under the cancel's and the payment's locks, then re-totals. */
  private async withLockedCancel(
    cancelId: string,
    statuses: CancelStatus[],
    change: (manager: EntityManager, cancel: PaymentCancel, payment: Payment) => Promise<void>,
  ): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const cancel = await manager
        .createQueryBuilder(PaymentCancel, 'c')
        .setLock('pessimistic_write')
        .where('c.id = :id', { id: cancelId })
        .getOne();
      if (!cancel || !statuses.includes(cancel.status)) return;
      const payment = await lockPayment(manager, cancel.paymentId);
      await change(manager, cancel, payment);
      await recomputePendingCancels(manager, cancel.paymentId);
    });
  }
}

function newPendingCancel(manager: EntityManager, input: CancelReservation): PaymentCancel {
  return manager.create(PaymentCancel, {
    id: input.cancelId ?? newId(),
    paymentId: input.paymentId,
    amount: input.amount,
    taxFreeAmount: input.taxFreeAmount,
    reason: input.reason,
    status: CancelStatus.PENDING,
    idempotencyKey: input.idempotencyKey,
    refundAccount: input.refundAccount,
    transactionKey: null,
    canceledAt: null,
    failureCode: null,
    failureMessage: null,
    absentReads: 0,
    raw: null,
  });
}
