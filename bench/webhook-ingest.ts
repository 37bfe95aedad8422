import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { PaymentStatus, type PaymentsService } from 'nestjs-kr-payments';
import { TOSS_TEST_CLIENT_KEY, TOSS_TEST_SECRET_KEY, TossSimulator } from 'nestjs-kr-payments/testing';
import type { BenchOutcome } from './confirm-overhead';
import { median } from './support/confirm-measure';
import type { PoolSettings } from './support/confirm-variants';
import { bootBenchHttpApp, type BenchHttpApp } from './support/http-app';
import { MinimalWebhookServer } from './support/ingest-minimal';
import { runWorkerPool } from './support/pool';
import { formatTable, writeResult } from './support/results';
import { CaptureServer, WebhookClient } from './support/webhook-client';

/**
 * webhook-ingest: genuine Toss deliveries per second through the library's webhook endpoint against a minimal
 * inbox insert + read-back + guarded update (support/ingest-minimal.ts), in the same run, same simulator, same
 * database. Each delivery is the PAYMENT_STATUS_CHANGED DONE Toss sent when the buyer paid a virtual account that was
 * WAITING_FOR_DEPOSIT, so every delivery does real work: one read-back and one state change. Rounds alternate the
 * two endpoints; figures are medians over the rounds.
 */
export const BENCH_NAME = 'webhook-ingest';
export const ROUNDS = 3;
export const DELIVERIES_PER_PHASE = 400;
const WARM_UP_DELIVERIES = 400;
export const CONCURRENCY = 32;
const POOL: PoolSettings = { max: 32, idleTimeoutMillis: 0 };
export const TARGET_RATIO = 0.7;
const AMOUNT_KRW = 30_000;
const PROXY_ADDRESS = '127.0.0.1';
/** One of the sources Toss publishes (the Toss gateway's default webhookAllowedSources). */
const TOSS_SOURCE = '13.124.18.147';

type Endpoint = 'library' | 'minimal';

interface Delivery {
  orderId: string;
  paymentKey: string;
  body: string;
}

export async function runWebhookIngest(log: (line: string) => void = console.log): Promise<BenchOutcome> {
  const prefix = `bench_${randomBytes(4).toString('hex')}`;
  const capture = await CaptureServer.start();
  const sim = await TossSimulator.start({ port: 0, webhookUrl: capture.url });
  let app: BenchHttpApp | undefined;
  let minimal: MinimalWebhookServer | undefined;
  const clients: WebhookClient[] = [];
  try {
    app = await bootBenchHttpApp({
      poolSize: POOL.max,
      idleTimeoutMillis: POOL.idleTimeoutMillis,
      payments: {
        gateways: { toss: { secretKey: TOSS_TEST_SECRET_KEY, clientKey: TOSS_TEST_CLIENT_KEY, baseUrl: sim.url } },
        webhooks: { trustedProxies: [PROXY_ADDRESS] },
      },
    });
    minimal = await MinimalWebhookServer.start({
      connectionString: (app.dataSource.options as { url: string }).url,
      pool: POOL,
      tossUrl: sim.url,
      secretKey: TOSS_TEST_SECRET_KEY,
      allowedSources: [TOSS_SOURCE],
    });
    const client: Record<Endpoint, WebhookClient> = {
      library: new WebhookClient(app.url, { connections: CONCURRENCY }),
      minimal: new WebhookClient(minimal.url, { connections: CONCURRENCY }),
    };
    clients.push(client.library, client.minimal);
    log(
      `${BENCH_NAME}: app up on ${app.database}; both pools max ${POOL.max}, idleTimeoutMillis ${POOL.idleTimeoutMillis}`,
    );

    const all: Delivery[] = [];
    let batch = 0;
    const seed = async (count: number): Promise<Delivery[]> => {
      const deliveries = await seedDeposits(app as BenchHttpApp, sim, capture, `${prefix}_${batch++}`, count);
      all.push(...deliveries);
      return deliveries;
    };
    const lookups = (): number => sim.requestsTo('GET', '/v1/payments/').length;
    const failures: string[] = [];
    const phase = async (endpoint: Endpoint, deliveries: Delivery[]): Promise<number> => {
      const started = performance.now();
      await runWorkerPool(deliveries, CONCURRENCY, async (delivery) => {
        const answer = await client[endpoint].post({
          gateway: 'toss',
          contentType: 'application/json',
          body: delivery.body,
          forwardedFor: TOSS_SOURCE,
        });
        if (answer.status !== 200)
          failures.push(`${endpoint}: ${delivery.orderId} answered ${answer.status} ${answer.error ?? ''}`);
      });
      return deliveries.length / ((performance.now() - started) / 1000);
    };

    log(`${BENCH_NAME}: warm-up, ${WARM_UP_DELIVERIES} deliveries per endpoint`);
    for (const endpoint of ['library', 'minimal'] as const) await phase(endpoint, await seed(WARM_UP_DELIVERIES));
    const perSecond: Record<Endpoint, number[]> = { library: [], minimal: [] };
    const readBacks: Record<Endpoint, number> = { library: 0, minimal: 0 };
    for (let round = 0; round < ROUNDS; round += 1) {
      const order: Endpoint[] = round % 2 === 0 ? ['library', 'minimal'] : ['minimal', 'library'];
      for (const endpoint of order) {
        const deliveries = await seed(DELIVERIES_PER_PHASE);
        const before = lookups();
        perSecond[endpoint].push(await phase(endpoint, deliveries));
        readBacks[endpoint] += lookups() - before;
        log(`  round ${round + 1} ${endpoint}: ${perSecond[endpoint][round].toFixed(1)} deliveries/s`);
      }
    }

    const statuses = await paymentStatuses(app, all);
    const notPaid = all.filter((d) => statuses.get(d.orderId) !== PaymentStatus.PAID);
    const problems = [
      ...failures,
      ...notPaid.map(
        (d) => `${d.orderId} is ${statuses.get(d.orderId) ?? 'missing'} after its delivery, expected PAID`,
      ),
    ];
    const measured = ROUNDS * DELIVERIES_PER_PHASE;
    for (const endpoint of ['library', 'minimal'] as const) {
      if (readBacks[endpoint] !== measured) {
        problems.push(`${endpoint}: ${readBacks[endpoint]} read-backs for ${measured} deliveries, expected one each`);
      }
    }
    const library = median(perSecond.library);
    const floor = median(perSecond.minimal);
    const result = {
      libraryDeliveriesPerSec: round1(library),
      minimalDeliveriesPerSec: round1(floor),
      libraryOverMinimal: Math.round((library / floor) * 100) / 100,
      target: TARGET_RATIO,
      met: library / floor >= TARGET_RATIO,
      perRound: perSecond,
      rounds: ROUNDS,
      deliveriesPerPhase: DELIVERIES_PER_PHASE,
      concurrency: CONCURRENCY,
      pool: POOL,
      database: app.database,
      node: process.version,
      date: new Date().toISOString(),
    };
    log('');
    log(
      formatTable(
        ['endpoint', 'deliveries/s (median)', 'per round'],
        (['library', 'minimal'] as const).map((e) => [
          e,
          round1(median(perSecond[e])).toFixed(1),
          perSecond[e].map((v) => v.toFixed(1)).join(', '),
        ]),
      ),
    );
    log(
      `library / minimal = ${result.libraryOverMinimal} (target ≥ ${TARGET_RATIO}: ${result.met ? 'met' : 'MISSED'})`,
    );
    log('');
    if (problems.length > 0) {
      log(`${BENCH_NAME}: VERIFICATION FAILED, results not written:`);
      for (const problem of problems.slice(0, 20)) log(`  - ${problem}`);
      return { ok: false };
    }
    log(
      `${BENCH_NAME}: verified: all ${all.length} deliveries answered 200, every payment is PAID, one read-back per delivery`,
    );
    log(`${BENCH_NAME}: wrote ${writeResult(BENCH_NAME, result)}`);
    return { ok: true };
  } finally {
    for (const c of clients) await c.close();
    await minimal?.close();
    await app?.close();
    await sim.stop();
    await capture.close();
  }
}

