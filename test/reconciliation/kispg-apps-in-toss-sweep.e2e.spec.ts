import { ReconciliationService } from 'nestjs-kr-payments';
import { startFourGatewayWorld, type FourGatewayWorld } from '../support/four-gateway-world';
import { BUSINESS_DATE, insertForeignPaidRow, moveGatewayDay, SCENARIO_START } from './reconciliation.fixtures';

/**
 * The two other gateways without a transaction list: KISPG is read back with POST /v2/order (by tid), Apps-in-Toss
 * with get-payment-status (by payToken and the user key). Payments made through each simulator's real flow (paid,
 * partly canceled, waiting for a deposit) match; a row the gateway never saw is MISSING_GATEWAY after two reads; a
 * read-back that fails is INCOMPARABLE until a rerun can read it.
 */
describe('reconciliation sweep (KISPG and Apps-in-Toss)', () => {
  let world: FourGatewayWorld;
  let reconciliation: ReconciliationService;
  beforeAll(async () => {
    world = await startFourGatewayWorld();
    reconciliation = world.shop.app.get(ReconciliationService);
    // The shared world seeds on the real clock; its rows are moved to BUSINESS_DATE so no seed straddles midnight.
    for (const gateway of ['kispg', 'appsInToss']) await moveGatewayDay(world.shop, gateway);
  });
  afterAll(() => world?.close());

  const seeded = (gateway: string) =>
    world.seeds.payments.filter((payment) => payment.gateway === gateway && payment.status !== 'READY');

  it('KISPG: every row of the day is read back by tid; a tid KISPG never issued is MISSING_GATEWAY', async () => {
    const ghost = await insertForeignPaidRow(world.shop, 'kispg', 6_600, 'kistest00m0000ghost01', SCENARIO_START);
    const { run } = await reconciliation.run({ gateway: 'kispg', date: BUSINESS_DATE });

    expect(run).toMatchObject({ kind: 'SWEEP', status: 'SUCCEEDED' });
    const queried = world.kispg.requestsTo('POST', '/v2/order').map((request) => (request.body as any).tid);
    for (const payment of seeded('kispg')) expect(queried).toContain(payment.paymentKey);
    expect(queried.filter((tid) => tid === 'kistest00m0000ghost01')).toHaveLength(2);

    const items = await reconciliation.items(run.id);
    expect(items).toEqual([
      expect.objectContaining({
        paymentId: ghost,
        category: 'MISSING_GATEWAY',
        expectedAmount: 6_600,
        repairAction: 'INVESTIGATE_MISSING_AT_GATEWAY',
        resolution: 'OPEN',
      }),
    ]);
    // Paid 11,000, 25,000 partly canceled by 3,000 (its cancel matched too), 35,000 waiting for a deposit.
    expect(
      seeded('kispg')
        .map((payment) => payment.amount)
        .sort(),
    ).toEqual([11_000, 25_000, 35_000]);
    expect(run.summary!.MATCHED).toMatchObject({
      count: 4,
      ledger: { gross: 71_000, cancel: 3_000 },
      gateway: { gross: 71_000, cancel: 3_000 },
    });
  });

  it('Apps-in-Toss: a failed status read is INCOMPARABLE; the rerun reads it back and finds the day clean', async () => {
    const [paid] = seeded('appsInToss');
    expect(paid).toMatchObject({ status: 'PAID', amount: 8_000 });
    const statusPath = /\/get-payment-status$/;
    world.appsInToss.failNext(
      { path: statusPath },
      { kind: 'fail', status: 500, errorCode: 'INTERNAL_SERVER_ERROR', reason: '일시적 오류' },
    );
    const before = world.appsInToss.requestsTo(statusPath).length;
    const first = await reconciliation.run({ gateway: 'appsInToss', date: BUSINESS_DATE });
    expect(world.appsInToss.requestsTo(statusPath).length - before).toBe(1);
    expect(await reconciliation.items(first.run.id)).toEqual([
      expect.objectContaining({
        paymentId: paid.id,
        category: 'INCOMPARABLE',
        expectedAmount: 8_000,
        actualAmount: null,
        repairAction: 'RETRY_READ_BACK',
        resolution: 'OPEN',
      }),
    ]);

    const rerun = await reconciliation.run({ gateway: 'appsInToss', date: BUSINESS_DATE });
    const reads = world.appsInToss.requestsTo(statusPath).slice(before + 1);
    expect(reads).toHaveLength(1);
    expect(reads[0].body).toMatchObject({ payToken: paid.paymentKey });
    expect(reads[0].headers['x-toss-user-key']).toEqual(expect.any(String));
    expect(await reconciliation.items(rerun.run.id)).toEqual([]);
    expect(rerun.run).toMatchObject({ kind: 'SWEEP', supersedesRunId: first.run.id });
    expect(rerun.run.summary!.MATCHED).toMatchObject({ count: 1, ledger: { gross: 8_000 }, gateway: { gross: 8_000 } });
  });
});
