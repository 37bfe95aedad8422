import { GatewayConfigurationError, GatewayUnavailableError, type PreparedPayment } from 'nestjs-kr-payments';
import { KISPG_TEST_MERCHANT_KEY, KISPG_TEST_MID, KispgSimulator, ManualClock } from 'nestjs-kr-payments/testing';
import { formatKispgEdiDate, kispgEncData } from '../../../libs/payments/src/gateways/kispg/kispg.crypto';
import type { KispgGateway } from '../../../libs/payments/src/gateways/kispg/kispg.gateway';
import { createKispgGateway } from '../../../libs/payments/src/gateways/kispg/kispg.module';
import { clock, customer, useKispgAdapter } from './kispg-adapter.fixtures';

/**
 * The KISPG adapter's answers that cannot be taken at face value: lost, garbled, foreign or differently spelled
 * answers, and ediDates (docs/gateways/kispg.md#answers-that-cannot-be-taken-at-face-value). None of them may turn a
 * payment whose money may have moved into a decline.
 */
describe('KISPG adapter: lost, garbled and unusual answers', () => {
  const harness = useKispgAdapter();
  const { logger, options, nextOrderId, authenticated, approved } = harness;
  let sim: KispgSimulator;
  let gateway: KispgGateway;
  beforeAll(() => {
    ({ sim, gateway } = harness);
  });

  it('lost approval answer: GatewayUnavailableError(requestSent) then resolveUnknownApproval queries /v2/order → PAID', async () => {
    const auth = await authenticated(8_000, 'CARD');
    sim.failNext({ method: 'POST', path: '/v2/payment' }, { kind: 'drop-after-commit' });
    const input = gateway.confirmInputFromReturn(auth.returned);
    const error = await gateway
      .approve({ prepared: auth.prepared, input, idempotencyKey: 'k' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayUnavailableError);
    expect((error as GatewayUnavailableError).requestSent).toBe(true);

    const before = sim.requestsTo('POST', '/v2/order').length;
    const resolution = await gateway.resolveUnknownApproval({
      prepared: auth.prepared,
      paymentKey: auth.returned.tid,
      approvalSentAt: new Date(),
      idempotencyKey: 'net-cancel:p',
    });
    expect(resolution.action).toBe('query');
    expect(resolution.truth).toMatchObject({ status: 'PAID', totalAmount: 8_000, paymentKey: auth.returned.tid });
    const queries = sim.requestsTo('POST', '/v2/order').slice(before);
    expect(queries).toHaveLength(1);
    expect(queries[0].body).toMatchObject({ mid: KISPG_TEST_MID, tid: auth.returned.tid, goodsAmt: '8000' });
  });

  it('an approval that never reached KISPG resolves to READY without the tid (no approval held at KISPG)', async () => {
    const auth = await authenticated(8_000, 'CARD');
    sim.failNext({ method: 'POST', path: '/v2/payment' }, { kind: 'drop-before-commit' });
    await expect(
      gateway.approve({
        prepared: auth.prepared,
        input: gateway.confirmInputFromReturn(auth.returned),
        idempotencyKey: 'k',
      }),
    ).rejects.toBeInstanceOf(GatewayUnavailableError);
    const resolution = await gateway.resolveUnknownApproval({
      prepared: auth.prepared,
      paymentKey: auth.returned.tid,
      approvalSentAt: new Date(),
      idempotencyKey: 'k',
    });
    expect(resolution.truth).toMatchObject({ status: 'READY', paymentKey: '', failure: { code: 'SIM5' } });
  });

  it('HTML error pages and non-JSON answers are unknown outcomes, never declines', async () => {
    const auth = await authenticated(2_000, 'CARD');
    sim.failNext({ method: 'POST', path: '/v2/payment' }, { kind: 'html-error-page', status: 502, afterCommit: true });
    const error = await gateway
      .approve({ prepared: auth.prepared, input: gateway.confirmInputFromReturn(auth.returned), idempotencyKey: 'k' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayUnavailableError);
    expect((error as GatewayUnavailableError).requestSent).toBe(true);

    const { prepared, truth } = await approved(2_000, 'CARD');
    sim.failNext({ method: 'POST', path: '/v2/cancel' }, { kind: 'non-json' });
    const cancelError = await gateway
      .cancel({
        prepared,
        paymentKey: truth.paymentKey,
        cancelId: 'c',
        amount: 2_000,
        isFull: true,
        balanceBefore: 2_000,
        reason: 'x',
        idempotencyKey: 'c',
      })
      .catch((e: unknown) => e);
    expect(cancelError).toBeInstanceOf(GatewayUnavailableError);
    expect((cancelError as GatewayUnavailableError).requestSent).toBe(true);
  });

  it('an answer KISPG sent after applying the call but without resultCd is an unknown outcome, never a decline', async () => {
    // Approval: the money moved; a {…} without resultCd must not become FAILED (unknown → read back from /v2/order).
    const auth = await authenticated(3_100, 'CARD');
    sim.failNext(
      { method: 'POST', path: '/v2/payment' },
      { kind: 'altered-answer', fields: { resultCd: null, resultMsg: null } },
    );
    const approvalError = await gateway
      .approve({ prepared: auth.prepared, input: gateway.confirmInputFromReturn(auth.returned), idempotencyKey: 'k' })
      .catch((e: unknown) => e);
    expect(approvalError).toBeInstanceOf(GatewayUnavailableError);
    expect((approvalError as GatewayUnavailableError).requestSent).toBe(true);
    expect(sim.getTransaction(auth.returned.tid)).toMatchObject({ state: 'APPROVED' });

    // Cancel: same rule; the core then marks the cancel UNKNOWN instead of failing a refund that happened.
    const { prepared, truth } = await approved(3_200, 'CARD');
    sim.failNext({ method: 'POST', path: '/v2/cancel' }, { kind: 'altered-answer', fields: { resultCd: null } });
    const cancelError = await gateway
      .cancel({
        prepared,
        paymentKey: truth.paymentKey,
        cancelId: 'c',
        amount: 3_200,
        isFull: true,
        balanceBefore: 3_200,
        reason: 'x',
        idempotencyKey: 'c',
      })
      .catch((e: unknown) => e);
    expect(cancelError).toBeInstanceOf(GatewayUnavailableError);
    expect((cancelError as GatewayUnavailableError).requestSent).toBe(true);
    expect(sim.getTransaction(truth.paymentKey)).toMatchObject({ state: 'CANCELED' });
  });

  it('a success answer must name our order and tid: a missing ordNo or a foreign tid on a cancel answer is unknown, not done', async () => {
    const auth = await authenticated(3_300, 'CARD');
    sim.failNext({ method: 'POST', path: '/v2/payment' }, { kind: 'altered-answer', fields: { ordNo: null } });
    const approvalError = await gateway
      .approve({ prepared: auth.prepared, input: gateway.confirmInputFromReturn(auth.returned), idempotencyKey: 'k' })
      .catch((e: unknown) => e);
    expect(approvalError).toBeInstanceOf(GatewayUnavailableError);
    expect((approvalError as GatewayUnavailableError).requestSent).toBe(true);
    // /v2/order settles it.
    const resolution = await gateway.resolveUnknownApproval({
      prepared: auth.prepared,
      paymentKey: auth.returned.tid,
      approvalSentAt: new Date(),
      idempotencyKey: 'k',
    });
    expect(resolution.truth).toMatchObject({ status: 'PAID', orderId: auth.orderId, totalAmount: 3_300 });

    const { prepared, truth } = await approved(3_400, 'CARD');
    sim.failNext(
      { method: 'POST', path: '/v2/cancel' },
      { kind: 'altered-answer', fields: { tid: `${KISPG_TEST_MID}01012001010000009999` } },
    );
    const cancelError = await gateway
      .cancel({
        prepared,
        paymentKey: truth.paymentKey,
        cancelId: 'c',
        amount: 3_400,
        isFull: true,
        balanceBefore: 3_400,
        reason: 'x',
        idempotencyKey: 'c',
      })
      .catch((e: unknown) => e);
    expect(cancelError).toBeInstanceOf(GatewayUnavailableError);
    expect((cancelError as GatewayUnavailableError).requestSent).toBe(true);
  });

  it('approval answer with another amount or order: returned as KISPG reported it, so the core refuses it (UNKNOWN), never a local FAILED', async () => {
    const auth = await authenticated(3_500, 'CARD');
    sim.failNext({ method: 'POST', path: '/v2/payment' }, { kind: 'altered-answer', fields: { amt: '35000' } });
    const truth = await gateway.approve({
      prepared: auth.prepared,
      input: gateway.confirmInputFromReturn(auth.returned),
      idempotencyKey: 'k',
    });
    expect(truth).toMatchObject({ totalAmount: 35_000, orderId: auth.orderId, paymentKey: auth.returned.tid });

    const other = await authenticated(3_600, 'CARD');
    sim.failNext(
      { method: 'POST', path: '/v2/payment' },
      { kind: 'altered-answer', fields: { ordNo: 'someone-elses-order' } },
    );
    const foreign = await gateway.approve({
      prepared: other.prepared,
      input: gateway.confirmInputFromReturn(other.returned),
      idempotencyKey: 'k',
    });
    expect(foreign).toMatchObject({ orderId: 'someone-elses-order', totalAmount: 3_600 });
  });

  it('payMethod spellings (VBANK, CELLPHONE, lower case) and cardType 0/1 vs 01 are all understood', async () => {
    const vacnt = await authenticated(4_100, 'VIRTUAL_ACCOUNT');
    sim.failNext({ method: 'POST', path: '/v2/payment' }, { kind: 'altered-answer', fields: { payMethod: 'vbank' } });
    const issued = await gateway.approve({
      prepared: vacnt.prepared,
      input: gateway.confirmInputFromReturn(vacnt.returned),
      idempotencyKey: 'k',
    });
    expect(issued).toMatchObject({ status: 'WAITING_FOR_DEPOSIT', method: 'VIRTUAL_ACCOUNT', totalAmount: 4_100 });

    const phone = await authenticated(4_200, 'MOBILE_PHONE');
    expect(phone.checkout.fields).toMatchObject({ payMethod: 'PHONE' });
    sim.failNext(
      { method: 'POST', path: '/v2/payment' },
      { kind: 'altered-answer', fields: { payMethod: 'CELLPHONE' } },
    );
    const paidByPhone = await gateway.approve({
      prepared: phone.prepared,
      input: gateway.confirmInputFromReturn(phone.returned),
      idempotencyKey: 'k',
    });
    expect(paidByPhone).toMatchObject({ status: 'PAID', method: 'MOBILE_PHONE' });

    const card = await authenticated(4_300, 'CARD');
    sim.failNext(
      { method: 'POST', path: '/v2/payment' },
      { kind: 'altered-answer', fields: { payMethod: 'card', cardType: '01' } },
    );
    const paidByCard = await gateway.approve({
      prepared: card.prepared,
      input: gateway.confirmInputFromReturn(card.returned),
      idempotencyKey: 'k',
    });
    expect(paidByCard).toMatchObject({
      status: 'PAID',
      method: 'CARD',
      card: { cardType: '01', maskedNumber: '12345678****1234' },
    });
    // A card answer must carry the card success code: BANK's 4000 for a card is a decline, not a success.
    const declined = await authenticated(4_400, 'CARD');
    sim.failNext({ method: 'POST', path: '/v2/payment' }, { kind: 'error', resultCd: '4000', resultMsg: '?' });
    await expect(
      gateway.approve({
        prepared: declined.prepared,
        input: gateway.confirmInputFromReturn(declined.returned),
        idempotencyKey: 'k',
      }),
    ).rejects.toMatchObject({ code: 'GATEWAY_DECLINED', gatewayCode: '4000' });
  });

  it('approval sends a fresh ediDate, not the one of the auth result', async () => {
    const simClock = new ManualClock(new Date());
    const timedSim = await KispgSimulator.start({ port: 0, clock: simClock });
    const adapter = createKispgGateway(options({ baseUrl: timedSim.url }), { logger, clock: simClock });
    try {
      const orderId = nextOrderId();
      const checkout = await adapter.prepare({
        paymentId: `p-${orderId}`,
        orderId,
        amount: 2_500,
        taxFreeAmount: 0,
        orderName: '머그',
        method: 'CARD',
        customer,
        returnUrl: 'https://shop.example/kispg/return',
      });
      const returned = timedSim.authenticate(checkout.fields as Record<string, string>);
      simClock.advance(5 * 60_000);
      const prepared: PreparedPayment = {
        paymentId: `p-${orderId}`,
        gateway: 'kispg',
        orderId,
        amount: 2_500,
        taxFreeAmount: 0,
        orderName: '머그',
        method: 'CARD',
      };
      await adapter.approve({ prepared, input: adapter.confirmInputFromReturn(returned), idempotencyKey: 'k' });
      const sent = timedSim.requestsTo('POST', '/v2/payment')[0].body as Record<string, string>;
      expect(sent.ediDate).toBe(formatKispgEdiDate(simClock.now()));
      expect(sent.ediDate).not.toBe(returned.ediDate);
      expect(sent.encData).toBe(kispgEncData(KISPG_TEST_MID, sent.ediDate, '2500', KISPG_TEST_MERCHANT_KEY));
    } finally {
      await adapter.close();
      await timedSim.stop();
    }
  });

  it("a stale ediDate (simulator clock 11 minutes ahead) is a configuration error naming KISPG's message", async () => {
    const simClock = new ManualClock(new Date());
    const skewed = await KispgSimulator.start({ port: 0, clock: simClock });
    const adapter = createKispgGateway(options({ baseUrl: skewed.url }), { logger, clock });
    try {
      const orderId = nextOrderId();
      const checkout = await adapter.prepare({
        paymentId: 'p',
        orderId,
        amount: 1_000,
        taxFreeAmount: 0,
        orderName: '머그',
        method: 'CARD',
        customer,
        returnUrl: 'https://shop.example/r',
      });
      const returned = skewed.authenticate(checkout.fields as Record<string, string>);
      simClock.advance(11 * 60_000);
      const prepared: PreparedPayment = {
        paymentId: 'p',
        gateway: 'kispg',
        orderId,
        amount: 1_000,
        taxFreeAmount: 0,
        orderName: '머그',
        method: 'CARD',
      };
      const error = await adapter
        .approve({ prepared, input: adapter.confirmInputFromReturn(returned), idempotencyKey: 'k' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GatewayConfigurationError);
      expect(error).toMatchObject({ gatewayCode: 'SIM3', gatewayMessage: '전문요청일시 오류' });
      expect(skewed.getTransaction(returned.tid)).toMatchObject({ state: 'AUTHENTICATED' });
    } finally {
      await adapter.close();
      await skewed.stop();
    }
  });
});
