import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Payment, PaymentStatus, type PaymentsService } from 'nestjs-kr-payments';
import { TOSS_TEST_SECRET_KEY, TossSimulator } from 'nestjs-kr-payments/testing';
import { bootBenchApp, type BenchApp } from './support/app';
import { cpuSince, cpuSnapshot, type CpuSnapshot } from './support/cpu';
import { runWorkerPool } from './support/pool';
import { RawTossConfirmClient } from './support/raw-toss';
import { formatTable, writeResult } from './support/results';
import { roundMs, summarize, type LatencySummary } from './support/stats';

/**
 * confirm-overhead: what `PaymentsService.confirm` costs on top of the Toss HTTP call it makes.
 *
 * Both paths confirm real authenticated sessions on the in-process Toss simulator, at the same concurrency, in the
 * same run: the service path (validation, compare-and-set, the HTTP call, the truth applied under a row lock) and
 * the raw path (the same `POST /v1/payments/confirm` with undici alone). Setup (`prepare` + the simulated payment
 * window) is done for every payment before the timed phases, so a timed phase contains nothing but confirms and
 * the throughput figure is confirms only.
 *
 * Besides the headline figures (concurrency 32, the JSON result) the table shows CPU per confirm and a short
 * sequential run (concurrency 1): at concurrency 32 a saturated CPU turns every extra CPU millisecond into queueing
 * delay for all 32 callers, so the sequential overhead is the library's own latency and the CPU figures say where
 * the time goes.
 */
export const BENCH_NAME = 'confirm-overhead';
export const CONFIRMS = 2000;
export const WARM_UP_CONFIRMS = 200;
export const CONCURRENCY = 32;
/** Sequential reference run (not part of the JSON result): small, it only has to show the uncontended latency. */
export const SEQUENTIAL_CONFIRMS = 200;
/** Integer KRW, above Toss's card minimum of 100 KRW. */
const AMOUNT_KRW = 15_000;
const ORDER_NAME = 'bench confirm';
const RETURN_URL = 'http://127.0.0.1/bench/toss/success';
const CONFIRM_PATH = '/v1/payments/confirm';

export const TARGETS = { overheadP50Ms: 2.5, overheadP99Ms: 10, confirmsPerSec: 400 } as const;

/** Exactly the fields of bench/results/confirm-overhead.json. */
export interface ConfirmOverheadResult {
  overheadP50Ms: number;
  overheadP99Ms: number;
  serviceP50Ms: number;
  serviceP99Ms: number;
  rawP50Ms: number;
  rawP99Ms: number;
  confirmsPerSec: number;
  concurrency: number;
  confirms: number;
  node: string;
  cpus: number;
  date: string;
}

export interface BenchOutcome {
  /** False when a verification failed: the run must exit 1 and its figures are not written. */
  ok: boolean;
}

interface Session {
  orderId: string;
  paymentKey: string;
}

interface ServiceSession extends Session {
  paymentId: string;
}

interface PhaseResult {
  latency: LatencySummary;
  wallMs: number;
  cpu: CpuSnapshot;
  count: number;
}

