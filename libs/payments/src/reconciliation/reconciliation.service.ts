import { Inject, Injectable, type LoggerService } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { PaymentsClock } from '../domain/clock';
import {
  InvalidInputError,
  NotFoundError,
  PaymentsConfigurationError,
  UnsupportedOperationError,
} from '../domain/errors';
import { ReconciliationItem, type ReconciliationResolution } from '../entities/reconciliation-item.entity';
import { ReconciliationRun, type ReconciliationKind } from '../entities/reconciliation-run.entity';
import { supports } from '../gateways/gateway-capabilities';
import { GatewayRegistry } from '../gateways/gateway-registry';
import { PaymentsOutbox } from '../events/outbox';
import { PaymentLedger } from '../ledger/payment-ledger';
import type { ResolvedPaymentsOptions } from '../payments.options';
import { PAYMENTS_CLOCK, PAYMENTS_DATA_SOURCE, PAYMENTS_LOGGER, PAYMENTS_RESOLVED_OPTIONS } from '../payments.tokens';
import { PaymentSyncService } from '../payments/payment-sync.service';
import type { PaymentGateway } from '../gateways/gateway.port';
import { businessDay, previousKstDate, type BusinessDay } from './business-day';
import { expectedWork, stageRechecks, stageSweep, stageTransactionList, type SourceContext } from './gateway-sources';
import { ReconciliationItemResolvedError, ReconciliationLeaseLostError } from './reconciliation-errors';
import { matchRun } from './reconciliation-matching';
import { repairRun } from './reconciliation-repair';
import { buildReport, type ReconciliationReport } from './reconciliation-report';
import { ReconciliationRuns } from './reconciliation-runs';

export interface ReconcileRequest {
  gateway: string;
  /** KST business day `yyyy-MM-dd`; default the day before today (KST). */
  date?: string;
  /** Called as the run advances: once it starts, after each committed page or batch, before matching and repairs. */
  onProgress?: (progress: ReconcileProgress) => void;
}

export interface ReconcileProgress {
  runId: string;
  /**
   * START: the run is ours (new or resumed), before the first page; PAGE: a list page / sweep batch was committed;
   * RECHECK: rows the list missed were read back; MATCH and REPAIR as they begin.
   */
  stage: 'START' | 'PAGE' | 'RECHECK' | 'MATCH' | 'REPAIR';
  /** Pages (list) or batches (sweep) committed, earlier attempts of a resumed run included. */
  pages: number;
  /** Gateway rows staged, earlier attempts included. */
  rows: number;
  /** This call's paging work done: transactions listed, or payments read back (rechecks: payments rechecked). */
  done: number;
  /** This call's expected paging work (a list's is estimated from the ledger's rows of the day); null for rechecks. */
  expected: number | null;
  /** True when this call resumed a run from its committed cursor. */
  resumed: boolean;
}

export interface ReconcileResult {
  run: ReconciliationRun;
  /** True when this call took over a run whose instance died and continued from its cursor. */
  resumed: boolean;
  /** Items repaired through the ledger's apply path. */
  autoFixed: number;
}

/** Resolutions a person may give an exception (AUTO_FIXED is the run's own). */
const MANUAL_RESOLUTIONS: readonly ReconciliationResolution[] = ['ACCEPTED_GATEWAY', 'ACCEPTED_LOCAL', 'IGNORED'];

/**
 * Daily reconciliation of the ledger with each gateway's records (docs/architecture.md#reconciliation): stage what
 * the gateway says (its transaction list, or read-backs of our rows), match it with the ledger in one SQL statement,
 * repair what is provably safe through the ledger's apply path, and keep every other difference as an exception for
 * a person to resolve.
 */
@Injectable()
export class ReconciliationService {
  private readonly runs: ReconciliationRuns;

