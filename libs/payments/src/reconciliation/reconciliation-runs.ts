import type { DataSource, EntityManager } from 'typeorm';
import { newId } from '../domain/ids';
import type { PaymentsOutbox } from '../events/outbox';
import { NotFoundError } from '../domain/errors';
import {
  ReconciliationRun,
  type ReconciliationKind,
  type ReconciliationSummary,
} from '../entities/reconciliation-run.entity';
import { isUniqueViolation } from '../ledger/payment-ledger';
import { ReconciliationLeaseLostError, ReconciliationRunningError } from './reconciliation-errors';
import type { StagedPage } from './staged-page';

export interface RunKey {
  gateway: string;
  merchantId: string;
  businessDate: string;
  kind: ReconciliationKind;
}

/**
 * The life of a run row. Exactly-once comes from the database, not from the advisory lock: one RUNNING row per key
 * (partial unique index) and every later write is a compare-and-set on (id, RUNNING, lease_owner).
 */
export class ReconciliationRuns {
  constructor(
    private readonly dataSource: DataSource,
    private readonly owner: string,
    private readonly leaseMs: number,
    private readonly outbox: PaymentsOutbox,
  ) {}

  /**
   * The run this instance now holds for `key`: the RUNNING one when its lease has expired (taken over, resumed from
   * its cursor), else a new one superseding the latest finished run. A live lease elsewhere →
   * ReconciliationRunningError; so does losing the race to insert.
   */
  async acquire(key: RunKey, now: Date): Promise<{ run: ReconciliationRun; resumed: boolean }> {
    const repo = this.dataSource.getRepository(ReconciliationRun);
    const running = await repo.findOne({ where: { ...key, status: 'RUNNING' } });
    if (running) {
      const [taken]: [unknown[], number] = await this.dataSource.query(
        `UPDATE "reconciliation_runs" SET "lease_owner" = $2, "lease_until" = $3, "updated_at" = now()
          WHERE "id" = $1 AND "status" = 'RUNNING' AND ("lease_until" IS NULL OR "lease_until" < $4) RETURNING "id"`,
        [running.id, this.owner, this.leaseEnd(now), now],
      );
      if (taken.length === 0) throw this.busy(running);
      return { run: await repo.findOneByOrFail({ id: running.id }), resumed: true };
    }
    const previous = await repo.findOne({
      where: [
        { ...key, status: 'SUCCEEDED' },
        { ...key, status: 'FAILED' },
      ],
      order: { startedAt: 'DESC' },
    });
    const run = Object.assign(new ReconciliationRun(), {
      id: newId(),
      ...key,
      status: 'RUNNING',
      leaseOwner: this.owner,
      leaseUntil: this.leaseEnd(now),
      cursor: null,
      pages: 0,
      stagedRows: 0,
      summary: null,
      error: null,
      startedAt: now,
      finishedAt: null,
      supersedesRunId: previous?.id ?? null,
    } satisfies Partial<ReconciliationRun>);
    try {
      await repo.insert(run);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const winner = await repo.findOne({ where: { ...key, status: 'RUNNING' } });
      throw this.busy(winner ?? run);
    }
    return { run, resumed: false };
  }

  /**
   * One page: its rows staged and the cursor moved in one transaction, under our lease (renewed). A crash before the
   * commit loses the page and the cursor together, so the resumed run fetches it again; rows already staged are kept
   * once (primary key run + transaction key).
   */
  async commitPage(run: ReconciliationRun, page: StagedPage, cursor: string | null, now: Date): Promise<void> {
    const staged = await this.dataSource.transaction(async (manager) => {
      const staged = await page.insert(manager, run.id);
      const [, updated] = await manager.query(
        `UPDATE "reconciliation_runs"
            SET "cursor" = $3, "pages" = "pages" + 1, "staged_rows" = "staged_rows" + $4, "lease_until" = $5,
                "updated_at" = now()
          WHERE "id" = $1 AND "lease_owner" = $2 AND "status" = 'RUNNING'`,
        [run.id, this.owner, cursor, staged, this.leaseEnd(now)],
      );
      if (updated !== 1) throw new ReconciliationLeaseLostError(run.id);
      return staged;
    });
    // The in-memory run follows the committed one, so progress reports count what a resumed run had already staged.
    run.cursor = cursor;
    run.pages += 1;
    run.stagedRows += staged;
  }

