import fc from 'fast-check';
import { Agent, request } from 'undici';
import { ShopModule } from '../../src/shop/shop.module';
import { startFourGatewayWorld, type FourGatewayWorld } from '../support/four-gateway-world';
import { fuzzParameters, FUZZ_SEED, hostileText, hostileValue, toJsonText } from '../support/fuzz-values';
import { inputs, type Inputs } from './dto-fuzz.inputs';
import { RecentErrors } from '../support/recent-errors';
import { changedTables, Findings, WriteProbe } from './dto-fuzz.support';

/** Requests per route of the example shop (4,000 in all; dto-fuzz.e2e.spec.ts calls PaymentsService 6,000 times). */
const BUDGET = {
  checkout: 600,
  confirm: 400,
  returnUrl: 500,
  order: 200,
  cancel: 500,
  sync: 200,
  issueBillingKey: 300,
  getBillingKey: 100,
  charge: 400,
  deleteBillingKey: 100,
  issueCashReceipt: 400,
  getCashReceipt: 100,
  cancelCashReceipt: 200,
};

interface Call {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  contentType?: string;
  body?: string;
}

/**
 * Property: the example shop (src/shop, the library's DTOs behind a global ValidationPipe and PaymentsExceptionFilter)
 * answers every request on every route below 500 — whatever the body (hostile JSON, forms, text, none) and the route
 * ids — and a refusal that reached no gateway leaves every table as it was. Requests run one at a time over a
 * keep-alive connection so each one's writes are its own.
 * FUZZ_SEED=<n> runs another seed (a failure names the seed it ran with); FUZZ_SCALE=0.1 runs a tenth of the inputs.
 */
