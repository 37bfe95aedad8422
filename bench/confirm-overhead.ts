import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Pool } from 'pg';
import { TOSS_TEST_SECRET_KEY, TossSimulator } from 'nestjs-kr-payments/testing';
import { bootBenchApp, type BenchApp } from './support/app';
import { flushedTableStats, StatementCounter, timePhase, warmUp, type PhaseResult } from './support/confirm-measure';
import { confirmReport, confirmResult, type ConfirmMeasurements } from './support/confirm-report';
import {
  AMOUNT_KRW,
  authenticateOnly,
  LimitConfirm,
  libraryConfirm,
  naiveConfirm,
  prepareSessions,
  rawHttpConfirm,
  VARIANTS,
  type ConfirmFn,
  type PoolSettings,
  type Session,
  type VariantName,
} from './support/confirm-variants';
import { RawTossConfirmClient } from './support/raw-toss';
import { writeResult } from './support/results';

/**
 * confirm-overhead: `PaymentsService.confirm` against the least a race-safe confirm can do, in the same run.
 *
 * Three variants confirm prepared Toss payments on the same in-process simulator and the same PostgreSQL table:
 * "library" (the public API), "limit" (compare-and-set UPDATE, the HTTP call, guarded UPDATE: raw pg + undici,
 * support/confirm-variants.ts) and "naive" (TypeORM repository findOneBy + HTTP call + save, not race-safe). After a
 * warm-up that ends when throughput has settled, ROUNDS rounds each run every variant at every concurrency, the
 * variants' order rotating from round to round so none always runs first on a warm cache; figures are medians over
 * the rounds, ratios are ratios of those medians. Set-up (prepare + the simulated payment window) is untimed.
 */
export const BENCH_NAME = 'confirm-overhead';
export const ROUNDS = 3;
export const CONCURRENCIES = [1, 8, 32] as const;
export const CONFIRMS_PER_PHASE: Record<number, number> = { 1: 150, 8: 600, 32: 800 };
/**
 * Both pools (TypeORM's for library and naive, pg's own for limit): by default as many connections as the top
 * concurrency. `CONFIRM_BENCH_POOL` sets another size, to compare pool sizes (the README's pool guidance).
 */
export const POOL: PoolSettings = { max: poolSizeFrom(process.env.CONFIRM_BENCH_POOL), idleTimeoutMillis: 0 };

function poolSizeFrom(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 32;
  const size = Number(raw);
  if (!Number.isSafeInteger(size) || size < 1)
    throw new Error(`CONFIRM_BENCH_POOL must be a positive integer, got ${raw}`);
  return size;
}
const WARM_UP = { batchSize: 300, concurrency: 32, minBatches: 3, maxBatches: 12, tolerance: 0.05 };
const CONFIRM_PATH = '/v1/payments/confirm';

export interface BenchOutcome {
  /** False when a verification failed: the run must exit 1 and its figures are not written. */
  ok: boolean;
}