export async function runConfirmOverhead(log: (line: string) => void = console.log): Promise<BenchOutcome> {
  const runTag = randomBytes(4).toString('hex');
  const sim = await TossSimulator.start({ port: 0 });
  let app: BenchApp | undefined;
  const raw = new RawTossConfirmClient(sim.url, TOSS_TEST_SECRET_KEY, CONCURRENCY);
  try {
    const bootStarted = performance.now();
    app = await bootBenchApp({ tossBaseUrl: sim.url, poolSize: CONCURRENCY });
    log(
      `${BENCH_NAME}: app up on ${app.database} in ${Math.round(performance.now() - bootStarted)} ms; preparing sessions`,
    );
    const { payments } = app;
    const measureCpu = (): CpuSnapshot => cpuSnapshot(app?.embeddedDatabase ?? false);

    // Untimed setup for every confirm of both paths: a READY payment plus the buyer finishing the payment window.
    const service = {
      warmUp: await prepareServiceSessions(payments, sim, `bench_${runTag}_sw`, WARM_UP_CONFIRMS),
      measured: await prepareServiceSessions(payments, sim, `bench_${runTag}_s`, CONFIRMS),
      sequential: await prepareServiceSessions(payments, sim, `bench_${runTag}_s1`, SEQUENTIAL_CONFIRMS),
    };
    const rawSessions = {
      warmUp: authenticateRawSessions(sim, `bench_${runTag}_rw`, WARM_UP_CONFIRMS),
      measured: authenticateRawSessions(sim, `bench_${runTag}_r`, CONFIRMS),
      sequential: authenticateRawSessions(sim, `bench_${runTag}_r1`, SEQUENTIAL_CONFIRMS),
    };
    const viaService = (session: ServiceSession): Promise<void> => confirmThroughService(payments, session);
    const viaRaw = (session: Session): Promise<void> => confirmRaw(raw, session);

    log(`${BENCH_NAME}: warm-up (${WARM_UP_CONFIRMS} confirms per path)`);
    await timePhase(service.warmUp, CONCURRENCY, viaService, measureCpu);
    await timePhase(rawSessions.warmUp, CONCURRENCY, viaRaw, measureCpu);

    log(`${BENCH_NAME}: measuring ${CONFIRMS} confirms per path at concurrency ${CONCURRENCY}`);
    const serviceTiming = await timePhase(service.measured, CONCURRENCY, viaService, measureCpu);
    const rawTiming = await timePhase(rawSessions.measured, CONCURRENCY, viaRaw, measureCpu);

    log(`${BENCH_NAME}: sequential reference (${SEQUENTIAL_CONFIRMS} confirms per path at concurrency 1)`);
    const serviceSequential = await timePhase(service.sequential, 1, viaService, measureCpu);
    const rawSequential = await timePhase(rawSessions.sequential, 1, viaRaw, measureCpu);

    const allService = [...service.warmUp, ...service.measured, ...service.sequential];
    const allSessions = [...allService, ...rawSessions.warmUp, ...rawSessions.measured, ...rawSessions.sequential];
    const problems = [...(await verifyAllPaid(app, allService)), ...verifyOneConfirmEach(sim, allSessions)];

    const result: ConfirmOverheadResult = {
      overheadP50Ms: roundMs(serviceTiming.latency.p50Ms - rawTiming.latency.p50Ms),
      overheadP99Ms: roundMs(serviceTiming.latency.p99Ms - rawTiming.latency.p99Ms),
      serviceP50Ms: roundMs(serviceTiming.latency.p50Ms),
      serviceP99Ms: roundMs(serviceTiming.latency.p99Ms),
      rawP50Ms: roundMs(rawTiming.latency.p50Ms),
      rawP99Ms: roundMs(rawTiming.latency.p99Ms),
      confirmsPerSec: Math.round((CONFIRMS / (serviceTiming.wallMs / 1000)) * 10) / 10,
      concurrency: CONCURRENCY,
      confirms: CONFIRMS,
      node: process.version,
      cpus: cpus().length,
      date: new Date().toISOString(),
    };

    log('');
    log(report(result, { serviceTiming, rawTiming, serviceSequential, rawSequential }, app.database));
    log('');
    if (problems.length > 0) {
      log(`${BENCH_NAME}: VERIFICATION FAILED, results not written:`);
      for (const problem of problems.slice(0, 20)) log(`  - ${problem}`);
      if (problems.length > 20) log(`  ... and ${problems.length - 20} more`);
      return { ok: false };
    }
    log(
      `${BENCH_NAME}: verified: all ${allService.length} service confirms stored PAID; the simulator received exactly one ` +
        `confirm for each of the ${allSessions.length} payments and none for anything else`,
    );
    log(`${BENCH_NAME}: wrote ${writeResult(BENCH_NAME, result)}`);
    return { ok: true };
  } finally {
    await raw.close();
    await app?.close();
    await sim.stop();
  }
}

async function prepareServiceSessions(
  payments: PaymentsService,
  sim: TossSimulator,
  orderPrefix: string,
  count: number,
): Promise<ServiceSession[]> {
  const sessions = new Array<ServiceSession>(count);
  await runWorkerPool(indices(count), CONCURRENCY, async (i) => {
    const orderId = `${orderPrefix}_${i}`;
    const { payment } = await payments.prepare({
      gateway: 'toss',
      orderId,
      amount: AMOUNT_KRW,
      orderName: ORDER_NAME,
      returnUrl: RETURN_URL,
    });
    const window = sim.authenticatePayment({ orderId, amount: AMOUNT_KRW, orderName: ORDER_NAME });
    sessions[i] = { paymentId: payment.id, orderId, paymentKey: window.paymentKey };
  });
  return sessions;
}

function authenticateRawSessions(sim: TossSimulator, orderPrefix: string, count: number): Session[] {
  return indices(count).map((i) => {
    const orderId = `${orderPrefix}_${i}`;
    const window = sim.authenticatePayment({ orderId, amount: AMOUNT_KRW, orderName: ORDER_NAME });
    return { orderId, paymentKey: window.paymentKey };
  });
}

