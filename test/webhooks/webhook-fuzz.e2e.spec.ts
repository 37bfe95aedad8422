import fc from 'fast-check';
import { Agent, request } from 'undici';
import { startFourGatewayWorld, type FourGatewayWorld } from '../support/four-gateway-world';
import { fuzzParameters, hostileText, FUZZ_SEED } from '../support/fuzz-values';
import { RecentErrors } from '../support/recent-errors';
import { anyBytes, anyForm, anyJson, deepOrHuge, invalidUtf8, type Delivery } from './webhook-fuzz.bodies';
import {
  kispgShaped,
  nicePayShaped,
  shapedDeliveries,
  tossDeliveries,
  tossShaped,
  type FuzzContext,
} from './webhook-fuzz.gateways';

const ROUTES = ['toss', 'nicepay', 'kispg', 'appsInToss'];

/** Deliveries in flight at once: enough to overlap database round trips on a 2-core machine. */
const BATCH = 8;

/** Bodies per route and class (10,500 in all). */
const BUDGET = {
  tossShaped: 2_000,
  tossMalformed: 1_000,
  nicePayShaped: 1_500,
  nicePayMalformed: 1_000,
  kispgShaped: 1_500,
  kispgMalformed: 1_000,
  appsInToss: 500,
  unknown: 1_000,
};

/**
 * Property: whatever arrives on a webhook route — gateway-shaped events with hostile field values (real order ids,
 * keys and a leaked virtual-account secret included), arbitrary JSON, forms, raw bytes, invalid UTF-8, deep nesting,
 * huge bodies, odd content types and headers — the answer is below 500; no payment, cancel, billing key or cash
 * receipt changes; and the inbox grows only by deliveries the gateway's own reply answered (stored well-formed
 * deliveries, REJECTED ones included), never by one the guard or the body parser refused.
 * FUZZ_SEED=<n> runs another seed (a failure names the seed it ran with); FUZZ_SCALE=0.1 runs a tenth of the inputs.
 */