  constructor(
    @Inject(PAYMENTS_RESOLVED_OPTIONS) private readonly options: ResolvedPaymentsOptions,
    @Inject(PAYMENTS_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(PAYMENTS_CLOCK) private readonly clock: PaymentsClock,
    @Inject(PAYMENTS_LOGGER) private readonly logger: LoggerService,
    private readonly gateways: GatewayRegistry,
    private readonly ledger: PaymentLedger,
    private readonly sync: PaymentSyncService,
    outbox: PaymentsOutbox,
  ) {
    const { instanceId, leaseMs } = options.reconciliation;
    this.runs = new ReconciliationRuns(dataSource, instanceId, leaseMs, outbox);
  }

  /** The gateways the schedule reconciles: `reconciliation.gateways`, else every configured one. */
  scheduledGateways(): string[] {
    return this.options.reconciliation.gateways ?? this.gateways.all().map((gateway) => gateway.name);
  }

  /** TRANSACTIONS for a gateway that lists its transactions, SWEEP (read-backs of our rows) for the others. */
  kindOf(gatewayName: string): ReconciliationKind {
    return supports(this.gateways.get(gatewayName), 'transactions') ? 'TRANSACTIONS' : 'SWEEP';
  }

  /**
   * Reconciles one gateway's KST business day. Throws ReconciliationRunningError when another live run holds the
   * day; takes over and resumes a run whose lease expired; otherwise starts a run that supersedes the day's earlier
   * one once it succeeds. A failure mid-way leaves the run resumable (RUNNING, lease released) and rethrows.
   */
  async run(request: ReconcileRequest): Promise<ReconcileResult> {
    if (!request || typeof request.gateway !== 'string') throw new InvalidInputError('gateway', 'required');
    const gateway = this.gateways.get(request.gateway);
    const date = request.date ?? previousKstDate(this.clock.now());
    const day = businessDay(date);
    const settings = this.options.reconciliation;
    const kind = this.kindOf(gateway.name);
    const { run, resumed } = await this.runs.acquire(
      { gateway: gateway.name, merchantId: settings.merchantId, businessDate: date, kind },
      this.clock.now(),
    );
    const context: SourceContext = {
      dataSource: this.dataSource,
      runs: this.runs,
      clock: this.clock,
      pageSize: settings.pageSize,
      batchSize: settings.batchSize,
      concurrency: settings.concurrency,
    };
    try {
      const notify = await this.progressReporter(request.onProgress, context, gateway, run, day, resumed);
      context.progress = (stage, done) => notify(stage, done);
      notify('START', 0);
      if (supports(gateway, 'transactions')) {
        await stageTransactionList(context, gateway, run, day);
        await stageRechecks(context, gateway, run, day);
      } else {
        await stageSweep(context, gateway, run, day);
      }
      await this.runs.renew(this.dataSource, run, this.clock.now());
      notify('MATCH', null);
      // The summary is what the day looked like before any repair; the items then say what was repaired.
      const summary = await matchRun(this.dataSource, run.id, gateway.name, day);
      notify('REPAIR', null);
      const autoFixed = await repairRun(
        {
          dataSource: this.dataSource,
          ledger: this.ledger,
          sync: this.sync,
          gateways: this.gateways,
          clock: this.clock,
          concurrency: settings.concurrency,
          batchSize: settings.batchSize,
        },
        run.id,
      );
      await this.runs.succeed(run, summary, this.clock.now());
      const finished = await this.runs.get(run.id);
      this.logger.log?.(
        `reconciliation ${gateway.name} ${date}: ${describe(finished)}, auto-fixed ${autoFixed}`,
        'KrPayments:reconciliation',
      );
      return { run: finished, resumed, autoFixed };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (!(error instanceof ReconciliationLeaseLostError)) {
        // The run's own failure is what the caller needs; failing to record it only delays the takeover to lease end.
        await this.runs.fail(run, reason, isFinal(error), this.clock.now()).catch((recordError: unknown) => {
          this.logger.error?.(`reconciliation run ${run.id}: could not record failure: ${String(recordError)}`);
        });
      }
      throw error;
    }
  }

  /**
   * Builds the progress events of one call (a no-op without a listener, so runs without one pay no extra query). A
   * listener that throws is the caller's bug, never the run's: its error is logged and the run goes on.
   */
  private async progressReporter(
    listener: ReconcileRequest['onProgress'],
    context: SourceContext,
    gateway: PaymentGateway,
    run: ReconciliationRun,
    day: BusinessDay,
    resumed: boolean,
  ): Promise<(stage: ReconcileProgress['stage'], done: number | null) => void> {
    if (!listener) return () => undefined;
    const expected = await expectedWork(context, gateway, run, day);
    let paged = 0;
    return (stage, done) => {
      if (stage === 'PAGE') paged = done ?? paged;
      const event: ReconcileProgress = {
        runId: run.id,
        stage,
        pages: run.pages,
        rows: run.stagedRows,
        done: stage === 'RECHECK' ? (done ?? 0) : paged,
        expected: stage === 'RECHECK' ? null : expected,
        resumed,
      };
      try {
        listener(event);
      } catch (error) {
        this.logger.error?.(`reconciliation progress listener failed: ${String(error)}`, 'KrPayments:reconciliation');
      }
    };
  }

  /** The run's report: JSON summary, CSV of exceptions, one self-contained HTML page. */
  async report(runId: string): Promise<ReconciliationReport> {
    return buildReport(this.dataSource, await this.runs.get(runId));
  }

  async getRun(runId: string): Promise<ReconciliationRun> {
    return this.runs.get(runId);
  }

  /** The latest run of a gateway's day (any status), or null. */
  async latestRun(gateway: string, date: string): Promise<ReconciliationRun | null> {
    return this.dataSource.getRepository(ReconciliationRun).findOne({
      where: { gateway, businessDate: date, merchantId: this.options.reconciliation.merchantId },
      order: { startedAt: 'DESC' },
    });
  }

  /** A run's exceptions, optionally of one category / resolution (at most `limit`, oldest first). */
  async items(
    runId: string,
    filter: { category?: string; resolution?: ReconciliationResolution; limit?: number } = {},
  ): Promise<ReconciliationItem[]> {
    return this.dataSource.getRepository(ReconciliationItem).find({
      where: {
        runId,
        ...(filter.category ? { category: filter.category as ReconciliationItem['category'] } : {}),
        ...(filter.resolution ? { resolution: filter.resolution } : {}),
      },
      order: { createdAt: 'ASC', id: 'ASC' },
      take: filter.limit ?? 1_000,
    });
  }

  /**
   * A person's decision on an exception: ACCEPTED_GATEWAY / ACCEPTED_LOCAL / IGNORED, with a note and who decided.
   * Written once (compare-and-set on OPEN): a second resolve throws ReconciliationItemResolvedError. Only records the
   * decision; any money movement it implies is made through the payments API, never here.
   */
  async resolve(
    itemId: string,
    resolution: ReconciliationResolution,
    note: string,
    actor: string,
  ): Promise<ReconciliationItem> {
    if (!MANUAL_RESOLUTIONS.includes(resolution)) {
      throw new InvalidInputError('resolution', `must be one of ${MANUAL_RESOLUTIONS.join(', ')}`);
    }
    if (typeof actor !== 'string' || actor.trim().length === 0 || actor.length > 128) {
      throw new InvalidInputError('actor', 'required, at most 128 characters');
    }
    if (typeof note !== 'string' || note.trim().length === 0 || note.length > 1000) {
      throw new InvalidInputError('note', 'required, at most 1000 characters');
    }
    const repo = this.dataSource.getRepository(ReconciliationItem);
    const item = await repo.findOneBy({ id: itemId });
    if (!item) throw new NotFoundError('reconciliation_item', itemId);
    const [, updated]: [unknown, number] = await this.dataSource.query(
      `UPDATE "reconciliation_items" SET "resolution" = $2, "note" = $3, "resolved_by" = $4, "resolved_at" = $5
        WHERE "id" = $1 AND "resolution" = 'OPEN'
          AND EXISTS (SELECT 1 FROM "reconciliation_runs" r WHERE r."id" = "run_id" AND r."status" <> 'RUNNING')`,
      [itemId, resolution, note, actor, this.clock.now()],
    );
    const after = await repo.findOneByOrFail({ id: itemId });
    if (updated !== 1) {
      if (after.resolution !== 'OPEN') throw new ReconciliationItemResolvedError(itemId, after.resolution);
      throw new InvalidInputError('itemId', 'its run is still running; resolve once it has finished');
    }
    this.logger.log?.(
      `reconciliation item ${itemId} (${item.category} ${item.orderId ?? ''}) ${resolution} by ${actor}`,
      'KrPayments:reconciliation',
    );
    return after;
  }
}

function describe(run: ReconciliationRun): string {
  const parts = Object.entries(run.summary ?? {})
    .filter(([, totals]) => totals.count > 0)
    .map(([category, totals]) => `${category} ${totals.count}`);
  return parts.length ? parts.join(', ') : 'no transactions';
}

/** Failures a rerun cannot fix: the run ends FAILED instead of waiting to be resumed. */
function isFinal(error: unknown): boolean {
  return (
    error instanceof PaymentsConfigurationError ||
    error instanceof UnsupportedOperationError ||
    error instanceof InvalidInputError
  );
}