/**
 * Runs `confirm` once per session through `concurrency` worker loops. Each latency sample covers the `confirm` call
 * alone; the checks on its answer run after the clock stopped. Wall clock and CPU cover the whole phase.
 */
async function timePhase<S extends Session>(
  sessions: readonly S[],
  concurrency: number,
  confirm: (session: S) => Promise<void>,
  measureCpu: () => CpuSnapshot,
): Promise<PhaseResult> {
  const latenciesMs = new Array<number>(sessions.length);
  const cpuStart = measureCpu();
  const phaseStarted = performance.now();
  await runWorkerPool(sessions, concurrency, async (session, i) => {
    const started = performance.now();
    await confirm(session);
    latenciesMs[i] = performance.now() - started;
  });
  const wallMs = performance.now() - phaseStarted;
  return { latency: summarize(latenciesMs), wallMs, cpu: cpuSince(cpuStart, measureCpu()), count: sessions.length };
}

/** A confirm that does not end PAID aborts the run: the figures of a failing path would be meaningless. */
async function confirmThroughService(payments: PaymentsService, session: ServiceSession): Promise<void> {
  const payment = await payments.confirm({
    gateway: 'toss',
    orderId: session.orderId,
    amount: AMOUNT_KRW,
    paymentKey: session.paymentKey,
  });
  if (payment.status !== PaymentStatus.PAID || payment.amount !== AMOUNT_KRW) {
    throw new Error(
      `service confirm of ${session.orderId} ended ${payment.status} (${payment.amount} KRW), expected PAID ${AMOUNT_KRW}`,
    );
  }
}

/** Anything but 200 DONE for the right order and amount aborts the run. */
async function confirmRaw(raw: RawTossConfirmClient, session: Session): Promise<void> {
  const { statusCode, body } = await raw.confirm({
    paymentKey: session.paymentKey,
    orderId: session.orderId,
    amount: AMOUNT_KRW,
  });
  if (
    statusCode !== 200 ||
    body.status !== 'DONE' ||
    body.orderId !== session.orderId ||
    body.totalAmount !== AMOUNT_KRW
  ) {
    throw new Error(
      `raw confirm of ${session.orderId} answered ${statusCode} ${body.code ?? body.status}, expected 200 DONE`,
    );
  }
}

/** Reads the ledger back: every payment confirmed through the service must be stored PAID with its amount. */
async function verifyAllPaid(app: BenchApp, sessions: readonly ServiceSession[]): Promise<string[]> {
  const rows = await app.dataSource
    .getRepository(Payment)
    .createQueryBuilder('p')
    .select(['p.id', 'p.orderId', 'p.status', 'p.amount'])
    .where('p.id IN (:...ids)', { ids: sessions.map((s) => s.paymentId) })
    .getMany();
  const byId = new Map(rows.map((row) => [row.id, row]));
  const problems: string[] = [];
  for (const session of sessions) {
    const row = byId.get(session.paymentId);
    if (!row) problems.push(`payment ${session.orderId} is missing from the payments table`);
    else if (row.status !== PaymentStatus.PAID || row.amount !== AMOUNT_KRW) {
      problems.push(
        `payment ${session.orderId} is stored ${row.status} ${row.amount} KRW, expected PAID ${AMOUNT_KRW}`,
      );
    }
  }
  return problems;
}

/**
 * The simulator's request log must hold exactly one confirm per payment of this run, each answered 200, and no
 * confirm for anything else: a retry or a duplicate call inside the library would show up here.
 */
function verifyOneConfirmEach(sim: TossSimulator, sessions: readonly Session[]): string[] {
  const confirmsByPaymentKey = new Map<string, number[]>();
  for (const recorded of sim.requestsTo('POST', CONFIRM_PATH)) {
    if (recorded.path !== CONFIRM_PATH) continue;
    const paymentKey = String((recorded.body as { paymentKey?: unknown } | undefined)?.paymentKey ?? '');
    const statuses = confirmsByPaymentKey.get(paymentKey) ?? [];
    statuses.push(recorded.status);
    confirmsByPaymentKey.set(paymentKey, statuses);
  }
  const problems: string[] = [];
  const expected = new Set<string>();
  for (const session of sessions) {
    expected.add(session.paymentKey);
    const statuses = confirmsByPaymentKey.get(session.paymentKey);
    if (!statuses) problems.push(`the simulator never received a confirm for ${session.orderId}`);
    else if (statuses.length !== 1)
      problems.push(`the simulator received ${statuses.length} confirms for ${session.orderId}`);
    else if (statuses[0] !== 200)
      problems.push(`the simulator answered ${statuses[0]} to the confirm of ${session.orderId}`);
  }
  for (const [paymentKey, statuses] of confirmsByPaymentKey) {
    if (!expected.has(paymentKey))
      problems.push(`the simulator received ${statuses.length} confirm(s) for a payment this run never prepared`);
  }
  return problems;
}