describe(`webhook routes under fuzzed deliveries (seed ${FUZZ_SEED})`, () => {
  let world: FourGatewayWorld;
  let ctx: FuzzContext;
  let baseline: unknown;
  const agent = new Agent({ connections: BATCH * 2, keepAliveTimeout: 30_000 });
  const tally = new Map<string, number>();
  /** The app's error log (an unhandled exception's stack lands here): quoted when an answer is a 5xx. */
  const errors = new RecentErrors();

  beforeAll(async () => {
    world = await startFourGatewayWorld({ logger: errors });
    const { seeds, toss, nicepay, kispg } = world;
    const keysOf = (gateway: string) =>
      seeds.payments.filter((p) => p.gateway === gateway && p.paymentKey).map((p) => p.paymentKey as string);
    ctx = {
      orderIds: seeds.payments.map((p) => p.orderId),
      readyOrderIds: seeds.payments.filter((p) => p.status === 'READY').map((p) => p.orderId),
      tossPaymentKeys: keysOf('toss'),
      tossSecrets: seeds.tossSecrets,
      tossPayments: keysOf('toss').map((key) => toss.getPayment(key) as Record<string, unknown>),
      nicePayTids: keysOf('nicepay'),
      nicePayPayments: keysOf('nicepay').map((tid) => nicepay.getPayment(tid) as Record<string, unknown>),
      kispgTids: keysOf('kispg'),
      kispgNotifications: keysOf('kispg').map((tid) => kispg.notificationFor(tid)),
      tossSim: toss,
    };
    baseline = await moneySnapshot();
  }, 120_000);

  afterAll(async () => {
    await agent.close();
    await world?.close();
    const lines = [...tally].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, n]) => `${key.padEnd(44)} ${n}`);
    process.stdout.write(`\nwebhook fuzz answers (route kind status: count)\n${lines.join('\n')}\n`);
  });

  interface Answer {
    status: number;
    body: string;
  }

  async function post(path: string, delivery: Delivery): Promise<Answer> {
    const { statusCode, body } = await request(`${world.shop.url}/payments/webhooks/${path}`, {
      method: 'POST',
      headers: delivery.headers,
      body: delivery.body,
      dispatcher: agent,
    });
    return { status: statusCode, body: await body.text() };
  }

  /** The reply of the gateway's own `webhookReply`: the delivery was parsed and stored (accepted or rejected). */
  function isGatewayReply(route: string, answer: Answer): boolean {
    const { status, body } = answer;
    if (route === 'toss') return (status === 200 || status === 401) && body === '';
    if (route === 'nicepay') return status === 200 && body === 'OK';
    if (route === 'kispg') return (status === 200 && body === 'OK') || (status === 400 && body === 'FAIL');
    return false;
  }

  async function inboxTotals(): Promise<{ rows: number; attempts: number; unfinished: number }> {
    const [row] = await world.shop.dataSource.query(
      `SELECT count(*)::int AS rows, coalesce(sum(attempts), 0)::int AS attempts,
              count(*) FILTER (WHERE status NOT IN ('PROCESSED', 'IGNORED', 'REJECTED'))::int AS unfinished
         FROM webhook_events`,
    );
    return row;
  }

  /**
   * Every money row as stored, minus what a read-back of an unchanged truth refreshes (when it was observed, the row
   * version, the stored gateway answer).
   */
  async function moneySnapshot(): Promise<Record<string, unknown[]>> {
    const tables: Record<string, string[]> = {
      payments: ['version', 'updated_at', 'truth_observed_at', 'raw'],
      payment_cancels: [],
      billing_keys: [],
      cash_receipts: [],
    };
    const snapshot: Record<string, unknown[]> = {};
    for (const [table, refreshed] of Object.entries(tables)) {
      const rows: Array<{ row: unknown }> = await world.shop.dataSource.query(
        `SELECT to_jsonb(t) - $1::text[] AS row FROM ${table} t ORDER BY id`,
        [refreshed],
      );
      snapshot[table] = rows.map((r) => r.row);
    }
    return snapshot;
  }

  function describeDelivery(path: string, delivery: Delivery): string {
    const head = delivery.body.subarray(0, 600);
    return JSON.stringify({
      route: `POST /payments/webhooks/${path}`,
      kind: delivery.kind,
      headers: delivery.headers,
      bytes: delivery.body.length,
      body: head.toString('utf8'),
      bodyHex: head.subarray(0, 200).toString('hex'),
    });
  }

  /**
   * Posts `bodies` deliveries from `deliveries` to the route each names, BATCH at a time, and checks the answers and
   * the inbox accounting: every delivery the gateway's reply answered added one attempt (a new row or a duplicate of
   * one), every other answer is a 4xx and added nothing. Unexpected answers are collected (the run goes on, so one
   * run finds every kind), then the first of each kind is posted again alone to quote the app's error log for it.
   */
  async function fuzz(label: string, deliveries: fc.Arbitrary<[string, Delivery]>, bodies: number): Promise<void> {
    const before = await inboxTotals();
    const unexpected = new Map<string, [string, Delivery]>();
    let stored = 0;
    let sent = 0;
    const parameters = fuzzParameters(bodies / BATCH);
    await fc.assert(
      fc.asyncProperty(fc.array(deliveries, { minLength: BATCH, maxLength: BATCH }), async (batch) => {
        const answers = await Promise.all(batch.map(([path, delivery]) => post(path, delivery)));
        answers.forEach((answer, i) => {
          const [path, delivery] = batch[i];
          const route = safeDecode(path);
          const key = `${ROUTES.includes(route) ? route : 'unknown'} ${delivery.kind} ${answer.status}`;
          tally.set(key, (tally.get(key) ?? 0) + 1);
          if (isGatewayReply(route, answer)) stored++;
          else if (answer.status < 400 || answer.status >= 500) {
            const kind = `${key} ${answer.body.slice(0, 120)}`;
            if (!unexpected.has(kind)) unexpected.set(kind, batch[i]);
          }
        });
        sent += batch.length;
      }),
      parameters,
    );
    const problems: string[] = [];
    for (const [kind, [path, delivery]] of [...unexpected].slice(0, 5)) {
      errors.lines.length = 0;
      const again = await post(path, delivery);
      problems.push(
        `${kind}\n  replayed alone: ${again.status} ${again.body.slice(0, 200)}\n  ${describeDelivery(path, delivery)}` +
          `\n  app errors: ${errors.lines.join('\n  ')}`,
      );
    }
    expect({ label, seed: FUZZ_SEED, unexpectedAnswers: problems }).toEqual({
      label,
      seed: FUZZ_SEED,
      unexpectedAnswers: [],
    });
    const after = await inboxTotals();
    expect([label, sent]).toEqual([label, parameters.numRuns * BATCH]);
    expect({ label, attemptsAdded: after.attempts - before.attempts }).toEqual({ label, attemptsAdded: stored });
    expect(after.rows - before.rows).toBeLessThanOrEqual(stored);
    expect({ label, unfinishedAdded: after.unfinished - before.unfinished }).toEqual({ label, unfinishedAdded: 0 });
    expect(await moneySnapshot()).toEqual(baseline);
  }

  const on = (route: string, arb: fc.Arbitrary<Delivery>): fc.Arbitrary<[string, Delivery]> =>
    arb.map((delivery): [string, Delivery] => [route, delivery]);
  const malformed = (shaped: fc.Arbitrary<Record<string, unknown>>) =>
    fc.oneof(anyJson, anyForm, anyBytes, invalidUtf8(shaped), deepOrHuge(shaped));

  it('toss: gateway-shaped events', async () => {
    await fuzz('toss shaped', on('toss', tossDeliveries(ctx)), BUDGET.tossShaped);
  }, 120_000);

  it('toss: arbitrary JSON, forms, bytes, invalid UTF-8, deep and huge bodies', async () => {
    await fuzz('toss malformed', on('toss', malformed(tossShaped(ctx))), BUDGET.tossMalformed);
  }, 120_000);

  it('nicepay: 결제통보-shaped bodies, some signed with the real key', async () => {
    const shaped = shapedDeliveries(nicePayShaped(ctx), ['application/json']);
    await fuzz('nicepay shaped', on('nicepay', shaped), BUDGET.nicePayShaped);
  }, 120_000);

  it('nicepay: arbitrary JSON, forms, bytes, invalid UTF-8, deep and huge bodies', async () => {
    await fuzz('nicepay malformed', on('nicepay', malformed(nicePayShaped(ctx))), BUDGET.nicePayMalformed);
  }, 120_000);

  it('kispg: notification-shaped forms and JSON, some hashed with the real key', async () => {
    const shaped = shapedDeliveries(kispgShaped(ctx), ['application/x-www-form-urlencoded', 'application/json']);
    await fuzz('kispg shaped', on('kispg', shaped), BUDGET.kispgShaped);
  }, 120_000);

  it('kispg: arbitrary JSON, forms, bytes, invalid UTF-8, deep and huge bodies', async () => {
    await fuzz('kispg malformed', on('kispg', malformed(kispgShaped(ctx))), BUDGET.kispgMalformed);
  }, 120_000);

  it('appsInToss (configured, no webhooks): every body is a 4xx and stores nothing', async () => {
    const any = fc.oneof(tossDeliveries(ctx), malformed(nicePayShaped(ctx)));
    await fuzz('appsInToss', on('appsInToss', any), BUDGET.appsInToss);
  }, 120_000);

  it('unknown gateway names: every body is a 4xx and stores nothing', async () => {
    const name = fc.oneof(
      fc
        .constantFrom('stripe', 'TOSS', 'Toss', 'nicePay', '__proto__', 'constructor', 'toString', 'hasOwnProperty')
        .map(encodeURIComponent),
      fc.constantFrom('%00', 'toss%00', 'toss%20', '..%2Ftoss', 'toss%2F', '%E0%A4%A', '%ff', 'toss;x=1', '%2e%2e'),
      fc
        .oneof(fc.string({ minLength: 1, maxLength: 40 }), hostileText, fc.string({ minLength: 200, maxLength: 3_000 }))
        .filter((s) => s.length > 0 && s.isWellFormed() && !['toss', 'nicepay', 'kispg'].includes(s))
        .map(encodeURIComponent),
    );
    const any = fc.oneof(tossDeliveries(ctx), malformed(kispgShaped(ctx)));
    await fuzz('unknown', fc.tuple(name, any), BUDGET.unknown);
  }, 120_000);
});

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
