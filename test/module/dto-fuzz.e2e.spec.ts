import fc from 'fast-check';
import type { PaymentsService } from 'nestjs-kr-payments';
import { startFourGatewayWorld, type FourGatewayWorld } from '../support/four-gateway-world';
import { fuzzParameters, FUZZ_SEED, materialize } from '../support/fuzz-values';
import { inputs, type Inputs } from './dto-fuzz.inputs';
import {
  acceptableRefusal,
  changedTables,
  describeError,
  describeInput,
  Findings,
  kindOf,
  WriteProbe,
} from './dto-fuzz.support';

/** Calls per PaymentsService method (6,000 in all; the shop's HTTP routes get 4,000 more in shop-fuzz.e2e.spec.ts). */
const BUDGET = {
  prepare: 1_000,
  confirm: 800,
  confirmReturn: 600,
  cancel: 800,
  issueBillingKey: 500,
  chargeBillingKey: 600,
  issueCashReceipt: 500,
  /** Each of get, getByOrderId, sync, listCancels, getBillingKey, deleteBillingKey, getCashReceipt, cancelCashReceipt. */
  lookup: 125,
  syncStuckPayments: 200,
};

/**
 * Property: every PaymentsService method, called directly with arbitrary input (hostile values in every field, unknown
 * and `__proto__` keys, NUL, lone surrogates, 10,000-deep nesting, huge and bigint-ish numbers, values JSON cannot
 * carry), either succeeds or refuses with a PaymentsError below 500 — and a refusal writes no row in any table.
 * Calls run one at a time so each call's writes are its own. All gateways run against their simulators.
 * FUZZ_SEED=<n> runs another seed (a failure names the seed it ran with); FUZZ_SCALE=0.1 runs a tenth of the inputs.
 */
