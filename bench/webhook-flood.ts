import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { PAYMENTS_RESOLVED_OPTIONS } from 'nestjs-kr-payments';
import {
  KISPG_TEST_MERCHANT_KEY,
  KISPG_TEST_MID,
  KispgSimulator,
  NICEPAY_TEST_CLIENT_ID,
  NICEPAY_TEST_SECRET_KEY,
  NicePaySimulator,
  TOSS_TEST_CLIENT_KEY,
  TOSS_TEST_SECRET_KEY,
  TossSimulator,
} from 'nestjs-kr-payments/testing';
import type { BenchOutcome } from './confirm-overhead';
import { Forger } from './support/forgeries';
import { runFlood, type FloodResult, type GatewayCallLog, type SourcePlan } from './support/flood';
import { floodChecks, floodReport, floodResult, type IdenticalResult } from './support/flood-report';
import { bootBenchHttpApp, type BenchHttpApp } from './support/http-app';
import { inboxRowsOfOrder } from './support/ledger-probe';
import { writeResult } from './support/results';
import { CaptureServer, canBind, WebhookClient } from './support/webhook-client';
import { seedKispg, seedNicePay, seedToss, type TossSeeds } from './support/webhook-seeds';

/**
 * webhook-flood: what 5,000 forged webhook deliveries cost the shop, and whether any of them moves money or makes the
 * library call a gateway. Then: 10 identical genuine deliveries sent at once cost one read-back.
 *
 * A real Nest HTTP app (rawBody on, the webhook route as the library registers it) behind a simulated reverse proxy on
 * 127.0.0.1 (`webhooks.trustedProxies`), with payments seeded on Toss, NicePay and KISPG through their simulators.
 * The forgeries start from genuine bodies and name real payments (see support/forgeries.ts). Two floods:
 * - distributed: every delivery from its own address (X-Forwarded-For through the proxy), so a per-source budget of
 *   rejections never fills and every delivery reaches its gateway's checks;
 * - single source: every delivery from one peer that connects directly (127.0.0.2, or one forwarded address where
 *   that cannot be bound) and writes its own X-Forwarded-For naming a Toss address, which the app must ignore.
 */
export const BENCH_NAME = 'webhook-flood';
export const FORGED_DELIVERIES = 5_000;
export const CONCURRENCY = 32;
export const IDENTICAL_DELIVERIES = 10;

/** The reverse proxy the app trusts; every "through the proxy" delivery connects from here. */
const PROXY_ADDRESS = '127.0.0.1';
/** A peer that reaches the app without the proxy (Linux routes all of 127.0.0.0/8 to loopback). */
const DIRECT_ADDRESS = '127.0.0.2';
/** One of the sources Toss publishes (the Toss gateway's default webhookAllowedSources). */
const TOSS_PUBLISHED_SOURCE = '13.124.18.147';
/**
 * Where forgers come from: 198.18.0.0/15 (RFC 2544, set aside for benchmarks). On the NicePay and KISPG allowlists
 * together with loopback, so their forgeries get past the source check and meet the signature / hash check; not on
 * Toss's, which keeps its published list (the defence the benchmark measures for Toss).
 */
const FORGER_RANGE = '198.18.0.0/15';
const SINGLE_FORGER_FALLBACK = '198.19.255.254';

