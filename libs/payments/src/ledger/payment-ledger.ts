import type { LoggerService } from '@nestjs/common';
import { DataSource, EntityManager, In } from 'typeorm';
import type { PaymentsClock } from '../domain/clock';
import { AmountMismatchError, InvalidTransitionError, OrderMismatchError, PaymentKeyMismatchError, PaymentNotFoundError } from '../domain/errors';
import { newId } from '../domain/ids';
import { assertTransition, canTransition, CancelStatus, PaymentStatus } from '../domain/payment-status';
import { PaymentCancel } from '../entities/payment-cancel.entity';
import { Payment } from '../entities/payment.entity';
import type { GatewayCancelTruth, GatewayPaymentStatus, GatewayPaymentTruth } from '../gateways/gateway.port';

/** Why `apply` runs: decides how unmatched UNKNOWN cancels are treated. */
export type ApplySource = 'confirm' | 'sync' | 'webhook' | 'cancel' | 'charge';

export interface ApplyOptions {
  source: ApplySource;
  /** The cancel row this truth answers (the cancel call we just made) and the gateway's record of it. */
  settleCancel?: { cancelId: string; cancel: GatewayCancelTruth };
  /** Keyed hash of the gateway's per-payment webhook secret, when the truth carried one. */
  webhookSecretHash?: string | null;
  /** Billing key this payment was charged with. */
  billingKeyId?: string;
}

/** A PENDING cancel older than this is treated as lost (process died mid-call) when `sync` runs. */
export const STALE_PENDING_CANCEL_MS = 5 * 60_000;

/**
 * All writes to `payments` / `payment_cancels`. Short transactions only: nothing here calls a gateway, and the
 * service never calls a gateway inside one of these (DESIGN.md §3 rule 1).
 */