describe(`PaymentsService under fuzzed input (seed ${FUZZ_SEED})`, () => {
  let world: FourGatewayWorld;
  let probe: WriteProbe;
  let input: Inputs;
  let state: Record<string, string>;
  let findings = new Findings();
  const outcomes = new Map<string, number>();

  beforeAll(async () => {
    world = await startFourGatewayWorld();
    probe = new WriteProbe(world.shop.dataSource);
    input = inputs({ seeds: world.seeds });
    state = await probe.fingerprint();
  }, 120_000);

  beforeEach(() => {
    findings = new Findings();
  });

  afterAll(async () => {
    await world?.close();
    const lines = [...outcomes].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, n]) => `${k.padEnd(60)} ${n}`);
    process.stdout.write(`\nPaymentsService fuzz outcomes (method outcome: count)\n${lines.join('\n')}\n`);
  });

  /** Requests the four simulators have received: a call that changes it reached a gateway. */
  const gatewayCalls = () =>
    world.toss.requests.length +
    world.nicepay.requests.length +
    world.kispg.requests.length +
    world.appsInToss.requests.length;

  /**
   * Runs one call and records what is wrong with its outcome, if anything: a throw that is not an acceptable refusal,
   * or a refusal that left a row changed although no gateway was called (a gateway's own refusal is kept on record,
   * e.g. a FAILED payment for a declined billing charge).
   */
  async function check(method: string, args: unknown[], call: (p: PaymentsService) => Promise<unknown>) {
    const callsBefore = gatewayCalls();
    let error: unknown;
    try {
      await call(world.shop.payments);
    } catch (thrown) {
      error = thrown;
    }
    const before = state;
    state = await probe.fingerprint();
    const reached = gatewayCalls() !== callsBefore;
    const outcome =
      error === undefined
        ? 'ok'
        : describeError(error).split(':')[0] +
          (process.env.FUZZ_DEBUG
            ? ` ${(error as { field?: string }).field ?? ''} ${String((error as Error).message).slice(0, 50)}`
            : '');
    const tallyKey = `${method} ${outcome}${reached ? ' (gateway called)' : ''}`;
    outcomes.set(tallyKey, (outcomes.get(tallyKey) ?? 0) + 1);
    if (error === undefined) return;
    const example = `${method}(${args.map(describeInput).join(', ')}) → ${describeError(error).slice(0, 300)}`;
    if (!acceptableRefusal(error)) findings.add(`${method}: ${kindOf(error)}`, example);
    const wrote = changedTables(before, state);
    if (wrote.length > 0 && !reached) findings.add(`${method} refused but wrote ${wrote.join(', ')}`, example);
  }

  /** fc.assert over `arb`, each value handed (built: deep markers made real) to `run`. */
  async function fuzz<T>(arb: fc.Arbitrary<T>, runs: number, run: (value: T) => Promise<void>): Promise<void> {
    await fc.assert(
      fc.asyncProperty(arb, (value) => run(materialize(value) as T)),
      fuzzParameters(runs),
    );
  }

  const dtoMethods = [
    'prepare',
    'confirm',
    'cancel',
    'issueBillingKey',
    'chargeBillingKey',
    'issueCashReceipt',
  ] as const;

  it.each(dtoMethods)(
    '%s',
    async (method) => {
      await fuzz(input[method], BUDGET[method], (dto) =>
        check(method, [dto], (p) => (p[method] as (x: unknown) => Promise<unknown>).call(p, dto)),
      );
      expect(findings.report()).toEqual({ seed: FUZZ_SEED, findings: [] });
    },
    120_000,
  );

  it('confirmReturn', async () => {
    await fuzz(input.confirmReturn, BUDGET.confirmReturn, ([gateway, body]) =>
      check('confirmReturn', [gateway, body], (p) => p.confirmReturn(gateway as string, body as never)),
    );
    expect(findings.report()).toEqual({ seed: FUZZ_SEED, findings: [] });
  }, 120_000);

  it('lookups and id-only operations', async () => {
    const byId: Array<[string, fc.Arbitrary<unknown>, (p: PaymentsService, id: never) => Promise<unknown>]> = [
      ['get', input.paymentId, (p, id) => p.get(id)],
      ['sync', input.paymentId, (p, id) => p.sync(id)],
      ['listCancels', input.paymentId, (p, id) => p.listCancels(id)],
      ['getBillingKey', input.billingKeyId, (p, id) => p.getBillingKey(id)],
      ['deleteBillingKey', input.billingKeyId, (p, id) => p.deleteBillingKey(id)],
      ['getCashReceipt', input.cashReceiptId, (p, id) => p.getCashReceipt(id)],
    ];
    for (const [method, arb, call] of byId) {
      await fuzz(arb, BUDGET.lookup, (id) => check(method, [id], (p) => call(p, id as never)));
    }
    await fuzz(fc.tuple(input.gateway, input.orderId), BUDGET.lookup, ([gateway, orderId]) =>
      check('getByOrderId', [gateway, orderId], (p) => p.getByOrderId(gateway as never, orderId as never)),
    );
    await fuzz(fc.tuple(input.cashReceiptId, input.reason), BUDGET.lookup, ([id, reason]) =>
      check('cancelCashReceipt', [id, reason], (p) => p.cancelCashReceipt(id as never, reason as never)),
    );
    expect(findings.report()).toEqual({ seed: FUZZ_SEED, findings: [] });
  }, 120_000);

  it('syncStuckPayments', async () => {
    await fuzz(input.stuckOptions, BUDGET.syncStuckPayments, (options) =>
      check('syncStuckPayments', [options], (p) => p.syncStuckPayments(options as never)),
    );
    expect(findings.report()).toEqual({ seed: FUZZ_SEED, findings: [] });
  }, 120_000);

  it('left no prototype polluted', () => {
    const probeObject: Record<string, unknown> = {};
    expect([probeObject['isAdmin'], probeObject['polluted'], Object.hasOwn(Object.prototype, 'isAdmin')]).toEqual([
      undefined,
      undefined,
      false,
    ]);
  });
});