export async function runWebhookFlood(log: (line: string) => void = console.log): Promise<BenchOutcome> {
  const prefix = `bench_${randomBytes(4).toString('hex')}`;
  const capture = await CaptureServer.start();
  const sims = {
    toss: await TossSimulator.start({ port: 0, webhookUrl: capture.url }),
    nicepay: await NicePaySimulator.start({ port: 0, webhookUrl: capture.url }),
    kispg: await KispgSimulator.start({ port: 0 }),
  };
  let app: BenchHttpApp | undefined;
  const clients: WebhookClient[] = [];
  try {
    const bootStarted = performance.now();
    app = await bootBenchHttpApp({
      poolSize: CONCURRENCY + 8,
      payments: {
        gateways: {
          toss: { secretKey: TOSS_TEST_SECRET_KEY, clientKey: TOSS_TEST_CLIENT_KEY, baseUrl: sims.toss.url },
          nicepay: { clientId: NICEPAY_TEST_CLIENT_ID, secretKey: NICEPAY_TEST_SECRET_KEY, baseUrl: sims.nicepay.url },
          kispg: { mid: KISPG_TEST_MID, merchantKey: KISPG_TEST_MERCHANT_KEY, baseUrl: sims.kispg.url },
        },
        webhooks: {
          trustedProxies: [PROXY_ADDRESS],
          ipAllowlist: { nicepay: ['127.0.0.0/8', FORGER_RANGE], kispg: ['127.0.0.0/8', FORGER_RANGE] },
        },
      },
    });
    log(`${BENCH_NAME}: app up on ${app.database} in ${Math.round(performance.now() - bootStarted)} ms; seeding`);

    const seeds = {
      toss: await seedToss(app.payments, sims.toss, capture, prefix),
      nicepay: await seedNicePay(app.payments, sims.nicepay, capture, prefix),
      kispg: await seedKispg(app.payments, sims.kispg, prefix),
    };
    const paymentIds = [...seeds.toss.payments, ...seeds.nicepay.payments, ...seeds.kispg.payments].map((p) => p.id);
    const forger = new Forger(seeds);
    const gateways: GatewayCallLog[] = [
      callLog('toss', sims.toss, 'GET', '/v1/payments/'),
      callLog('nicepay', sims.nicepay, 'GET', '/v1/payments/'),
      callLog('kispg', sims.kispg, 'POST', '/v2/order'),
    ];
    const context = { dataSource: app.dataSource, paymentIds, gateways };

    const viaProxy = new WebhookClient(app.url, { connections: CONCURRENCY });
    clients.push(viaProxy);
    const direct = (await canBind(DIRECT_ADDRESS))
      ? new WebhookClient(app.url, { connections: CONCURRENCY, localAddress: DIRECT_ADDRESS })
      : undefined;
    if (direct) clients.push(direct);

    // Through the proxy, one address per delivery; a Toss forgery also writes a Toss address on the left, which the
    // proxy's own entry (the real sender, on the right) outranks.
    const distributed: SourcePlan = (index, delivery) => {
      const sender = `198.18.${(index >> 8) & 255}.${index & 255}`;
      const forwardedFor = delivery.gateway === 'toss' ? `${TOSS_PUBLISHED_SOURCE}, ${sender}` : sender;
      return { client: viaProxy, forwardedFor };
    };
    const singleSource: SourcePlan = direct
      ? () => ({ client: direct, forwardedFor: TOSS_PUBLISHED_SOURCE })
      : () => ({ client: viaProxy, forwardedFor: `${TOSS_PUBLISHED_SOURCE}, ${SINGLE_FORGER_FALLBACK}` });

    const floods: FloodResult[] = [];
    for (const plan of [
      { name: 'distributed', sources: `${FORGED_DELIVERIES} addresses in ${FORGER_RANGE}`, source: distributed },
      {
        name: 'single source',
        sources: direct
          ? `${DIRECT_ADDRESS} direct, claiming X-Forwarded-For ${TOSS_PUBLISHED_SOURCE}`
          : `${SINGLE_FORGER_FALLBACK} through the proxy (${DIRECT_ADDRESS} cannot be bound here)`,
        source: singleSource,
      },
    ]) {
      log(`${BENCH_NAME}: ${plan.name} flood: ${FORGED_DELIVERIES} forged deliveries at concurrency ${CONCURRENCY}`);
      floods.push(
        await runFlood({ ...plan, deliveries: FORGED_DELIVERIES, concurrency: CONCURRENCY, forger }, context),
      );
    }

    log(`${BENCH_NAME}: ${IDENTICAL_DELIVERIES} identical genuine deliveries at once`);
    const identical = await runIdenticalGenuine(app, sims.toss, capture, seeds.toss, viaProxy);

    const resolved = app.app.get<{ webhooks: Record<string, unknown> }>(PAYMENTS_RESOLVED_OPTIONS);
    const result = floodResult(floods, identical, {
      concurrency: CONCURRENCY,
      rejectedPerSource: resolved.webhooks['rejectedPerSource'] ?? null,
    });
    const checks = floodChecks(floods, identical);
    log('');
    log(floodReport(result, floods, checks, app.database));
    log('');
    const failed = checks.filter((check) => !check.ok);
    if (failed.length > 0) {
      log(`${BENCH_NAME}: VERIFICATION FAILED, results not written:`);
      for (const check of failed) {
        log(`  - ${check.name}: ${check.value}`);
        for (const detail of check.details.slice(0, 10)) log(`      ${detail}`);
        if (check.details.length > 10) log(`      ... and ${check.details.length - 10} more`);
      }
      return { ok: false };
    }
    log(
      `${BENCH_NAME}: verified: no forged delivery changed a payment or a cancel row or made the library call a ` +
        `gateway, none answered 5xx; ${IDENTICAL_DELIVERIES} identical genuine deliveries made one read-back`,
    );
    log(`${BENCH_NAME}: wrote ${writeResult(BENCH_NAME, result)}`);
    return { ok: true };
  } finally {
    for (const client of clients) await client.close();
    await app?.close();
    await sims.toss.stop();
    await sims.nicepay.stop();
    await sims.kispg.stop();
    await capture.close();
  }
}