export class PaymentLedger {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: PaymentsClock,
    private readonly logger: LoggerService,
  ) {}

  /**
   * Compare-and-set of the status (DESIGN.md §3 rule 2): moves the row to `to` only when it is in one of `from`.
   * Returns true for exactly one of any number of concurrent callers.
   */
  async compareAndSetStatus(
    paymentId: string,
    from: PaymentStatus[],
    to: PaymentStatus,
    fields: Partial<Pick<Payment, 'gatewayPaymentKey' | 'failureCode' | 'failureMessage' | 'raw'>> = {},
  ): Promise<boolean> {
    for (const status of from) assertTransition(status, to, paymentId);
    const result = await this.dataSource
      .createQueryBuilder()
      .update(Payment)
      .set({ ...fields, status: to, version: () => 'version + 1' } as never)
      .where('id = :id AND status IN (:...from)', { id: paymentId, from })
      .execute();
    return (result.affected ?? 0) === 1;
  }

  async findById(paymentId: string, manager: EntityManager = this.dataSource.manager): Promise<Payment> {
    const payment = await manager.findOne(Payment, { where: { id: paymentId } });
    if (!payment) throw new PaymentNotFoundError(`id ${paymentId}`, { paymentId });
    return payment;
  }

  async findByOrderId(gateway: string, orderId: string): Promise<Payment> {
    const payment = await this.dataSource.manager.findOne(Payment, { where: { gateway, orderId } });
    if (!payment) throw new PaymentNotFoundError(`${gateway} orderId ${orderId}`);
    return payment;
  }

  async findWebhookSecretHash(paymentId: string): Promise<string | null> {
    const row = await this.dataSource
      .createQueryBuilder(Payment, 'p')
      .select('p.webhook_secret_hash', 'hash')
      .where('p.id = :id', { id: paymentId })
      .getRawOne<{ hash: string | null }>();
    return row?.hash ?? null;
  }

  /**
   * Reserves `amount` for a new cancel in one statement (DESIGN.md §3 rule 6): succeeds only while
   * `canceled + pending + amount <= total` and the payment is cancelable, and inserts the PENDING cancel row in the
   * same short transaction. Returns null when the reservation does not fit.
   */
  async reserveCancel(input: {
    paymentId: string;
    amount: number;
    taxFreeAmount: number;
    reason: string;
    idempotencyKey: string;
    refundAccount: PaymentCancel['refundAccount'];
    cancelId?: string;
  }): Promise<PaymentCancel | null> {
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
        .andWhere('canceled_amount + pending_cancel_amount + :amount <= amount', { amount: input.amount })
        .execute();
      if ((result.affected ?? 0) !== 1) return null;
      const cancel = manager.create(PaymentCancel, {
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
        raw: null,
      });
      return manager.save(cancel);
    });
  }

  async findCancel(paymentId: string, idempotencyKey: string): Promise<PaymentCancel | null> {
    return this.dataSource.manager.findOne(PaymentCancel, { where: { paymentId, idempotencyKey } });
  }

  async findCancelById(cancelId: string): Promise<PaymentCancel | null> {
    return this.dataSource.manager.findOne(PaymentCancel, { where: { id: cancelId } });
  }

  /** The gateway refused the cancel (or it provably never left): release the reservation. */
  async failCancel(cancelId: string, failureCode: string, failureMessage: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const cancel = await manager
        .createQueryBuilder(PaymentCancel, 'c')
        .setLock('pessimistic_write')
        .where('c.id = :id', { id: cancelId })
        .getOne();
      if (!cancel || (cancel.status !== CancelStatus.PENDING && cancel.status !== CancelStatus.UNKNOWN)) return;
      await this.lockPayment(manager, cancel.paymentId);
      cancel.status = CancelStatus.FAILED;
      cancel.failureCode = failureCode.slice(0, 64);
      cancel.failureMessage = failureMessage.slice(0, 512);
      await manager.save(cancel);
      await this.recomputeCancelTotals(manager, cancel.paymentId);
    });
  }

  /**
   * The adapter refused the cancel's input before anything was sent (a reason outside the gateway's charset ...):
   * bad input changes nothing, so the reservation row is removed rather than kept as FAILED.
   */
  async discardCancel(cancelId: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const cancel = await manager
        .createQueryBuilder(PaymentCancel, 'c')
        .setLock('pessimistic_write')
        .where('c.id = :id', { id: cancelId })
        .getOne();
      if (!cancel || cancel.status !== CancelStatus.PENDING) return;
      await this.lockPayment(manager, cancel.paymentId);
      await manager.delete(PaymentCancel, { id: cancelId, status: CancelStatus.PENDING });
      await this.recomputeCancelTotals(manager, cancel.paymentId);
    });
  }

  /** The cancel's answer was lost: keep the reservation until `sync` learns what happened. */
  async markCancelUnknown(cancelId: string, reason: string): Promise<void> {
    await this.dataSource
      .createQueryBuilder()
      .update(PaymentCancel)
      .set({ status: CancelStatus.UNKNOWN, failureMessage: reason.slice(0, 512) })
      .where('id = :id AND status = :pending', { id: cancelId, pending: CancelStatus.PENDING })
      .execute();
  }

  /** Records the outcome of an approval attempt that did not produce a gateway truth. */
  async recordFailure(paymentId: string, from: PaymentStatus[], to: PaymentStatus, code: string, message: string): Promise<boolean> {
    return this.compareAndSetStatus(paymentId, from, to, {
      failureCode: code.slice(0, 64),
      failureMessage: message.slice(0, 512),
    });
  }

  /**
   * The one step every path ends in (DESIGN.md §3 rule 7): confirm, billing charge, cancel, sync, webhooks and
   * repair jobs hand the gateway's truth here. Under a row lock it checks the truth belongs to this payment
   * (orderId, total amount), settles cancel rows against the gateway's cancel list, moves the status through
   * the transition table, and stores the scrubbed response. Stale truths (a late webhook describing an older
   * state) never move a payment backwards.
   */
  async apply(paymentId: string, truth: GatewayPaymentTruth, options: ApplyOptions): Promise<Payment> {
    return this.dataSource.transaction(async (manager) => {
      const payment = await this.lockPayment(manager, paymentId);
      if (truth.orderId !== payment.orderId) {
        throw new OrderMismatchError(payment.orderId, truth.orderId, { paymentId, gateway: payment.gateway });
      }
      if (truth.totalAmount !== payment.amount) {
        throw new AmountMismatchError(payment.amount, truth.totalAmount, { paymentId, gateway: payment.gateway });
      }
      if (payment.gatewayPaymentKey && truth.paymentKey && truth.paymentKey !== payment.gatewayPaymentKey) {
        // Once we hold a gateway key (tid / paymentKey / payToken), a truth about another one is not about this
        // payment: adopting it would send later refunds to someone else's transaction.
        throw new PaymentKeyMismatchError(payment.gatewayPaymentKey, truth.paymentKey, { paymentId, gateway: payment.gateway });
      }

      // Hot path (a plain confirm): nothing canceled, nothing pending, no gateway cancels → no cancel rows to read.
      const mayHaveCancels =
        payment.canceledAmount > 0 || payment.pendingCancelAmount > 0 || truth.cancels.length > 0 || !!options.settleCancel;
      const cancels = mayHaveCancels
        ? await manager.find(PaymentCancel, { where: { paymentId }, order: { createdAt: 'ASC' } })
        : [];
      const changedCancels = this.settleCancels(payment, cancels, truth, options);
      if (changedCancels.length > 0) await manager.save(changedCancels);

      const doneSum = cancels.filter((c) => c.status === CancelStatus.DONE).reduce((sum, c) => sum + c.amount, 0);
      const pendingSum = cancels
        .filter((c) => c.status === CancelStatus.PENDING || c.status === CancelStatus.UNKNOWN)
        .reduce((sum, c) => sum + c.amount, 0);
      // Canceled amounts only grow: a stale truth (older response, late webhook) cannot un-cancel money.
      const gatewayCanceled = truth.totalAmount - truth.balanceAmount;
      const canceled = Math.max(payment.canceledAmount, gatewayCanceled, doneSum);
      // A difference covered by in-flight cancels is a cancel the gateway reported before our call returned.
      if (doneSum > canceled || doneSum + pendingSum < canceled) {
        this.logger.warn?.(
          `payment ${paymentId}: cancel rows sum to ${doneSum} but ${payment.gateway} reports ${gatewayCanceled} canceled; reconciliation will flag it`);
      }

      const target = this.targetStatus(payment.status, truth.status, canceled, payment.amount);
      if (target !== payment.status) {
        if (!canTransition(payment.status, target)) {
          throw new InvalidTransitionError(payment.status, target, paymentId);
        }
        payment.status = target;
      }

      payment.canceledAmount = canceled;
      payment.pendingCancelAmount = Math.min(pendingSum, payment.amount - canceled);
      payment.balanceAmount = payment.amount - canceled;
      payment.gatewayPaymentKey = truth.paymentKey || payment.gatewayPaymentKey;
      payment.method = truth.method ?? payment.method;
      payment.approvedAt = truth.approvedAt ?? payment.approvedAt;
      if (truth.vat !== undefined && truth.vat !== null) payment.vat = truth.vat;
      if (truth.virtualAccount) {
        payment.virtualAccountBankCode = truth.virtualAccount.bankCode;
        payment.virtualAccountNumber = truth.virtualAccount.accountNumber;
        payment.virtualAccountHolderName = truth.virtualAccount.customerName ?? payment.virtualAccountHolderName;
        payment.virtualAccountDueDate = truth.virtualAccount.dueDate ?? payment.virtualAccountDueDate;
      }
      if (truth.failure && (payment.status === PaymentStatus.FAILED || payment.status === PaymentStatus.EXPIRED)) {
        payment.failureCode = truth.failure.code.slice(0, 64);
        payment.failureMessage = truth.failure.message.slice(0, 512);
      }
      payment.lastTransactionKey = truth.lastTransactionKey ?? payment.lastTransactionKey;
      payment.receiptUrl = truth.receiptUrl ?? payment.receiptUrl;
      if (options.billingKeyId) payment.billingKeyId = options.billingKeyId;
      payment.raw = truth.raw ?? payment.raw;
      payment.version += 1;
      // An explicit UPDATE of the row we hold locked (save() would re-select it to diff).
      await manager.update(Payment, { id: paymentId }, {
        status: payment.status,
        canceledAmount: payment.canceledAmount,
        pendingCancelAmount: payment.pendingCancelAmount,
        balanceAmount: payment.balanceAmount,
        gatewayPaymentKey: payment.gatewayPaymentKey,
        method: payment.method,
        approvedAt: payment.approvedAt,
        vat: payment.vat,
        virtualAccountBankCode: payment.virtualAccountBankCode,
        virtualAccountNumber: payment.virtualAccountNumber,
        virtualAccountHolderName: payment.virtualAccountHolderName,
        virtualAccountDueDate: payment.virtualAccountDueDate,
        failureCode: payment.failureCode,
        failureMessage: payment.failureMessage,
        lastTransactionKey: payment.lastTransactionKey,
        receiptUrl: payment.receiptUrl,
        billingKeyId: payment.billingKeyId,
        raw: payment.raw as object,
        version: payment.version,
        ...(options.webhookSecretHash ? { webhookSecretHash: options.webhookSecretHash } : {}),
      });
      return payment;
    });
  }

  private async lockPayment(manager: EntityManager, paymentId: string): Promise<Payment> {
    const payment = await manager
      .createQueryBuilder(Payment, 'p')
      .setLock('pessimistic_write')
      .where('p.id = :id', { id: paymentId })
      .getOne();
    if (!payment) throw new PaymentNotFoundError(`id ${paymentId}`, { paymentId });
    return payment;
  }

  /**
   * Matches the gateway's cancel list with our cancel rows. Returns the rows that changed (mutated in place).
   * - the cancel we just made is settled with the gateway's record of it;
   * - other gateway cancels are matched by transaction key, then to our UNKNOWN (or stale PENDING) rows of the
   *   same amount, oldest first; a gateway cancel we never requested (dashboard) becomes a new DONE row;
   * - on `sync`, an UNKNOWN row the gateway has no cancel for never happened: FAILED, reservation released.
   */
  private settleCancels(
    payment: Payment,
    cancels: PaymentCancel[],
    truth: GatewayPaymentTruth,
    options: ApplyOptions,
  ): PaymentCancel[] {
    const changed = new Set<PaymentCancel>();
    const now = this.clock.now();
    const known = new Set(cancels.filter((c) => c.transactionKey).map((c) => c.transactionKey as string));

    if (options.settleCancel) {
      const row = cancels.find((c) => c.id === options.settleCancel?.cancelId);
      const gatewayCancel = options.settleCancel.cancel;
      if (row && gatewayCancel.amount !== row.amount) {
        // The gateway reports a cancel of another amount than we asked: what it refunded is not what we reserved.
        // The service keeps the reservation (UNKNOWN) and a read-back settles it (approval-outcome.ts answerDisagrees).
        throw new AmountMismatchError(row.amount, gatewayCancel.amount, { paymentId: payment.id, gateway: payment.gateway, field: 'cancel.amount' });
      }
      if (row && row.status !== CancelStatus.DONE) {
        row.status = CancelStatus.DONE;
        row.transactionKey = gatewayCancel.transactionKey;
        row.canceledAt = gatewayCancel.canceledAt ?? now;
        row.failureCode = null;
        row.failureMessage = null;
        changed.add(row);
        known.add(gatewayCancel.transactionKey);
        // A webhook / sync that read this cancel back before our call returned may have recorded it as a gateway
        // cancel of its own (older rows, or a PENDING row that had gone stale). It is the same money: keep our row,
        // retire the provisional one so the cancel is counted once.
        for (const duplicate of cancels) {
          if (duplicate !== row && duplicate.status === CancelStatus.DONE && duplicate.transactionKey === gatewayCancel.transactionKey && duplicate.idempotencyKey.startsWith('gateway:')) {
            duplicate.status = CancelStatus.FAILED;
            duplicate.failureCode = 'DUPLICATE_OF_CANCEL';
            duplicate.failureMessage = `same gateway cancel as ${row.id}; counted there`;
            changed.add(duplicate);
          }
        }
      }
    }

    const isLost = (c: PaymentCancel): boolean =>
      c.status === CancelStatus.UNKNOWN ||
      (c.status === CancelStatus.PENDING && now.getTime() - c.createdAt.getTime() > STALE_PENDING_CANCEL_MS);

    for (const gatewayCancel of truth.cancels) {
      if (gatewayCancel.status !== 'DONE' || known.has(gatewayCancel.transactionKey)) continue;
      const match = cancels.find((c) => isLost(c) && !changed.has(c) && c.amount === gatewayCancel.amount);
      const inFlight = cancels.find((c) => c.status === CancelStatus.PENDING && !isLost(c) && !changed.has(c) && c.amount === gatewayCancel.amount);
      if (!match && inFlight) {
        // Our own cancel of this amount is still on the wire and the gateway already reports one (a cancel webhook
        // read back before the answer arrived, kispg.md §9). Leave it to that call to settle: recording it here
        // as a gateway cancel would count the same money twice. Its reservation keeps the balance safe meanwhile,
        // and if the call dies the row goes stale and is matched as lost.
        continue;
      }
      if (match) {
        match.status = CancelStatus.DONE;
        match.transactionKey = gatewayCancel.transactionKey;
        match.canceledAt = gatewayCancel.canceledAt ?? now;
        match.failureCode = null;
        match.failureMessage = null;
        changed.add(match);
      } else {
        const external = Object.assign(new PaymentCancel(), {
          id: newId(),
          paymentId: payment.id,
          amount: gatewayCancel.amount,
          taxFreeAmount: gatewayCancel.taxFreeAmount,
          reason: (gatewayCancel.reason ?? 'canceled at the gateway').slice(0, 200),
          status: CancelStatus.DONE,
          idempotencyKey: `gateway:${gatewayCancel.transactionKey}`,
          transactionKey: gatewayCancel.transactionKey,
          refundAccount: null,
          canceledAt: gatewayCancel.canceledAt ?? now,
          failureCode: null,
          failureMessage: null,
          raw: null,
          createdAt: now,
        });
        cancels.push(external);
        changed.add(external);
      }
      known.add(gatewayCancel.transactionKey);
    }

    if (options.source === 'sync') {
      for (const row of cancels) {
        if (isLost(row) && !changed.has(row)) {
          row.status = CancelStatus.FAILED;
          row.failureCode = 'NOT_AT_GATEWAY';
          row.failureMessage = `${payment.gateway} has no record of this cancel; reservation released by sync`;
          changed.add(row);
        }
      }
    }
    return [...changed];
  }

  /** Recomputes canceled/pending totals from the cancel rows (after a cancel failed). */
  private async recomputeCancelTotals(manager: EntityManager, paymentId: string): Promise<void> {
    const rows = await manager.find(PaymentCancel, {
      where: { paymentId, status: In([CancelStatus.PENDING, CancelStatus.UNKNOWN]) },
    });
    const pending = rows.reduce((sum, c) => sum + c.amount, 0);
    await manager.update(Payment, { id: paymentId }, { pendingCancelAmount: pending });
  }

  /**
   * Maps the gateway's status onto ours given what has been canceled. Cancel states are derived from amounts
   * (toss.md §3.3: "decide fully cancelled by balanceAmount == 0, not by status"). A truth that is behind our
   * state (stale) leaves the status alone.
   */
  private targetStatus(
    current: PaymentStatus,
    reported: GatewayPaymentStatus,
    canceled: number,
    amount: number,
  ): PaymentStatus {
    if (canceled > 0 && (reported === 'PAID' || reported === 'PARTIALLY_CANCELED' || reported === 'CANCELED')) {
      return canceled >= amount ? PaymentStatus.CANCELED : PaymentStatus.PARTIALLY_CANCELED;
    }
    let target: PaymentStatus;
    switch (reported) {
      case 'READY':
      case 'IN_PROGRESS':
        return current; // the gateway has not approved (yet): nothing to apply
      case 'PAID':
        target = PaymentStatus.PAID;
        break;
      case 'WAITING_FOR_DEPOSIT':
        target = PaymentStatus.WAITING_FOR_DEPOSIT;
        break;
      case 'PARTIALLY_CANCELED':
        target = PaymentStatus.PARTIALLY_CANCELED;
        break;
      case 'CANCELED':
        target = PaymentStatus.CANCELED;
        break;
      case 'FAILED':
        target = PaymentStatus.FAILED;
        break;
      case 'EXPIRED':
        target = PaymentStatus.EXPIRED;
        break;
      default:
        return current;
    }
    if (target === current || canTransition(current, target)) return target;
    // Not a legal move: either the truth is stale (behind us) or something is really wrong.
    if (STATUS_RANK[target] <= STATUS_RANK[current]) return current;
    return target; // the caller raises InvalidTransitionError
  }
}

/** How far along a payment is; used only to recognise stale truths. */
const STATUS_RANK: Record<PaymentStatus, number> = {
  [PaymentStatus.READY]: 0,
  [PaymentStatus.IN_PROGRESS]: 1,
  [PaymentStatus.UNKNOWN]: 1,
  [PaymentStatus.WAITING_FOR_DEPOSIT]: 2,
  [PaymentStatus.PAID]: 3,
  [PaymentStatus.PARTIALLY_CANCELED]: 4,
  [PaymentStatus.CANCELED]: 5,
  [PaymentStatus.FAILED]: 5,
  [PaymentStatus.EXPIRED]: 5,
};