function report(
  result: ConfirmOverheadResult,
  phases: {
    serviceTiming: PhaseResult;
    rawTiming: PhaseResult;
    serviceSequential: PhaseResult;
    rawSequential: PhaseResult;
  },
  database: string,
): string {
  const { serviceTiming, rawTiming, serviceSequential, rawSequential } = phases;
  const ms = (value: number): string => `${value.toFixed(3)} ms`;
  const pair = (a: number, b: number): string => `${ms(a)} / ${ms(b)}`;
  const perCall = (phase: PhaseResult, cpuMs: number | undefined): string =>
    cpuMs === undefined ? 'n/a (external server)' : ms(cpuMs / phase.count);
  const verdict = (ok: boolean): string => (ok ? 'pass' : 'MISS');
  const rows: string[][] = [
    ['confirms per path (after warm-up)', `${CONFIRMS} (+${WARM_UP_CONFIRMS} warm-up each)`],
    ['concurrency (worker loops)', String(CONCURRENCY)],
    ['service latency p50 / p99', pair(serviceTiming.latency.p50Ms, serviceTiming.latency.p99Ms)],
    ['service latency mean / max', pair(serviceTiming.latency.meanMs, serviceTiming.latency.maxMs)],
    ['raw undici latency p50 / p99', pair(rawTiming.latency.p50Ms, rawTiming.latency.p99Ms)],
    ['raw undici latency mean / max', pair(rawTiming.latency.meanMs, rawTiming.latency.maxMs)],
    ['overhead p50 (= service p50 − raw p50)', ms(result.overheadP50Ms)],
    ['overhead p99 (= service p99 − raw p99)', ms(result.overheadP99Ms)],
    ['confirms/s (2000 / service phase wall clock)', result.confirmsPerSec.toFixed(1)],
    ['raw calls/s (2000 / raw phase wall clock)', (CONFIRMS / (rawTiming.wallMs / 1000)).toFixed(1)],
    [
      'node CPU per confirm, service / raw (incl. simulator)',
      `${perCall(serviceTiming, serviceTiming.cpu.nodeMs)} / ${perCall(rawTiming, rawTiming.cpu.nodeMs)}`,
    ],
    ['postgres CPU per confirm, service', perCall(serviceTiming, serviceTiming.cpu.postgresMs)],
    [
      `sequential (concurrency 1, ${SEQUENTIAL_CONFIRMS}) service p50 / p99`,
      pair(serviceSequential.latency.p50Ms, serviceSequential.latency.p99Ms),
    ],
    [
      `sequential (concurrency 1, ${SEQUENTIAL_CONFIRMS}) raw p50 / p99`,
      pair(rawSequential.latency.p50Ms, rawSequential.latency.p99Ms),
    ],
    [
      'sequential overhead p50 / p99',
      pair(
        serviceSequential.latency.p50Ms - rawSequential.latency.p50Ms,
        serviceSequential.latency.p99Ms - rawSequential.latency.p99Ms,
      ),
    ],
    ['database', database],
    ['node / cpus', `${result.node} / ${result.cpus}`],
  ];
  const targets: string[][] = [
    [
      'overhead p50 (concurrency 32)',
      ms(result.overheadP50Ms),
      `≤ ${TARGETS.overheadP50Ms} ms`,
      verdict(result.overheadP50Ms <= TARGETS.overheadP50Ms),
    ],
    [
      'overhead p99 (concurrency 32)',
      ms(result.overheadP99Ms),
      `≤ ${TARGETS.overheadP99Ms} ms`,
      verdict(result.overheadP99Ms <= TARGETS.overheadP99Ms),
    ],
    [
      'confirms/s (concurrency 32)',
      result.confirmsPerSec.toFixed(1),
      `≥ ${TARGETS.confirmsPerSec} (2-core machine)`,
      verdict(result.confirmsPerSec >= TARGETS.confirmsPerSec),
    ],
  ];
  return [formatTable(['metric', 'value'], rows), '', formatTable(['target', 'value', 'goal', 'result'], targets)].join(
    '\n',
  );
}

function indices(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i);
}