describe(`example shop routes under fuzzed requests (seed ${FUZZ_SEED})`, () => {
  let world: FourGatewayWorld;
  let probe: WriteProbe;
  let input: Inputs;
  let state: Record<string, string>;
  let findings = new Findings();
  const agent = new Agent({ connections: 1, keepAliveTimeout: 30_000 });
  const answers = new Map<string, number>();
  const errors = new RecentErrors();

  beforeAll(async () => {
    world = await startFourGatewayWorld({ imports: [ShopModule], logger: errors });
    probe = new WriteProbe(world.shop.dataSource);
    input = inputs({ seeds: world.seeds });
    state = await probe.fingerprint();
  }, 120_000);

  beforeEach(() => {
    findings = new Findings();
  });

  afterAll(async () => {
    await agent.close();
    await world?.close();
    const lines = [...answers].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, n]) => `${k.padEnd(48)} ${n}`);
    process.stdout.write(`\nshop fuzz answers (route status: count)\n${lines.join('\n')}\n`);
  });

  const gatewayCalls = () =>
    world.toss.requests.length +
    world.nicepay.requests.length +
    world.kispg.requests.length +
    world.appsInToss.requests.length;

  async function send(route: string, call: Call): Promise<void> {
    const callsBefore = gatewayCalls();
    errors.lines.length = 0;
    const { statusCode, body } = await request(`${world.shop.url}${call.path}`, {
      method: call.method,
      headers: call.contentType ? { 'content-type': call.contentType } : {},
      body: call.body,
      dispatcher: agent,
    });
    const text = await body.text();
    const before = state;
    state = await probe.fingerprint();
    const reached = gatewayCalls() !== callsBefore;
    const key = `${route} ${statusCode}`;
    answers.set(key, (answers.get(key) ?? 0) + 1);
    const example = `${call.method} ${call.path.slice(0, 200)} ${call.contentType ?? ''} ${(call.body ?? '').slice(0, 300)} → ${statusCode} ${text.slice(0, 300)}`;
    const unsupported = statusCode === 501 && text.includes('"UNSUPPORTED_OPERATION"');
    if (statusCode >= 500 && !unsupported) {
      const cause = errors.lines.join(' | ').slice(0, 600);
      findings.add(`${route} ${statusCode} ${cause.slice(0, 100)}`, `${example}\n    app errors: ${cause}`);
    }
    const wrote = changedTables(before, state);
    if (statusCode >= 400 && !reached && wrote.length > 0)
      findings.add(`${route} ${statusCode} but wrote ${wrote.join(', ')}`, example);
  }

  /** A route id: a real one, a fresh uuid, or any text (percent-encoded), or a raw odd segment. */
  const segment = (real: fc.Arbitrary<unknown>): fc.Arbitrary<string> =>
    fc
      .oneof(
        { weight: 6, arbitrary: real.map((v) => (typeof v === 'string' ? v : toJsonText(v))) },
        { weight: 2, arbitrary: hostileText },
        fc.constantFrom('%00', '%E0%A4%A', '..', '%2e%2e', 'null', '00000000-0000-0000-0000-000000000000'),
      )
      .map((s) => (/^%|^\.\.$/.test(s) ? s : s.isWellFormed() ? encodeURIComponent(s) || 'x' : '%ED%A0%80'));

  /** A body: the DTO as JSON mostly, else a form, text, bytes as text, or nothing. */
  const bodyOf = (dto: fc.Arbitrary<unknown>, preferForm = false) =>
    fc.oneof(
      {
        weight: preferForm ? 2 : 8,
        arbitrary: dto.map((v) => ({ contentType: 'application/json', body: toJsonText(v) })),
      },
      {
        weight: preferForm ? 6 : 1,
        arbitrary: dto.map((v) => ({
          contentType: 'application/x-www-form-urlencoded',
          body:
            v !== null && typeof v === 'object'
              ? new URLSearchParams(
                  Object.entries(v).map(([k, x]): [string, string] => [k, typeof x === 'string' ? x : toJsonText(x)]),
                ).toString()
              : toJsonText(v),
        })),
      },
      fc.record({
        contentType: fc.constantFrom('text/plain', 'application/json', 'application/xml'),
        body: fc.oneof(hostileText, fc.constantFrom('{', '[]', 'null', '"x"', '{"a":1}{', '')),
      }),
      fc.constant({ contentType: undefined, body: undefined }),
    );

  /** Posts `runs` requests built by `build` from values of `arb`. */
  async function fuzz<T>(route: string, arb: fc.Arbitrary<T>, runs: number, build: (value: T) => Call) {
    await fc.assert(
      fc.asyncProperty(arb, (value) => send(route, build(value))),
      fuzzParameters(runs),
    );
    expect(findings.report()).toEqual({ seed: FUZZ_SEED, findings: [] });
  }

  /** A DTO with the route's own ids taken out of the body (the URL names the resource) most of the time. */
  const without = (dto: fc.Arbitrary<unknown>, names: string[]) =>
    fc.tuple(dto, fc.integer({ min: 0, max: 9 })).map(([value, roll]) => {
      if (roll === 0 || value === null || typeof value !== 'object' || Array.isArray(value)) return value;
      return Object.fromEntries(Object.entries(value).filter(([k]) => !names.includes(k)));
    });

  it('POST /checkout', async () => {
    await fuzz('checkout', bodyOf(input.prepare), BUDGET.checkout, (b) => ({
      method: 'POST',
      path: '/checkout',
      ...b,
    }));
  }, 120_000);

  it('POST /checkout/confirm', async () => {
    const dto = without(input.confirm, ['authResult']);
    await fuzz('confirm', bodyOf(dto), BUDGET.confirm, (b) => ({ method: 'POST', path: '/checkout/confirm', ...b }));
  }, 120_000);

  it('POST /checkout/:gateway/return', async () => {
    const arb = fc.tuple(
      segment(input.gateway),
      bodyOf(
        input.confirmReturn.map(([, body]) => body),
        true,
      ),
    );
    await fuzz('returnUrl', arb, BUDGET.returnUrl, ([gateway, b]) => ({
      method: 'POST',
      path: `/checkout/${gateway}/return`,
      ...b,
    }));
  }, 120_000);

  it('GET /orders/:id, POST /orders/:id/cancel, POST /orders/:id/sync', async () => {
    const id = segment(input.paymentId);
    await fuzz('order', id, BUDGET.order, (paymentId) => ({ method: 'GET', path: `/orders/${paymentId}` }));
    const cancel = fc.tuple(id, bodyOf(without(input.cancel, ['paymentId', 'gateway', 'orderId'])));
    await fuzz('cancel', cancel, BUDGET.cancel, ([paymentId, b]) => ({
      method: 'POST',
      path: `/orders/${paymentId}/cancel`,
      ...b,
    }));
    await fuzz('sync', fc.tuple(id, bodyOf(hostileValue)), BUDGET.sync, ([paymentId, b]) => ({
      method: 'POST',
      path: `/orders/${paymentId}/sync`,
      ...b,
    }));
  }, 120_000);

  it('billing keys: issue, get, charge, delete', async () => {
    const id = segment(input.billingKeyId);
    await fuzz('issueBillingKey', bodyOf(input.issueBillingKey), BUDGET.issueBillingKey, (b) => ({
      method: 'POST',
      path: '/billing/keys',
      ...b,
    }));
    await fuzz('getBillingKey', id, BUDGET.getBillingKey, (key) => ({ method: 'GET', path: `/billing/keys/${key}` }));
    const charge = fc.tuple(id, bodyOf(without(input.chargeBillingKey, ['billingKeyId'])));
    await fuzz('charge', charge, BUDGET.charge, ([key, b]) => ({
      method: 'POST',
      path: `/billing/keys/${key}/charge`,
      ...b,
    }));
    await fuzz('deleteBillingKey', id, BUDGET.deleteBillingKey, (key) => ({
      method: 'DELETE',
      path: `/billing/keys/${key}`,
    }));
  }, 120_000);

  it('cash receipts: issue, get, cancel', async () => {
    const id = segment(input.cashReceiptId);
    await fuzz('issueCashReceipt', bodyOf(input.issueCashReceipt), BUDGET.issueCashReceipt, (b) => ({
      method: 'POST',
      path: '/cash-receipts',
      ...b,
    }));
    await fuzz('getCashReceipt', id, BUDGET.getCashReceipt, (r) => ({ method: 'GET', path: `/cash-receipts/${r}` }));
    const reason = fc.record({ reason: input.reason }, { requiredKeys: [] });
    await fuzz('cancelCashReceipt', fc.tuple(id, bodyOf(reason)), BUDGET.cancelCashReceipt, ([r, b]) => ({
      method: 'POST',
      path: `/cash-receipts/${r}/cancel`,
      ...b,
    }));
  }, 120_000);
});