  /** Rows staged outside paging (rechecks), under our lease. */
  async stage(run: ReconciliationRun, page: StagedPage, now: Date): Promise<void> {
    if (page.size === 0) return;
    run.stagedRows += await this.dataSource.transaction(async (manager) => {
      const staged = await page.insert(manager, run.id);
      await this.renew(manager, run, now, staged);
      return staged;
    });
  }

  /** Extends our lease (long matching or repairs); throws when another instance took the run over. */
  async renew(manager: EntityManager | DataSource, run: ReconciliationRun, now: Date, staged = 0): Promise<void> {
    const [, updated] = await manager.query(
      `UPDATE "reconciliation_runs" SET "lease_until" = $3, "staged_rows" = "staged_rows" + $4, "updated_at" = now()
        WHERE "id" = $1 AND "lease_owner" = $2 AND "status" = 'RUNNING'`,
      [run.id, this.owner, this.leaseEnd(now), staged],
    );
    if (updated !== 1) throw new ReconciliationLeaseLostError(run.id);
  }

  /** SUCCEEDED with its summary; the run it superseded becomes SUPERSEDED in the same transaction. */
  async succeed(run: ReconciliationRun, summary: ReconciliationSummary, now: Date): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const [, updated] = await manager.query(
        `UPDATE "reconciliation_runs"
            SET "status" = 'SUCCEEDED', "summary" = $3, "finished_at" = $4, "lease_owner" = NULL, "lease_until" = NULL,
                "error" = NULL, "updated_at" = now()
          WHERE "id" = $1 AND "lease_owner" = $2 AND "status" = 'RUNNING'`,
        [run.id, this.owner, JSON.stringify(summary), now],
      );
      if (updated !== 1) throw new ReconciliationLeaseLostError(run.id);
      await manager.query(
        `UPDATE "reconciliation_runs" SET "status" = 'SUPERSEDED', "updated_at" = now()
          WHERE "gateway" = $1 AND "merchant_id" = $2 AND "business_date" = $3 AND "kind" = $4
            AND "status" IN ('SUCCEEDED', 'FAILED') AND "id" <> $5`,
        [run.gateway, run.merchantId, run.businessDate, run.kind, run.id],
      );
      // The host hears of what is left for a person exactly when the run that found it is final.
      await this.outbox.recordOpenMismatches(manager, run.id, run.gateway);
    });
  }

  /**
   * A failed attempt. Transient failures (gateway down, lease lost) leave the run RUNNING with its lease released, so
   * the next call resumes it from its cursor; `final` failures (the run can never succeed as asked) end it FAILED.
   */
  async fail(run: ReconciliationRun, reason: string, final: boolean, now: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE "reconciliation_runs"
          SET "status" = CASE WHEN $4::boolean THEN 'FAILED' ELSE "status" END, "error" = $3,
              "lease_until" = $5::timestamptz, "finished_at" = CASE WHEN $4::boolean THEN $5::timestamptz END,
              "updated_at" = now()
        WHERE "id" = $1 AND "lease_owner" = $2 AND "status" = 'RUNNING'`,
      [run.id, this.owner, reason.slice(0, 512), final, now],
    );
  }

  async get(runId: string): Promise<ReconciliationRun> {
    const run = await this.dataSource.getRepository(ReconciliationRun).findOneBy({ id: runId });
    if (!run) throw new NotFoundError('reconciliation_run', runId);
    return run;
  }

  private leaseEnd(now: Date): Date {
    return new Date(now.getTime() + this.leaseMs);
  }

  private busy(run: ReconciliationRun): ReconciliationRunningError {
    return new ReconciliationRunningError(run.id, run.gateway, run.businessDate, run.leaseUntil);
  }
}
