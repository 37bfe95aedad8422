import { Inject, Injectable } from '@nestjs/common';
import { DataSource, In, Not } from 'typeorm';
import { BillingKeyStore } from '../billing-keys/billing-key.store';
import type { PaymentsClock } from '../domain/clock';
import { InvalidInputError, NotFoundError, PaymentsError } from '../domain/errors';
import { validateDto } from '../domain/validation';
import { BillingCycle } from '../entities/billing-cycle.entity';
import { Subscription } from '../entities/subscription.entity';
import { requireCapability } from '../gateways/gateway-capabilities';
import { GatewayRegistry } from '../gateways/gateway-registry';
import type { ResolvedPaymentsOptions } from '../payments.options';
import {
  toBillingCycleView,
  toSubscriptionView,
  type BillingCycleView,
  type SubscriptionView,
} from '../payments.views';
import { PAYMENTS_CLOCK, PAYMENTS_DATA_SOURCE, PAYMENTS_RESOLVED_OPTIONS } from '../payments.tokens';
import { BillingAttemptStore } from './billing-attempt.store';
import { BillingEngine, type RunDueOptions, type RunDueResult } from './billing-engine';
import { BillingCycleStatus, SubscriptionStatus } from './billing-status';
import {
  CancelSubscriptionDto,
  ChangeSubscriptionAmountDto,
  CreateSubscriptionDto,
  ListSubscriptionsDto,
  RetrySubscriptionDto,
  SubscriptionRefDto,
} from './billing.dto';
import { assertUsableBillingKey, newSubscriptionRow } from './subscription-factory';

export type { BillingCycleView, SubscriptionView } from '../payments.views';

/** A subscription's state does not allow the operation (resume an ACTIVE one, change a CANCELED one). */
export class InvalidSubscriptionStateError extends PaymentsError {
  constructor(subscriptionId: string, status: string, operation: string) {
    super('INVALID_SUBSCRIPTION_STATE', `subscription ${subscriptionId} is ${status}; cannot ${operation}`, {
      httpStatus: 409,
    });
  }
}

const LIVE = [SubscriptionStatus.TRIALING, SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE];

/** Compare-and-set attempts of a status change racing other writers of the same subscription. */
const TRANSITION_TRIES = 3;

/**
 * Recurring billing (docs/architecture.md#recurring-billing): subscriptions on a billing key, charged per cycle by
 * `runDue` (the scheduler, when `billing.enabled`, or your own). Every state change here is a compare-and-set on the
 * subscription's status, so it never races the sweep into an impossible state.
 */
