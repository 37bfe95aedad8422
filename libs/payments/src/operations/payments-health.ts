import { Inject, Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { PaymentsClock } from '../domain/clock';
import { CancelStatus, PaymentStatus } from '../domain/payment-status';
import { PAYMENTS_MIGRATIONS } from '../migrations';
import type { ResolvedPaymentsOptions } from '../payments.options';
import { PAYMENTS_CLOCK, PAYMENTS_DATA_SOURCE, PAYMENTS_RESOLVED_OPTIONS } from '../payments.tokens';
import { GatewayCalls, type GatewayCallRecord } from './gateway-calls';
import { PaymentsMetrics } from './payments-metrics';

export interface GatewayHealth {
  /** `up`: the last call was answered (any HTTP status below 500); `degraded`: it failed or got no answer. */
  status: 'up' | 'degraded' | 'unknown';
  lastCall: Pick<GatewayCallRecord, 'operation' | 'outcome' | 'status' | 'durationMs' | 'at'> | null;
  counts: Record<GatewayCallRecord['outcome'], number>;
}

export interface PaymentsHealthReport {
  /** `down` when the database is unreachable or the library's migrations are not all applied; gateways only degrade. */
  status: 'up' | 'down';
  database: { status: 'up' | 'down'; error?: string };
  migrations: { status: 'up' | 'down'; pending: string[] };
  gateways: Record<string, GatewayHealth>;
  /** Age of the oldest event not yet published (null: events off or none waiting). */
  outboxLagSeconds: number | null;
  /** Payments and refunds whose outcome the repair job still has to learn (UNKNOWN, or IN_PROGRESS). */
  repairBacklog: { payments: number; cancels: number } | null;
}

/**
 * The library's health for a readiness probe (`@nestjs/terminus` in the example shop wraps it) and the gauges of
 * the metrics. Only the database and the schema make it `down`: a gateway outage degrades, because a pod restart
 * cannot fix Toss, and taking every replica out would also stop webhooks and repairs that do not need it.
 */
@Injectable()
export class PaymentsHealth {
  /** Registered in the library's registry; their values are read from the database when Prometheus scrapes. */
  readonly gauges: Gauge[];

  constructor(
    @Inject(PAYMENTS_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(PAYMENTS_RESOLVED_OPTIONS) private readonly options: ResolvedPaymentsOptions,
    @Inject(PAYMENTS_CLOCK) private readonly clock: PaymentsClock,
    private readonly calls: GatewayCalls,
    private readonly metricsRegistry: PaymentsMetrics,
  ) {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- prom-client calls collect() with the gauge as this
    const health = this;
    const outboxLag = new Gauge({
      name: 'kr_payments_outbox_lag_seconds',
      help: 'Age of the oldest money event not yet published (0 when none waits)',
      registers: [metricsRegistry.registry],
      async collect() {
        this.set((await health.outboxLagSeconds()) ?? 0);
      },
    });
    const backlog = new Gauge({
      name: 'kr_payments_repair_backlog',
      help: 'Payments and refunds whose outcome is not known yet (UNKNOWN or IN_PROGRESS)',
      labelNames: ['kind'] as const,
      registers: [metricsRegistry.registry],
      async collect() {
        const counts = await health.repairBacklog();
        this.set({ kind: 'payment' }, counts.payments);
        this.set({ kind: 'cancel' }, counts.cancels);
      },
    });
    this.gauges = [outboxLag, backlog];
  }

  async check(): Promise<PaymentsHealthReport> {
    const database = await this.database();
    const migrations = database.status === 'up' ? await this.migrations() : { status: 'down' as const, pending: [] };
    const ready = database.status === 'up' && migrations.status === 'up';
    return {
      status: ready ? 'up' : 'down',
      database,
      migrations,
      gateways: this.gateways(),
      outboxLagSeconds: ready ? await this.outboxLagSeconds() : null,
      repairBacklog: ready ? await this.repairBacklog() : null,
    };
  }

  /** Prometheus text of the library's registry (gateway calls, transitions, webhooks, billing, repairs, gauges). */
  metrics(): Promise<string> {
    return this.metricsRegistry.registry.metrics();
  }

  get metricsContentType(): string {
    return this.metricsRegistry.registry.contentType;
  }

  private async database(): Promise<PaymentsHealthReport['database']> {
    try {
      await this.dataSource.query('SELECT 1');
      return { status: 'up' };
    } catch (error) {
      return { status: 'down', error: error instanceof Error ? error.message : String(error) };
    }
  }

  private async migrations(): Promise<PaymentsHealthReport['migrations']> {
    const table = this.dataSource.options.migrationsTableName ?? 'migrations';
    let applied: Set<string>;
    try {
      const rows: Array<{ name: string }> = await this.dataSource.query(`SELECT "name" FROM "${table}"`);
      applied = new Set(rows.map((row) => row.name));
    } catch {
      applied = new Set();
    }
    const pending = PAYMENTS_MIGRATIONS.map((migration) => migration.name).filter((name) => !applied.has(name));
    return { status: pending.length === 0 ? 'up' : 'down', pending };
  }

  private gateways(): Record<string, GatewayHealth> {
    const report: Record<string, GatewayHealth> = {};
    for (const gateway of Object.keys(this.options.gateways)) {
      const summary = this.calls.summary(gateway);
      if (!summary) {
        report[gateway] = { status: 'unknown', lastCall: null, counts: zeroCounts() };
        continue;
      }
      const { operation, outcome, status, durationMs, at } = summary.last;
      const healthy = outcome === 'answered' || outcome === 'refused';
      report[gateway] = {
        status: healthy ? 'up' : 'degraded',
        lastCall: { operation, outcome, status, durationMs, at },
        counts: { ...summary.counts },
      };
    }
    return report;
  }

  async outboxLagSeconds(): Promise<number | null> {
    if (!this.options.events.enabled) return null;
    const [row]: Array<{ oldest: Date | null }> = await this.dataSource.query(
      `SELECT min("occurred_at") AS oldest FROM "payment_events" WHERE "dispatched_at" IS NULL`,
    );
    if (!row?.oldest) return null;
    return Math.max(0, (this.clock.now().getTime() - new Date(row.oldest).getTime()) / 1_000);
  }

  async repairBacklog(): Promise<{ payments: number; cancels: number }> {
    const [row]: Array<{ payments: number; cancels: number }> = await this.dataSource.query(
      `SELECT (SELECT count(*) FROM "payments" WHERE "status" IN ($1, $2))::int AS payments,
              (SELECT count(*) FROM "payment_cancels" WHERE "status" = $3)::int AS cancels`,
      [PaymentStatus.UNKNOWN, PaymentStatus.IN_PROGRESS, CancelStatus.UNKNOWN],
    );
    return { payments: row.payments, cancels: row.cancels };
  }
}

function zeroCounts(): Record<GatewayCallRecord['outcome'], number> {
  return { answered: 0, refused: 0, failed: 0, unavailable: 0 };
}