/**
 * Untimed: `count` virtual accounts confirmed through the library (WAITING_FOR_DEPOSIT), each then paid at the
 * simulator, whose PAYMENT_STATUS_CHANGED DONE (captured, byte for byte) is the delivery the phase will send.
 */
async function seedDeposits(
  app: BenchHttpApp,
  sim: TossSimulator,
  capture: CaptureServer,
  prefix: string,
  count: number,
): Promise<Delivery[]> {
  const payments: PaymentsService = app.payments;
  const seeded = new Array<{ orderId: string; paymentKey: string }>(count);
  await runWorkerPool(
    Array.from({ length: count }, (_, i) => i),
    CONCURRENCY,
    async (i) => {
      const orderId = `${prefix}_${i}`;
      const order = { orderId, amount: AMOUNT_KRW, orderName: 'bench ingest', returnUrl: 'https://shop.example/r' };
      await payments.prepare({ ...order, gateway: 'toss', method: 'VIRTUAL_ACCOUNT' });
      const { paymentKey } = sim.authenticatePayment({ ...order, method: 'VIRTUAL_ACCOUNT' });
      await payments.confirm({ gateway: 'toss', orderId, amount: AMOUNT_KRW, paymentKey });
      sim.deposit({ orderId });
      seeded[i] = { orderId, paymentKey };
    },
  );
  await sim.webhooksIdle();
  const wanted = new Map(seeded.map((s) => [s.orderId, s]));
  const deliveries = new Map<string, Delivery>();
  for (const { body, rawBody } of capture.jsonBodies()) {
    const data = body['data'] as Record<string, unknown> | undefined;
    const orderId = String(data?.['orderId'] ?? '');
    const seededPayment = wanted.get(orderId);
    if (seededPayment && body['eventType'] === 'PAYMENT_STATUS_CHANGED' && data?.['status'] === 'DONE') {
      deliveries.set(orderId, { ...seededPayment, body: rawBody });
    }
  }
  if (deliveries.size !== count) throw new Error(`seeding: ${deliveries.size} of ${count} deposits were delivered`);
  return [...deliveries.values()];
}

async function paymentStatuses(app: BenchHttpApp, deliveries: readonly Delivery[]): Promise<Map<string, string>> {
  const rows: Array<{ order_id: string; status: string }> = await app.dataSource.query(
    `SELECT order_id, status FROM payments WHERE gateway = 'toss' AND order_id = ANY($1)`,
    [deliveries.map((d) => d.orderId)],
  );
  return new Map(rows.map((row) => [row.order_id, row.status]));
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}