export async function runConfirmOverhead(log: (line: string) => void = console.log): Promise<BenchOutcome> {
  const runTag = randomBytes(4).toString('hex');
  const sim = await TossSimulator.start({ port: 0 });
  const clients = [0, 1, 2].map(() => new RawTossConfirmClient(sim.url, TOSS_TEST_SECRET_KEY, POOL.max));
  const counter = new StatementCounter();
  let app: BenchApp | undefined;
  let limit: LimitConfirm | undefined;
  try {
    const bootStarted = performance.now();
    app = await bootBenchApp({ tossBaseUrl: sim.url, poolSize: POOL.max, idleTimeoutMillis: POOL.idleTimeoutMillis });
    const { payments, dataSource } = app;
    limit = new LimitConfirm((dataSource.options as { url: string }).url, POOL, clients[1]);
    const libraryPool = (dataSource.driver as unknown as { master: Pool }).master;
    log(
      `${BENCH_NAME}: app up on ${app.database} in ${Math.round(performance.now() - bootStarted)} ms; ` +
        `pools: max ${POOL.max}, idleTimeoutMillis ${POOL.idleTimeoutMillis} (library/naive: TypeORM's, limit: its own)`,
    );
    counter.install();
    const measurePostgres = app.embeddedDatabase;
    const confirmOf: Record<VariantName, ConfirmFn> = {
      library: libraryConfirm(payments),
      limit: limit.confirm,
      naive: naiveConfirm(dataSource, clients[2]),
    };
    const rawHttp = rawHttpConfirm(clients[0]);
    const prepared: Session[] = [];
    const httpOnly: Session[] = [];
    let batchNo = 0;
    const prepare = async (variant: VariantName, count: number): Promise<Session[]> => {
      const sessions = await prepareSessions(payments, sim, `bench_${runTag}_${variant}${batchNo++}`, count, 32);
      prepared.push(...sessions);
      return sessions;
    };
    const run = async (variant: VariantName, concurrency: number, count: number): Promise<PhaseResult> =>
      timePhase(await prepare(variant, count), concurrency, confirmOf[variant], counter, measurePostgres);

    log(`${BENCH_NAME}: warm-up, batches of ${WARM_UP.batchSize} per variant at concurrency ${WARM_UP.concurrency}`);
    const warm = await warmUp(
      VARIANTS.map((name) => ({ name, runBatch: () => run(name, WARM_UP.concurrency, WARM_UP.batchSize) })),
      WARM_UP,
      log,
    );
    log(
      warm.stable
        ? `${BENCH_NAME}: warm-up done after ${warm.batches} batches: every variant's throughput changed < ` +
            `${WARM_UP.tolerance * 100} % from the previous batch`
        : `${BENCH_NAME}: warm-up never settled within ${warm.batches} batches (a noisy machine); measuring anyway`,
    );

    const measurements: ConfirmMeasurements = {
      concurrencies: CONCURRENCIES,
      phases: { library: new Map(), limit: new Map(), naive: new Map() },
      rawHttp: [],
      writes: {} as ConfirmMeasurements['writes'],
    };
    for (let round = 0; round < ROUNDS; round += 1) {
      const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]);
      for (const concurrency of CONCURRENCIES) {
        const count = CONFIRMS_PER_PHASE[concurrency];
        log(`${BENCH_NAME}: round ${round + 1}/${ROUNDS}, concurrency ${concurrency}: ${order.join(', ')}`);
        if (concurrency === 1) {
          const sessions = authenticateOnly(sim, `bench_${runTag}_raw${round}`, count);
          httpOnly.push(...sessions);
          measurements.rawHttp.push(await timePhase(sessions, 1, rawHttp, counter, measurePostgres));
        }
        for (const variant of order) {
          // Write amplification is read around the first round's concurrency-8 phases: the table counters need a
          // flush and a second of quiet either side, which the other phases should not pay.
          const measureWrites = round === 0 && concurrency === 8;
          const sessions = await prepare(variant, count);
          const pools = [libraryPool, limit.pool];
          const before = measureWrites ? await flushedTableStats(limit.pool, pools) : undefined;
          const phase = await timePhase(sessions, concurrency, confirmOf[variant], counter, measurePostgres);
          if (before) {
            measurements.writes[variant] = {
              confirms: count,
              before,
              after: await flushedTableStats(limit.pool, pools),
            };
          }
          const list = measurements.phases[variant].get(concurrency) ?? [];
          list.push(phase);
          measurements.phases[variant].set(concurrency, list);
        }
      }
    }

    // One more library confirm, sequential and untimed, with its statements printed: what each round trip is.
    const [sample] = await prepare('library', 1);
    const statements = await counter.capture(() => confirmOf.library(sample));
    log(`${BENCH_NAME}: one library confirm sends ${statements.length} statements:`);
    for (const text of statements) log(`  ${text}`);

    const problems = [
      ...(await verifyAllPaid(limit.pool, prepared)),
      ...verifyOneConfirmEach(sim, [...prepared, ...httpOnly]),
    ];
    const result = confirmResult(measurements, {
      rounds: ROUNDS,
      confirmsPerPhase: CONFIRMS_PER_PHASE,
      pool: POOL,
      warmUp: { batches: warm.batches, batchSize: WARM_UP.batchSize, stable: warm.stable },
      database: app.database,
    });
    log('');
    log(confirmReport(result));
    log('');
    if (problems.length > 0) {
      log(`${BENCH_NAME}: VERIFICATION FAILED, results not written:`);
      for (const problem of problems.slice(0, 20)) log(`  - ${problem}`);
      if (problems.length > 20) log(`  ... and ${problems.length - 20} more`);
      return { ok: false };
    }
    log(
      `${BENCH_NAME}: verified: all ${prepared.length} confirmed payments stored PAID with ${AMOUNT_KRW} KRW; the ` +
        `simulator received exactly one confirm, answered 200, for each of the ${prepared.length + httpOnly.length} ` +
        `sessions and none for anything else`,
    );
    log(`${BENCH_NAME}: wrote ${writeResult(BENCH_NAME, result)}`);
    return { ok: true };
  } finally {
    counter.uninstall();
    for (const client of clients) await client.close();
    await limit?.close();
    await app?.close();
    await sim.stop();
  }
}

