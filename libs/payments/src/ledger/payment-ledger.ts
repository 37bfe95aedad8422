import { Inject, Injectable, type LoggerService } from '@nestjs/common';
import { DataSource, QueryFailedError, type EntityManager } from 'typeorm';
import type { PaymentsClock } from '../domain/clock';
import { DuplicateOrderError, InvalidTransitionError, PaymentNotFoundError } from '../domain/errors';
import { assertTransition, canTransition, CancelStatus, PaymentStatus } from '../domain/payment-status';
import { PaymentCancel } from '../entities/payment-cancel.entity';
import { Payment } from '../entities/payment.entity';
import type { GatewayCancelTruth, GatewayPaymentTruth } from '../gateways/gateway.port';
import { PaymentsOutbox } from '../events/outbox';
import { cancelChangeEvents, emitsEvent, paymentChangeEvents } from '../events/payment-transition-events';
import { PaymentsMetrics } from '../operations/payments-metrics';
import { PAYMENTS_CLOCK, PAYMENTS_DATA_SOURCE, PAYMENTS_LOGGER } from '../payments.tokens';
import { settleCancels } from './cancel-settlement';
import { insertStatement, setClause } from '../database/entity-rows';
import { PreparedSql } from '../database/prepared-sql';
import { lockPayment } from './ledger-locks';
import { assertTruthIsFor, copyTruthDetails, isReadBack, persistedFields, sumOf } from './truth-rules';
import { targetStatus } from './target-status';

export { STALE_PENDING_CANCEL_MS } from './cancel-settlement';

/** Why `apply` runs: decides how unmatched UNKNOWN cancels are treated. */
export type ApplySource = 'confirm' | 'sync' | 'webhook' | 'cancel' | 'charge';

export interface ApplyOptions {
  source: ApplySource;
  /**
   * How long a cancel may still be processed at the gateway after it was sent (its longest call plus a margin). A lost
   * cancel the gateway does not show is released only after this long, and only on the second such read-back.
   */
  lostCancelGraceMs?: number;
  /** The cancel row this truth answers (the cancel call we just made) and the gateway's record of it. */
  settleCancel?: { cancelId: string; cancel: GatewayCancelTruth };
  /** Keyed hash of the gateway's per-payment webhook secret, when the truth carried one. */
  webhookSecretHash?: string | null;
  /** Billing key this payment was charged with. */
  billingKeyId?: string;
  /**
   * The row exactly as the caller last wrote it (its version included): the answer to our own approval call is then
   * applied with one guarded UPDATE instead of a locked read-modify-write. Any other writer in between changes the
   * version, and the locked path runs instead.
   */
  known?: Payment;
}

type PaymentFields = Partial<
  Pick<Payment, 'gatewayPaymentKey' | 'attemptPaymentKey' | 'approvalSentAt' | 'failureCode' | 'failureMessage' | 'raw'>
>;

/**
 * The only writer of payment status and amounts. Short transactions only: nothing here calls a gateway, and no
 * caller calls a gateway inside one of these (see docs/architecture.md#rules-that-keep-money-exact).
 */