@Injectable()
export class BillingService {
  constructor(
    @Inject(PAYMENTS_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(PAYMENTS_CLOCK) private readonly clock: PaymentsClock,
    @Inject(PAYMENTS_RESOLVED_OPTIONS) private readonly options: ResolvedPaymentsOptions,
    private readonly gateways: GatewayRegistry,
    private readonly billingKeys: BillingKeyStore,
    private readonly attempts: BillingAttemptStore,
    private readonly engine: BillingEngine,
  ) {}

  async createSubscription(input: CreateSubscriptionDto): Promise<SubscriptionView> {
    const dto = validateDto(CreateSubscriptionDto, input);
    requireCapability(this.gateways.get(dto.gateway), 'billing', 'subscriptions');
    const key = await this.billingKeys.get(dto.billingKeyId).catch((error: unknown) => {
      throw error instanceof NotFoundError ? new InvalidInputError('billingKeyId', 'no such billing key') : error;
    });
    assertUsableBillingKey(key, dto.customerKey, dto.gateway);
    const row = newSubscriptionRow(dto, this.options.billing, this.clock.now());
    await this.dataSource.manager.insert(Subscription, row as never);
    return this.get(row.id);
  }

  /** The new amount is charged from the next cycle created; the current one keeps its amount. */
  async changeAmount(input: ChangeSubscriptionAmountDto): Promise<SubscriptionView> {
    const dto = validateDto(ChangeSubscriptionAmountDto, input);
    if ((dto.taxFreeAmount ?? 0) > dto.amount) throw new InvalidInputError('taxFreeAmount', 'must not exceed amount');
    const patch = { pendingAmount: dto.amount, pendingTaxFreeAmount: dto.taxFreeAmount ?? 0 };
    return this.transition(dto.subscriptionId, Not(SubscriptionStatus.CANCELED), patch, 'change its amount');
  }

  pause(input: SubscriptionRefDto): Promise<SubscriptionView> {
    const { subscriptionId } = validateDto(SubscriptionRefDto, input);
    const from = In([...LIVE, SubscriptionStatus.UNPAID]);
    return this.transition(subscriptionId, from, { status: SubscriptionStatus.PAUSED }, 'pause');
  }

  /** Back to charging: PAST_DUE while a cycle still waits for its retry, otherwise ACTIVE. Missed periods are not billed. */
  async resume(input: SubscriptionRefDto): Promise<SubscriptionView> {
    const { subscriptionId } = validateDto(SubscriptionRefDto, input);
    const waiting = await this.dataSource.manager.count(BillingCycle, {
      where: { subscriptionId, status: BillingCycleStatus.RETRY_SCHEDULED },
    });
    const status = waiting > 0 ? SubscriptionStatus.PAST_DUE : SubscriptionStatus.ACTIVE;
    const from = In([SubscriptionStatus.PAUSED, SubscriptionStatus.UNPAID]);
    return this.transition(subscriptionId, from, { status, statusReason: null }, 'resume');
  }

  /** Now: CANCELED at once, nothing more is charged (a charge already in flight still settles). At period end: flagged. */
  async cancel(input: CancelSubscriptionDto): Promise<SubscriptionView> {
    const dto = validateDto(CancelSubscriptionDto, input);
    const open = Not(SubscriptionStatus.CANCELED);
    if (dto.atPeriodEnd) return this.transition(dto.subscriptionId, open, { cancelAtPeriodEnd: true }, 'cancel');
    const now = this.clock.now();
    const patch = { status: SubscriptionStatus.CANCELED, canceledAt: now, nextChargeAt: null };
    const canceled = await this.transition(dto.subscriptionId, open, patch, 'cancel');
    await this.dataSource.manager.update(
      BillingCycle,
      {
        subscriptionId: dto.subscriptionId,
        status: In([BillingCycleStatus.SCHEDULED, BillingCycleStatus.RETRY_SCHEDULED]),
      },
      { status: BillingCycleStatus.UNCOLLECTIBLE, nextAttemptAt: null },
    );
    return canceled;
  }

  async get(subscriptionId: string): Promise<SubscriptionView> {
    return toSubscriptionView(await this.row(subscriptionId));
  }

  async listByCustomer(input: ListSubscriptionsDto): Promise<SubscriptionView[]> {
    const { customerKey } = validateDto(ListSubscriptionsDto, input);
    const rows = await this.dataSource.manager.find(Subscription, {
      where: { customerKey },
      order: { createdAt: 'ASC' },
    });
    return rows.map(toSubscriptionView);
  }

  /** The subscription's cycles, oldest first, each with its attempts. */
  async listCycles(input: SubscriptionRefDto): Promise<BillingCycleView[]> {
    const { subscriptionId } = validateDto(SubscriptionRefDto, input);
    await this.row(subscriptionId);
    const cycles = await this.dataSource.manager.find(BillingCycle, {
      where: { subscriptionId },
      order: { cycleNo: 'ASC' },
    });
    const attempts = await this.attempts.listByCycles(cycles.map((cycle) => cycle.id));
    return cycles.map((cycle) =>
      toBillingCycleView({ ...cycle, attempts: attempts.filter((attempt) => attempt.cycleId === cycle.id) }),
    );
  }

  /**
   * Charges the cycle waiting for a retry now (a new attempt), optionally on a new billing key of the same customer
   * and gateway — what a HARD decline asks for. Returns the cycle as it stands after the attempt.
   */
  async retryNow(input: RetrySubscriptionDto): Promise<BillingCycleView> {
    const dto = validateDto(RetrySubscriptionDto, input);
    const subscription = await this.row(dto.subscriptionId);
    if (!LIVE.includes(subscription.status)) {
      throw new InvalidSubscriptionStateError(subscription.id, subscription.status, 'retry');
    }
    const cycle = await this.dataSource.manager.findOne(BillingCycle, {
      where: { subscriptionId: subscription.id, status: BillingCycleStatus.RETRY_SCHEDULED },
      order: { cycleNo: 'DESC' },
    });
    if (!cycle) throw new InvalidSubscriptionStateError(subscription.id, subscription.status, 'retry: no cycle waits');
    if (dto.billingKeyId) {
      assertUsableBillingKey(
        await this.billingKeys.get(dto.billingKeyId),
        subscription.customerKey,
        subscription.gateway,
      );
      await this.dataSource.manager.update(Subscription, { id: subscription.id }, { billingKeyId: dto.billingKeyId });
    }
    await this.dataSource.manager.update(
      BillingCycle,
      { id: cycle.id, status: BillingCycleStatus.RETRY_SCHEDULED },
      { nextAttemptAt: this.clock.now() },
    );
    await this.engine.runCycle(cycle.id);
    const [view] = (await this.listCycles({ subscriptionId: subscription.id })).filter((c) => c.id === cycle.id);
    return view;
  }

  /** One pass of the engine: what the scheduler runs; call it from your own scheduler (a CronJob) if you prefer. */
  runDue(input: RunDueOptions = {}): Promise<RunDueResult> {
    if (input.now !== undefined && !(input.now instanceof Date && !Number.isNaN(input.now.getTime()))) {
      throw new InvalidInputError('now', 'must be a valid Date');
    }
    if (input.limit !== undefined && !(Number.isSafeInteger(input.limit) && input.limit >= 1)) {
      throw new InvalidInputError('limit', 'must be an integer >= 1');
    }
    return this.engine.runDue(input);
  }

  /** A compare-and-set on the subscription's status; refused naming the state when it does not hold. */
  private async transition(
    subscriptionId: string,
    from: ReturnType<typeof In> | ReturnType<typeof Not>,
    patch: Partial<Subscription>,
    operation: string,
  ): Promise<SubscriptionView> {
    // The stored row, not the view: the compare-and-set needs its version. A miss caused only by a concurrent write
    // that left the status allowed (the engine moving the period on) is tried again on the fresh row.
    for (let tries = 0; tries < TRANSITION_TRIES; tries += 1) {
      const current = await this.row(subscriptionId);
      const result = await this.dataSource.manager.update(
        Subscription,
        { id: subscriptionId, status: from, version: current.version },
        patch as never, // the version column moves on by itself: a concurrent change makes this one miss
      );
      if (result.affected) return this.get(subscriptionId);
      const allowed = await this.dataSource.manager.existsBy(Subscription, {
        id: subscriptionId,
        status: from as never,
      });
      if (!allowed) break;
    }
    const now = await this.get(subscriptionId);
    throw new InvalidSubscriptionStateError(subscriptionId, now.status, operation);
  }

  private async row(subscriptionId: string): Promise<Subscription> {
    const row = await this.dataSource.manager.findOneBy(Subscription, { id: subscriptionId });
    if (!row) throw new NotFoundError('subscription', subscriptionId, { field: 'subscriptionId' });
    return row;
  }
}