/** Reads the ledger back: every prepared payment, whichever variant confirmed it, is PAID with its amount. */
async function verifyAllPaid(pool: Pool, sessions: readonly Session[]): Promise<string[]> {
  const { rows } = await pool.query<{ id: string; status: string; amount: string }>(
    'SELECT id, status, amount FROM payments WHERE id = ANY($1::uuid[])',
    [sessions.map((s) => s.paymentId)],
  );
  const byId = new Map(rows.map((row) => [row.id, row]));
  const problems: string[] = [];
  for (const session of sessions) {
    const row = byId.get(session.paymentId as string);
    if (!row) problems.push(`payment ${session.orderId} is missing from the payments table`);
    else if (row.status !== 'PAID' || Number(row.amount) !== AMOUNT_KRW) {
      problems.push(
        `payment ${session.orderId} is stored ${row.status} ${row.amount} KRW, expected PAID ${AMOUNT_KRW}`,
      );
    }
  }
  return problems;
}

/**
 * The simulator's request log must hold exactly one confirm per session of this run, each answered 200, and no
 * confirm for anything else: a retry or a duplicate call in any variant would show up here.
 */
function verifyOneConfirmEach(sim: TossSimulator, sessions: readonly Session[]): string[] {
  const statusesByKey = new Map<string, number[]>();
  for (const recorded of sim.requestsTo('POST', CONFIRM_PATH)) {
    if (recorded.path !== CONFIRM_PATH) continue;
    const paymentKey = String((recorded.body as { paymentKey?: unknown } | undefined)?.paymentKey ?? '');
    statusesByKey.set(paymentKey, [...(statusesByKey.get(paymentKey) ?? []), recorded.status]);
  }
  const problems: string[] = [];
  const expected = new Set<string>();
  for (const session of sessions) {
    expected.add(session.paymentKey);
    const statuses = statusesByKey.get(session.paymentKey);
    if (!statuses) problems.push(`the simulator never received a confirm for ${session.orderId}`);
    else if (statuses.length !== 1)
      problems.push(`the simulator received ${statuses.length} confirms for ${session.orderId}`);
    else if (statuses[0] !== 200)
      problems.push(`the simulator answered ${statuses[0]} to the confirm of ${session.orderId}`);
  }
  for (const [paymentKey, statuses] of statusesByKey) {
    if (!expected.has(paymentKey)) problems.push(`${statuses.length} confirm(s) for a payment this run never prepared`);
  }
  return problems;
}
