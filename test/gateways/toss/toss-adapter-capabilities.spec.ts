import { ManualClock, TossSimulator } from '../../../libs/testing/src';
import { GatewayDeclinedError, NotFoundError } from '../../../libs/payments/src/domain/errors';
import type { TossGateway } from '../../../libs/payments/src/gateways/toss/toss.gateway';
import { CapturingLogger } from '../../support/logger';
import {
  createGateway,
  newOrderId,
  paidCardPayment as paidCardPayment_,
  PAYOUT_KEY,
  prepared,
} from './toss-adapter.fixtures';

/**
 * The Toss adapter's optional capabilities against the Toss simulator: billing keys, cash receipts, the transaction
 * list and signed payout webhooks (docs/gateways/toss.md#flows).
 */
describe('TossGateway capabilities against the Toss simulator', () => {
  let sim: TossSimulator;
  let clock: ManualClock;
  let logger: CapturingLogger;
  let gateway: TossGateway;

  beforeAll(async () => {
    clock = new ManualClock(new Date('2026-03-02T01:00:00Z'));
    sim = await TossSimulator.start({ port: 0, clock, payoutSecurityKey: PAYOUT_KEY });
    logger = new CapturingLogger();
    gateway = createGateway(sim.url, logger, clock);
  });

  afterAll(async () => {
    await sim.stop();
  });

  afterEach(() => {
    sim.clearFaults();
  });

  const paidCardPayment = (amount?: number) => paidCardPayment_(sim, gateway, amount);

  it('billing: issue from authKey, charge, delete (twice: already gone is fine), charge after delete is declined', async () => {
    const customerKey = `cust_${newOrderId()}`;
    const auth = sim.authenticateBilling({ customerKey });
    const billing = await gateway.issueBillingKey({
      customerKey,
      authKey: auth.authKey,
      idempotencyKey: `bk:${customerKey}`,
    });
    expect(billing).toMatchObject({ customerKey, method: 'CARD' });
    expect(billing.billingKey).toEqual(expect.any(String));
    expect(billing.card?.maskedNumber).toMatch(/\*{4}/);
    expect(billing.authenticatedAt).toBeInstanceOf(Date);
    expect(JSON.stringify(billing.raw)).not.toContain(billing.billingKey);
    const issueRequest = sim.requestsTo('POST', '/v1/billing/authorizations/issue').at(-1);
    expect(issueRequest?.body).toEqual({ authKey: auth.authKey, customerKey });
    expect(issueRequest?.headers['idempotency-key']).toBe(`bk:${customerKey}`);

    const orderId = newOrderId();
    const charge = {
      billingKey: billing.billingKey,
      customerKey,
      paymentId: `pay_${orderId}`,
      orderId,
      orderName: '토스 프라임 구독',
      amount: 4_900,
      taxFreeAmount: 0,
      idempotencyKey: `charge:pay_${orderId}`,
    };
    const paid = await gateway.chargeBillingKey(charge);
    expect(paid).toMatchObject({ status: 'PAID', orderId, totalAmount: 4_900, balanceAmount: 4_900, vat: 445 });
    const charges = sim.requestsTo('POST', '/v1/billing/').filter((r) => !r.path.includes('authorizations'));
    const sentCharge = charges.at(-1)!;
    expect(decodeURIComponent(sentCharge.path)).toBe(`/v1/billing/${billing.billingKey}`);
    expect(sentCharge.body).toEqual({ customerKey, amount: 4_900, orderId, orderName: '토스 프라임 구독' });
    expect(sentCharge.headers['idempotency-key']).toBe(`charge:pay_${orderId}`);

    // a retried cycle under a fresh key hits DUPLICATED_ORDER_ID and is resolved by reading the order back
    const again = await gateway.chargeBillingKey({ ...charge, idempotencyKey: `charge:retry:${orderId}` });
    expect(again).toMatchObject({ status: 'PAID', paymentKey: paid.paymentKey });

    await gateway.deleteBillingKey(billing.billingKey, customerKey);
    await gateway.deleteBillingKey(billing.billingKey, customerKey);
    expect(
      sim
        .requestsTo('DELETE', '/v1/billing/')
        .map((r) => r.status)
        .slice(-2),
    ).toEqual([200, 400]);

    const declined = await gateway
      .chargeBillingKey({ ...charge, orderId: newOrderId(), idempotencyKey: 'charge:after-delete' })
      .catch((e: unknown) => e);
    expect(declined).toBeInstanceOf(GatewayDeclinedError);
    expect(declined).toMatchObject({ gatewayCode: 'ALREADY_REMOVED_BILLING_KEY' });
    expect((declined as Error).message).not.toContain(billing.billingKey);

    await gateway.deleteBillingKey('never-issued-billing-key=', customerKey); // 404 NOT_FOUND_BILLING tolerated
    expect(logger.lines.join('\n')).not.toContain(billing.billingKey);
  });

  it('cash receipts: issue (소득공제), find by listing the KST day, cancel to a c_ receipt', async () => {
    const orderId = newOrderId();
    const issued = await gateway.issueCashReceipt({
      receiptId: 'r1',
      orderId,
      orderName: '현금영수증 주문',
      amount: 11_000,
      taxFreeAmount: 0,
      type: 'INCOME_DEDUCTION',
      identityNumber: '01012345678',
      idempotencyKey: `receipt:r1:${orderId}`,
    });
    expect(issued).toMatchObject({ orderId, amount: 11_000, type: 'INCOME_DEDUCTION', status: 'IN_PROGRESS' });
    expect(JSON.stringify(issued.raw)).not.toContain('01012345678');
    const sent = sim.requestsTo('POST', '/v1/cash-receipts').at(-1)!;
    expect(sent.body).toEqual({
      amount: 11_000,
      orderId,
      orderName: '현금영수증 주문',
      type: '소득공제',
      customerIdentityNumber: '01012345678',
    });
    expect(sent.headers['idempotency-key']).toBe(`receipt:r1:${orderId}`);

    clock.advance(25 * 3600_000); // the simulator settles receipts after a day
    const found = await gateway.getCashReceipt(issued.receiptKey, new Date(clock.now().getTime() - 25 * 3600_000));
    expect(found).toMatchObject({ receiptKey: issued.receiptKey, status: 'ISSUED', amount: 11_000 });
    const listed = sim.requestsTo('GET', '/v1/cash-receipts').at(-1)!;
    expect(listed.query['requestDate']).toBe('2026-03-02'); // 10:xx KST on 2026-03-02

    const canceled = await gateway.cancelCashReceipt({
      receiptKey: issued.receiptKey,
      orderId,
      idempotencyKey: 'receipt-cancel:r1',
    });
    expect(canceled).toMatchObject({ receiptKey: `c_${issued.receiptKey}`, status: 'CANCELED', amount: 11_000 });

    await expect(gateway.getCashReceipt('no-such-receipt', clock.now())).rejects.toBeInstanceOf(NotFoundError);
  });

  it('listTransactions follows startingAfter while pages are full, in Asia/Seoul wall-clock', async () => {
    clock.set(new Date('2026-04-01T15:30:00Z')); // 00:30 KST on 2026-04-02
    const from = clock.now();
    const a = await paidCardPayment(1_000);
    clock.advance(1_000);
    const b = await paidCardPayment(2_000);
    clock.advance(1_000);
    await gateway.cancel({
      prepared: prepared(b.orderId, 2_000),
      paymentKey: b.paymentKey,
      cancelId: 'tx-c1',
      amount: 500,
      isFull: false,
      balanceBefore: 2_000,
      reason: '부분 취소',
      idempotencyKey: 'cancel:tx-c1',
    });
    clock.advance(1_000);
    const to = clock.now();

    const rows = [];
    for await (const row of gateway.listTransactions({ from, to, limit: 2 })) rows.push(row);
    expect(rows.map((r) => [r.orderId, r.kind, r.amount, r.status])).toEqual([
      [a.orderId, 'APPROVAL', 1_000, 'PAID'],
      [b.orderId, 'APPROVAL', 2_000, 'PAID'],
      [b.orderId, 'CANCEL', 500, 'PARTIALLY_CANCELED'],
    ]);
    expect(rows.every((r) => r.transactedAt instanceof Date)).toBe(true);

    const pages = sim.requestsTo('GET', '/v1/transactions').slice(-2);
    expect(pages[0].query).toEqual({ startDate: '2026-04-02T00:30:00', endDate: '2026-04-02T00:30:03', limit: '2' });
    expect(pages[1].query).toEqual({
      startDate: '2026-04-02T00:30:00',
      endDate: '2026-04-02T00:30:03',
      limit: '2',
      startingAfter: rows[1].transactionKey,
    });
  });

  it('verifies a signed payout webhook from the simulator (either signature slot) and rejects a tampered one', async () => {
    const signed = sim.signPayoutWebhook(
      {
        eventType: 'payout.changed',
        createdAt: '2026-04-02T00:30:03+09:00',
        version: '2022-11-16',
        eventId: 'evt_payout_1',
        entityType: 'payout',
        entityBody: { status: 'COMPLETED' },
      },
      '2026-04-02T00:30:03+09:00',
    );
    const parsed = await gateway.parseWebhook({
      headers: signed.headers,
      rawBody: Buffer.from(signed.rawBody),
      body: undefined,
    });
    expect(parsed).toMatchObject({
      eventType: 'payout.changed',
      verification: 'signature',
      dedupeKey: 'toss:payout.changed:evt_payout_1',
    });
    await expect(
      gateway.parseWebhook({
        headers: signed.headers,
        rawBody: Buffer.from(signed.rawBody.replace('COMPLETED', 'FAILED')),
        body: undefined,
      }),
    ).rejects.toMatchObject({ code: 'SIGNATURE_MISMATCH' });
    expect(gateway.webhookReply('accepted')).toEqual({ status: 200, body: '', contentType: 'application/json' });
  });
});