/**
 * The virtual account the forgers claimed was paid really is paid now (the simulated bank transfer): Toss's genuine
 * PAYMENT_STATUS_CHANGED, byte for byte, is delivered `IDENTICAL_DELIVERIES` times at once from a Toss address through
 * the proxy (what a gateway retrying over several connections looks like). One read-back must serve them all.
 */
async function runIdenticalGenuine(
  app: BenchHttpApp,
  sim: TossSimulator,
  capture: CaptureServer,
  seeds: TossSeeds,
  client: WebhookClient,
): Promise<IdenticalResult> {
  const { orderId } = seeds.waiting;
  sim.deposit({ orderId });
  await sim.webhooksIdle();
  const genuine = capture.jsonBodies().find(({ body }) => {
    const data = body['data'] as Record<string, unknown> | undefined;
    return body['eventType'] === 'PAYMENT_STATUS_CHANGED' && data?.['orderId'] === orderId && data['status'] === 'DONE';
  });
  if (!genuine) throw new Error(`the Toss simulator never delivered PAYMENT_STATUS_CHANGED DONE for ${orderId}`);

  const since = new Date();
  const lookupsBefore = sim.requestsTo('GET', '/v1/payments/').length;
  const answers = await Promise.all(
    Array.from({ length: IDENTICAL_DELIVERIES }, () =>
      client.post({
        gateway: 'toss',
        contentType: 'application/json',
        body: genuine.rawBody,
        forwardedFor: TOSS_PUBLISHED_SOURCE,
      }),
    ),
  );
  const readBacks = sim.requestsTo('GET', '/v1/payments/').length - lookupsBefore;
  const [row]: Array<{ status: string; balance_amount: string }> = await app.dataSource.query(
    `SELECT status, balance_amount FROM payments WHERE gateway = 'toss' AND order_id = $1`,
    [orderId],
  );
  const tally: Record<string, number> = {};
  for (const answer of answers) tally[String(answer.status)] = (tally[String(answer.status)] ?? 0) + 1;
  return {
    deliveries: IDENTICAL_DELIVERIES,
    answers: tally,
    readBacks,
    paymentStatus: row?.status ?? 'missing',
    balanceAmount: row ? Number(row.balance_amount) : 0,
    inboxRows: (await inboxRowsOfOrder(app.dataSource, 'toss', orderId, since)).filter(
      (r) => r.eventType === 'PAYMENT_STATUS_CHANGED',
    ),
  };
}

function callLog(
  name: string,
  sim: { requests: readonly unknown[]; requestsTo(method: string, path: string): readonly unknown[] },
  method: string,
  lookupPath: string,
): GatewayCallLog {
  return { name, total: () => sim.requests.length, lookups: () => sim.requestsTo(method, lookupPath).length };
}