@Injectable()
export class PaymentLedger {
  constructor(
    @Inject(PAYMENTS_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(PAYMENTS_CLOCK) private readonly clock: PaymentsClock,
    @Inject(PAYMENTS_LOGGER) private readonly logger: LoggerService,
    private readonly outbox: PaymentsOutbox,
    private readonly metrics: PaymentsMetrics,
    private readonly sql: PreparedSql,
  ) {}

  /** Stores a new READY payment; a second payment with the same (gateway, orderId) is a DuplicateOrderError. */
  async insertReady(payment: Payment): Promise<void> {
    if (payment.version === undefined) payment.version = 1; // what TypeORM's insert would write for the version column
    const params: unknown[] = [];
    const statement = insertStatement(this.dataSource, Payment, payment, params);
    try {
      const [generated] = await this.sql.rows<Pick<Payment, 'version' | 'createdAt' | 'updatedAt'>>(statement, params);
      Object.assign(payment, generated);
    } catch (error) {
      if (isUniqueViolation(error)) throw new DuplicateOrderError(payment.gateway, payment.orderId);
      throw error;
    }
  }

  /** Removes a READY row nothing was sent for (bad input changes nothing). */
  async deleteReady(paymentId: string): Promise<void> {
    await this.dataSource.manager.delete(Payment, { id: paymentId, status: PaymentStatus.READY });
  }

  /** Keeps the gateway's key handed out at prepare (Apps-in-Toss payToken) on a READY row. */
  async attachGatewayKey(paymentId: string, gatewayPaymentKey: string): Promise<void> {
    await this.dataSource.manager.update(Payment, { id: paymentId }, { gatewayPaymentKey });
  }

  /**
   * Compare-and-set of the status: moves the row to `to` only when it is in one of `from`. Returns true for exactly
   * one of any number of concurrent callers; the winner is the one that may call the gateway.
   */
  async compareAndSetStatus(
    paymentId: string,
    from: PaymentStatus[],
    to: PaymentStatus,
    fields: PaymentFields = {},
  ): Promise<boolean> {
    for (const status of from) assertTransition(status, to, paymentId);
    if (emitsEvent(to)) return this.compareAndSetWithEvent(paymentId, from, to, fields);
    const params: unknown[] = [paymentId, from];
    const set = setClause(this.dataSource, Payment, { ...fields, status: to }, params);
    const [row] = await this.sql.rows<{ moved: boolean }>(
      `WITH p AS (UPDATE "payments" SET ${set}, "version" = "version" + 1, "updated_at" = now()
                   WHERE "id" = $1 AND "status" = ANY($2::varchar[]) RETURNING 1)
       SELECT EXISTS (SELECT 1 FROM p) AS "moved"`,
      params,
    );
    return row.moved;
  }

  /**
   * The same compare-and-set for a move the host hears about (UNKNOWN, FAILED, EXPIRED ...): under the row lock, so the
   * outbox event commits with the status it reports. The hot path (READY -> IN_PROGRESS) never comes here.
   */
  private async compareAndSetWithEvent(
    paymentId: string,
    from: PaymentStatus[],
    to: PaymentStatus,
    fields: PaymentFields,
  ): Promise<boolean> {
    const moved = await this.dataSource.transaction(async (manager) => {
      const payment = await lockPayment(manager, paymentId);
      if (!from.includes(payment.status)) return null;
      const before = { status: payment.status, canceledAmount: payment.canceledAmount };
      Object.assign(payment, fields, { status: to, version: payment.version + 1 });
      await manager.update(Payment, { id: paymentId }, { ...fields, status: to, version: payment.version } as never);
      await this.outbox.record(manager, paymentChangeEvents(before, payment));
      return { gateway: payment.gateway, from: before.status, to };
    });
    if (moved) this.metrics.transitions.inc(moved);
    return moved !== null;
  }

  /** Records the outcome of an approval attempt that did not produce a gateway truth. */
  async recordFailure(
    paymentId: string,
    from: PaymentStatus[],
    to: PaymentStatus,
    code: string,
    message: string,
  ): Promise<boolean> {
    // Back to READY means nothing was approved for this order: the key of the failed attempt is not the payment's.
    const attempt: PaymentFields = to === PaymentStatus.READY ? { attemptPaymentKey: null } : {};
    return this.compareAndSetStatus(paymentId, from, to, {
      ...attempt,
      failureCode: code.slice(0, 64),
      failureMessage: message.slice(0, 512),
    });
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

  async findByGatewayKey(gateway: string, gatewayPaymentKey: string): Promise<Payment | null> {
    return this.dataSource.manager.findOne(Payment, { where: { gateway, gatewayPaymentKey } });
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
   * The one step every path ends in: confirm, billing charge, cancel, sync, webhooks and repair jobs hand the
   * gateway's truth here. Under a row lock it checks the truth belongs to this payment (orderId, total amount,
   * gateway key), settles cancel rows against the gateway's cancel list, moves the status through the transition
   * table, and stores the scrubbed response. Stale truths (a late webhook describing an older state) never move a
   * payment backwards.
   */
  async apply(paymentId: string, truth: GatewayPaymentTruth, options: ApplyOptions): Promise<Payment> {
    const applied = options.known ? await this.applyToKnown(options.known, truth, options) : null;
    return applied ?? this.applyLocked(paymentId, truth, options);
  }

  /**
   * The hot path of a confirm, a billing charge or a webhook read-back: the caller holds the row as it was read (its
   * version included), nothing is canceled and the truth carries no cancels. The same checks and the same status rules
   * as the locked path, computed on that copy, then written by one statement guarded by id and version together with
   * the events; null when the guard misses (someone wrote the row since) or the case is not this simple.
   */
  private async applyToKnown(
    known: Payment,
    truth: GatewayPaymentTruth,
    options: ApplyOptions,
  ): Promise<Payment | null> {
    const simple =
      !options.settleCancel &&
      typeof known.version === 'number' &&
      known.canceledAmount === 0 &&
      known.pendingCancelAmount === 0 &&
      truth.cancels.length === 0;
    if (!simple) return null;
    const payment = Object.assign(new Payment(), known);
    assertTruthIsFor(payment, truth);
    const before = { status: payment.status, canceledAmount: payment.canceledAmount };
    const observedAt = truth.observedAt ?? this.clock.now();
    const fresh = !payment.truthObservedAt || observedAt >= payment.truthObservedAt;
    this.applyAmountsAndStatus(payment, [], truth, fresh && isReadBack(options.source));
    if (fresh) {
      copyTruthDetails(payment, truth, options);
      payment.truthObservedAt = observedAt;
    }
    payment.version = known.version + 1;
    const params: unknown[] = [payment.id, known.version];
    const set = setClause(
      this.dataSource,
      Payment,
      {
        ...persistedFields(payment),
        ...(options.webhookSecretHash ? { webhookSecretHash: options.webhookSecretHash } : {}),
      },
      params,
    );
    const events = this.outbox.insertCte(paymentChangeEvents(before, payment), 'EXISTS (SELECT 1 FROM p)', params);
    const [row] = await this.sql.rows<{ updatedAt: Date | null }>(
      `WITH p AS (UPDATE "payments" SET ${set}, "updated_at" = now() WHERE "id" = $1 AND "version" = $2
                  RETURNING "updated_at")
       ${events ? `, events AS (${events})` : ''}
       SELECT (SELECT "updated_at" FROM p) AS "updatedAt" ${events ? `, ${this.outbox.notifySql('events')} AS "notified"` : ''}`,
      params,
    );
    if (!row.updatedAt) return null;
    payment.updatedAt = row.updatedAt;
    if (before.status !== payment.status) {
      this.metrics.transitions.inc({ gateway: payment.gateway, from: before.status, to: payment.status });
    }
    return payment;
  }

  private async applyLocked(paymentId: string, truth: GatewayPaymentTruth, options: ApplyOptions): Promise<Payment> {
    let previous: PaymentStatus | undefined;
    const applied = await this.dataSource.transaction(async (manager) => {
      const payment = await lockPayment(manager, paymentId);
      assertTruthIsFor(payment, truth);
      // Hot path (a plain confirm): nothing canceled, nothing pending, no gateway cancels → no cancel rows to read.
      const mayHaveCancels =
        payment.canceledAmount > 0 ||
        payment.pendingCancelAmount > 0 ||
        truth.cancels.length > 0 ||
        !!options.settleCancel;
      const cancels = mayHaveCancels
        ? await manager.find(PaymentCancel, { where: { paymentId }, order: { createdAt: 'ASC' } })
        : [];
      const before = { status: payment.status, canceledAmount: payment.canceledAmount };
      previous = payment.status;
      const cancelStatusesBefore = new Map(cancels.map((cancel) => [cancel.id, cancel.status]));
      const now = this.clock.now();
      const changed = settleCancels({
        payment,
        cancels,
        truth,
        source: options.source,
        settleCancel: options.settleCancel,
        lostCancelGraceMs: options.lostCancelGraceMs,
        now,
      });
      if (changed.length > 0) await manager.save(changed);

      const observedAt = truth.observedAt ?? now;
      const fresh = !payment.truthObservedAt || observedAt >= payment.truthObservedAt;
      this.applyAmountsAndStatus(payment, cancels, truth, fresh && isReadBack(options.source));
      if (fresh) {
        copyTruthDetails(payment, truth, options);
        payment.truthObservedAt = observedAt;
      }
      payment.version += 1;
      // An explicit UPDATE of the row we hold locked (save() would re-select it to diff).
      await manager.update(
        Payment,
        { id: paymentId },
        {
          ...persistedFields(payment),
          ...(options.webhookSecretHash ? { webhookSecretHash: options.webhookSecretHash } : {}),
        },
      );
      // Cancel events first: a handler hears "refund done" before the payment's new status that it explains.
      const events = [
        ...changed.flatMap((cancel) => cancelChangeEvents(payment, cancel, cancelStatusesBefore.get(cancel.id))),
        ...paymentChangeEvents(before, payment),
      ];
      await this.outbox.record(manager, events);
      return payment;
    });
    // Counted once the change is committed: a rolled-back apply moved nothing.
    if (previous && previous !== applied.status) {
      this.metrics.transitions.inc({ gateway: applied.gateway, from: previous, to: applied.status });
    }
    return applied;
  }

  /**
   * Canceled amounts only grow: a stale truth (older response, late webhook) cannot un-cancel money. A backward move
   * of the status (PAID -> WAITING_FOR_DEPOSIT, a deposit error) is taken only from a fresh read-back.
   */
  private applyAmountsAndStatus(
    payment: Payment,
    cancels: PaymentCancel[],
    truth: GatewayPaymentTruth,
    allowBackward: boolean,
  ): void {
    const doneSum = sumOf(cancels, [CancelStatus.DONE]);
    const pendingSum = sumOf(cancels, [CancelStatus.PENDING, CancelStatus.UNKNOWN]);
    const gatewayCanceled = truth.totalAmount - truth.balanceAmount;
    const canceled = Math.min(payment.amount, Math.max(payment.canceledAmount, gatewayCanceled, doneSum));
    // A difference covered by in-flight cancels is a cancel the gateway reported before our call returned.
    if (doneSum > canceled || doneSum + pendingSum < canceled) {
      this.logger.warn?.(
        `payment ${payment.id}: cancel rows sum to ${doneSum} but ${payment.gateway} reports ${gatewayCanceled} canceled; reconciliation will flag it`,
      );
    }
    const target = targetStatus(payment.status, truth.status, canceled, payment.amount, allowBackward);
    if (target !== payment.status) {
      if (!canTransition(payment.status, target)) throw new InvalidTransitionError(payment.status, target, payment.id);
      payment.status = target;
    }
    payment.canceledAmount = canceled;
    // What the gateway counts as canceled beyond our DONE rows is an in-flight cancel it reported before our call
    // returned: counted once, as canceled, not again as pending.
    const reportedEarly = Math.max(0, canceled - doneSum);
    payment.pendingCancelAmount = Math.max(0, Math.min(pendingSum - reportedEarly, payment.amount - canceled));
    payment.balanceAmount = payment.amount - canceled;
  }
}

/** A unique index refused the row: through TypeORM (QueryFailedError) or from a prepared statement (pg's error). */
export function isUniqueViolation(error: unknown): boolean {
  const code =
    error instanceof QueryFailedError
      ? (error.driverError as { code?: string } | undefined)?.code
      : (error as { code?: unknown } | null)?.code;
  return code === '23505';
}
