import {
  AmountMismatchError,
  GatewayConfigurationError,
  GatewayDeclinedError,
  GatewayUnavailableError,
  InvalidInputError,
  OrderMismatchError,
  SignatureMismatchError,
  UnsupportedOperationError,
  type PreparedPayment,
} from 'nestjs-kr-payments';
import { KISPG_TEST_MERCHANT_KEY, KISPG_TEST_MID, KispgSimulator, ManualClock } from 'nestjs-kr-payments/testing';
import { formatKispgEdiDate, kispgEncData, parseKispgDateTime } from '../../libs/payments/src/gateways/kispg/kispg.crypto';
import { createKispgGateway } from '../../libs/payments/src/gateways/kispg/kispg.module';
import type { KispgGateway } from '../../libs/payments/src/gateways/kispg/kispg.gateway';
import type { KispgGatewayOptions } from '../../libs/payments/src/gateways/kispg/kispg.types';
import { CapturingLogger } from '../support/harness';

/**
 * The KISPG adapter against the KISPG simulator over loopback HTTP, without the core: exact wire requests, hashes,
 * result-code handling, read-backs and faults (kispg.md §4-§9, §13).
 */
describe('KISPG adapter ↔ simulator', () => {
  let sim: KispgSimulator;
  let gateway: KispgGateway;
  const logger = new CapturingLogger();
  let seq = 0;

  const options = (overrides: Partial<KispgGatewayOptions> = {}): KispgGatewayOptions =>
    ({
      mid: KISPG_TEST_MID,
      merchantKey: KISPG_TEST_MERCHANT_KEY,
      baseUrl: sim.url,
      timeouts: { connectMs: 1_000, readMs: 1_500 },
      webhookAllowedSources: [],
      resultCodeCategories: { SIM2: 'configuration', SIM3: 'configuration', SIM5: 'not-found' },
      logBodies: true,
      ...overrides,
    }) as KispgGatewayOptions;
  const clock = { now: () => new Date() };

  beforeAll(async () => {
    sim = await KispgSimulator.start({ port: 0 });
    gateway = createKispgGateway(options(), { logger, clock });
  });
  afterAll(async () => {
    await gateway?.close();
    await sim?.stop();
  });

  const nextOrderId = () => `kord_${Date.now().toString(36)}_${++seq}`;
  const customer = { name: '김키스', phone: '010-1234-5678', email: 'kim@example.com' };

  async function authenticated(amount: number, method?: string, chosen?: 'CARD' | 'BANK' | 'VACNT') {
    const orderId = nextOrderId();
    const checkout = await gateway.prepare({
      paymentId: `p-${orderId}`,
      orderId,
      amount,
      taxFreeAmount: 0,
      orderName: '키스 머그컵',
      method,
      customer,
      returnUrl: 'https://shop.example/kispg/return',
    });
    const returned = sim.authenticate(checkout.fields as Record<string, string>, chosen ? { payMethod: chosen } : {});
    const prepared: PreparedPayment = {
      paymentId: `p-${orderId}`,
      gateway: 'kispg',
      orderId,
      amount,
      taxFreeAmount: 0,
      orderName: '키스 머그컵',
      method: method ?? null,
    };
    return { orderId, checkout, returned, prepared };
  }

  async function approved(amount: number, method?: string, chosen?: 'CARD' | 'BANK' | 'VACNT') {
    const auth = await authenticated(amount, method, chosen);
    const input = gateway.confirmInputFromReturn(auth.returned);
    const truth = await gateway.approve({ prepared: auth.prepared, input, idempotencyKey: `confirm:${auth.prepared.paymentId}` });
    return { ...auth, input, truth, prepared: { ...auth.prepared, method: truth.method ?? null, gatewayPaymentKey: truth.paymentKey } };
  }

  it('prepare: the /v2/auth form with every required field, the encData the simulator verifies', async () => {
    const before = Date.now();
    const { checkout, orderId, returned } = await authenticated(15_000, 'CARD');
    expect(checkout).toMatchObject({ gateway: 'kispg', kind: 'form', actionUrl: `${sim.url}/v2/auth`, method: 'POST' });
    const fields = checkout.fields as Record<string, string>;
    expect(fields).toEqual({
      payMethod: 'CARD',
      trxCd: '0',
      mid: KISPG_TEST_MID,
      goodsNm: '키스 머그컵',
      currencyType: 'KRW',
      ordNo: orderId,
      goodsAmt: '15000',
      ordNm: '김키스',
      ordTel: '01012345678',
      ordEmail: 'kim@example.com',
      returnUrl: 'https://shop.example/kispg/return',
      ediDate: expect.stringMatching(/^\d{14}$/),
      encData: expect.stringMatching(/^[0-9a-f]{64}$/),
      payReqType: '1',
      charset: 'UTF-8',
      model: 'WEB',
    });
    // ediDate is the KST wall-clock of "now" (kispg.md §2.1), and encData hashes exactly these fields.
    const ediInstant = parseKispgDateTime(fields.ediDate)?.getTime() ?? 0;
    expect(ediInstant).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(ediInstant).toBeLessThanOrEqual(Date.now());
    expect(fields.encData).toBe(kispgEncData(KISPG_TEST_MID, fields.ediDate, '15000', KISPG_TEST_MERCHANT_KEY));
    expect(returned).toMatchObject({ resultCd: '0000', ordNo: orderId, amt: '15000', payMethod: 'CARD' });
  });

  it('card approval: exact /v2/payment body, success on 3001, truth mapped (tid, amounts, masked card, KST appDtm)', async () => {
    const auth = await authenticated(12_300, 'CARD');
    const input = gateway.confirmInputFromReturn(auth.returned);
    expect(input).toMatchObject({ orderId: auth.orderId, amount: 12_300, paymentKey: auth.returned.tid });
    const before = sim.requestsTo('POST', '/v2/payment').length;
    const truth = await gateway.approve({ prepared: auth.prepared, input, idempotencyKey: 'confirm:x' });
    const sent = sim.requestsTo('POST', '/v2/payment').slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0].body).toEqual({
      mid: KISPG_TEST_MID,
      tid: auth.returned.tid,
      goodsAmt: '12300',
      ediDate: expect.stringMatching(/^\d{14}$/),
      encData: expect.stringMatching(/^[0-9a-f]{64}$/),
      charset: 'UTF-8',
    });
    expect(sent[0].headers['content-type']).toContain('application/json');
    expect(truth).toMatchObject({
      gateway: 'kispg',
      paymentKey: auth.returned.tid,
      orderId: auth.orderId,
      status: 'PAID',
      totalAmount: 12_300,
      balanceAmount: 12_300,
      method: 'CARD',
      card: { issuerCode: '02', acquirerCode: '02', maskedNumber: '12345678****1234', installmentMonths: 0 },
      cancels: [],
    });
    expect(truth.approvedAt).toBeInstanceOf(Date);
    expect(JSON.stringify(truth.raw)).not.toContain(KISPG_TEST_MERCHANT_KEY);
  });

  it('return-body checks run before any request: decline, wrong encData, wrong amount, wrong order', async () => {
    const auth = await authenticated(5_000, 'CARD');
    const before = sim.requestsTo('POST', '/v2/payment').length;
    const attempt = (body: Record<string, string>) => {
      const input = gateway.confirmInputFromReturn(body);
      gateway.verifyConfirmInput(auth.prepared, input);
    };
    expect(() => attempt({ ...auth.returned, encData: 'ab'.repeat(32) })).toThrow(SignatureMismatchError);
    expect(() => attempt({ ...auth.returned, ediDate: '20200101000000' })).toThrow(SignatureMismatchError);
    expect(() => attempt({ ...auth.returned, amt: '50' })).toThrow(AmountMismatchError);
    expect(() => attempt({ ...auth.returned, ordNo: 'someone-elses' })).toThrow(OrderMismatchError);
    expect(() => attempt({ ...auth.returned, amt: '5000.0' })).toThrow(InvalidInputError);
    expect(() => attempt({ ...auth.returned, resultCd: 'SIM11', resultMsg: '사용자 결제 취소' })).toThrow(GatewayDeclinedError);
    expect(() => gateway.confirmInputFromReturn({ resultCd: 'SIM11', resultMsg: '사용자 결제 취소' })).toThrow(GatewayDeclinedError);
    const { tid: _tid, ...withoutTid } = auth.returned;
    expect(() => attempt(withoutTid)).toThrow(InvalidInputError);
    expect(sim.requestsTo('POST', '/v2/payment').length).toBe(before);
  });

  it('returnHashFormula "none" skips the encData check (with a boot warning) but still checks the amount', async () => {
    const bootLogger = new CapturingLogger();
    const lenient = createKispgGateway(options({ returnHashFormula: 'none' }), { logger: bootLogger, clock });
    try {
      expect(bootLogger.text()).toContain('returnHashFormula is "none"');
      const auth = await authenticated(5_000, 'CARD');
      expect(() => lenient.verifyConfirmInput(auth.prepared, lenient.confirmInputFromReturn({ ...auth.returned, encData: 'x' }))).not.toThrow();
      expect(() => lenient.verifyConfirmInput(auth.prepared, lenient.confirmInputFromReturn({ ...auth.returned, amt: '1' }))).toThrow(
        AmountMismatchError,
      );
    } finally {
      await lenient.close();
    }
  });

  it('Korean byte limits: 10 Hangul fit ordNm (30 bytes), 11 do not; goodsNm is 100 bytes', async () => {
    const base = {
      paymentId: 'p-bytes',
      amount: 1_000,
      taxFreeAmount: 0,
      orderName: '가'.repeat(33), // 99 bytes
      customer: { ...customer, name: '가나다라마바사아자차' }, // 30 bytes
      returnUrl: 'https://shop.example/kispg/return',
    };
    const ok = await gateway.prepare({ ...base, orderId: nextOrderId() });
    expect(sim.authenticate(ok.fields as Record<string, string>).resultCd).toBe('0000');
    await expect(gateway.prepare({ ...base, orderId: nextOrderId(), customer: { ...customer, name: '가나다라마바사아자차카' } })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      field: 'customer.name',
    });
    await expect(gateway.prepare({ ...base, orderId: nextOrderId(), orderName: '가'.repeat(34) })).rejects.toMatchObject({
      field: 'orderName',
    });
    await expect(gateway.prepare({ ...base, orderId: nextOrderId(), extra: { mbsReserved: '가'.repeat(167) } })).rejects.toMatchObject({
      field: 'extra.mbsReserved',
    });
    await expect(gateway.prepare({ ...base, orderId: nextOrderId(), extra: { mid: 'evilmid000' } })).rejects.toMatchObject({ field: 'extra.mid' });
    await expect(gateway.prepare({ ...base, orderId: nextOrderId(), customer: { name: '김키스' } })).rejects.toMatchObject({
      field: 'customer.phone',
    });
    await expect(gateway.prepare({ ...base, orderId: 'x'.repeat(41) })).rejects.toMatchObject({ field: 'orderId' });
    await expect(gateway.prepare({ ...base, orderId: nextOrderId(), method: 'GIFT_CERTIFICATE' })).rejects.toMatchObject({ field: 'method' });
  });

  it('optional auth fields from extra are validated and passed through (cash receipt at auth time, escrow, mobile)', async () => {
    const checkout = await gateway.prepare({
      paymentId: 'p-extra',
      orderId: nextOrderId(),
      amount: 3_000,
      taxFreeAmount: 0,
      orderName: '계좌이체 상품',
      method: 'TRANSFER',
      customer,
      returnUrl: 'https://shop.example/kispg/return',
      extra: { crctType: '1', crctNo: '01012345678', mbsReserved: '메모', model: 'MOB', escrow: true, channel: '0002' },
    });
    expect(checkout.fields).toMatchObject({ payMethod: 'BANK', trxCd: '1', model: 'MOB', crctType: '1', crctNo: '01012345678', channel: '0002' });
    await expect(
      gateway.prepare({
        paymentId: 'p-extra2',
        orderId: nextOrderId(),
        amount: 3_000,
        taxFreeAmount: 0,
        orderName: 'x',
        customer,
        returnUrl: 'https://shop.example/r',
        extra: { crctType: '2' },
      }),
    ).rejects.toMatchObject({ field: 'extra.crctNo' });
  });

  it('partial then full cancel on /v2/cancelTrans.do: canAmt hashed, partCanFlg, balance read back from /v2/order', async () => {
    const viaSample = createKispgGateway(options({ cancelPath: '/v2/cancelTrans.do' }), { logger, clock });
    try {
      const { prepared, truth } = await approved(10_000, 'CARD');
      const tid = truth.paymentKey;
      const beforeCancels = sim.requestsTo('POST', '/v2/cancelTrans.do').length;
      const first = await viaSample.cancel({
        prepared,
        paymentKey: tid,
        cancelId: 'c1',
        amount: 3_000,
        isFull: false,
        balanceBefore: 10_000,
        reason: '부분 환불',
        idempotencyKey: 'cancel:c1',
      });
      expect(first.payment).toMatchObject({ status: 'PARTIALLY_CANCELED', totalAmount: 10_000, balanceAmount: 7_000 });
      expect(first.cancel).toMatchObject({ amount: 3_000, status: 'DONE' });
      expect(first.payment.cancels.map((c) => c.transactionKey)).toContain(first.cancel.transactionKey);

      const second = await viaSample.cancel({
        prepared,
        paymentKey: tid,
        cancelId: 'c2',
        amount: 7_000,
        isFull: true,
        balanceBefore: 7_000,
        reason: '전액 환불',
        idempotencyKey: 'cancel:c2',
      });
      expect(second.payment).toMatchObject({ status: 'CANCELED', balanceAmount: 0 });
      expect(second.cancel.transactionKey).not.toBe(first.cancel.transactionKey);

      const sent = sim.requestsTo('POST', '/v2/cancelTrans.do').slice(beforeCancels);
      expect(sent.map((r) => r.body)).toEqual([
        expect.objectContaining({ payMethod: 'CARD', tid, mid: KISPG_TEST_MID, ordNo: prepared.orderId, canAmt: '3000', partCanFlg: '1', canMsg: '부분 환불', charset: 'UTF-8' }),
        expect.objectContaining({ canAmt: '7000', partCanFlg: '0' }),
      ]);
      expect(sim.getTransaction(tid)).toMatchObject({ balanceAmt: 0, trxStatus: '취소' });

      // The same cancels read again later keep their keys: the ledger matches them instead of adding rows.
      const again = await gateway.getPayment({ paymentKey: tid, orderId: prepared.orderId, amount: 10_000 });
      expect(again.cancels.map((c) => c.transactionKey).sort()).toEqual([first.cancel.transactionKey, second.cancel.transactionKey].sort());
    } finally {
      await viaSample.close();
    }
  });

  it('getPayment tolerates any cancelData serializer; unreadable cancelData falls back to trxStatus', async () => {
    const otherSim = await KispgSimulator.start({
      port: 0,
      cancelDataSerializer: (cancels) => JSON.stringify({ history: cancels.map((c) => ({ cancel_amount: c.canAmt, when: c.canDtm })) }),
    });
    const garbledSim = await KispgSimulator.start({ port: 0, cancelDataSerializer: () => '<cancels/>' });
    const other = createKispgGateway(options({ baseUrl: otherSim.url }), { logger, clock });
    const garbled = createKispgGateway(options({ baseUrl: garbledSim.url }), { logger, clock });
    try {
      for (const [simulator, adapter, expectedBalance] of [
        [otherSim, other, 6_000],
        [garbledSim, garbled, 10_000],
      ] as const) {
        const orderId = nextOrderId();
        const checkout = await adapter.prepare({
          paymentId: 'p',
          orderId,
          amount: 10_000,
          taxFreeAmount: 0,
          orderName: '머그',
          method: 'CARD',
          customer,
          returnUrl: 'https://shop.example/r',
        });
        const returned = simulator.authenticate(checkout.fields as Record<string, string>);
        const prepared: PreparedPayment = { paymentId: 'p', gateway: 'kispg', orderId, amount: 10_000, taxFreeAmount: 0, orderName: '머그', method: 'CARD' };
        const truth = await adapter.approve({ prepared, input: adapter.confirmInputFromReturn(returned), idempotencyKey: 'k' });
        const result = await adapter.cancel({
          prepared,
          paymentKey: truth.paymentKey,
          cancelId: 'c',
          amount: 4_000,
          isFull: false,
          balanceBefore: 10_000,
          reason: '부분',
          idempotencyKey: 'c',
        });
        // Readable history: 6,000 left from KISPG's own data. Unreadable: the cancel's success code and our arithmetic.
        expect(result.payment.balanceAmount).toBe(6_000);
        const read = await adapter.getPayment({ paymentKey: truth.paymentKey, orderId, amount: 10_000 });
        expect(read.balanceAmount).toBe(expectedBalance);
        expect(read.status).toBe(expectedBalance === 6_000 ? 'PARTIALLY_CANCELED' : 'PAID');
        await adapter.cancel({
          prepared,
          paymentKey: truth.paymentKey,
          cancelId: 'c2',
          amount: 6_000,
          isFull: true,
          balanceBefore: 6_000,
          reason: '나머지',
          idempotencyKey: 'c2',
        });
        const final = await adapter.getPayment({ paymentKey: truth.paymentKey, orderId, amount: 10_000 });
        expect(final).toMatchObject({ status: 'CANCELED', balanceAmount: 0 });
      }
      expect(logger.text()).toContain('is unreadable; status taken from trxStatus');
    } finally {
      await other.close();
      await garbled.close();
      await otherSim.stop();
      await garbledSim.stop();
    }
  });

  it('lost approval answer: GatewayUnavailableError(requestSent) then resolveUnknownApproval queries /v2/order → PAID', async () => {
    const auth = await authenticated(8_000, 'CARD');
    sim.failNext({ method: 'POST', path: '/v2/payment' }, { kind: 'drop-after-commit' });
    const input = gateway.confirmInputFromReturn(auth.returned);
    const error = await gateway.approve({ prepared: auth.prepared, input, idempotencyKey: 'k' }).catch((e: unknown) => e);
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

  it('an approval that never reached KISPG resolves to IN_PROGRESS (the row stays as it is)', async () => {
    const auth = await authenticated(8_000, 'CARD');
    sim.failNext({ method: 'POST', path: '/v2/payment' }, { kind: 'drop-before-commit' });
    await expect(gateway.approve({ prepared: auth.prepared, input: gateway.confirmInputFromReturn(auth.returned), idempotencyKey: 'k' })).rejects.toBeInstanceOf(
      GatewayUnavailableError,
    );
    const resolution = await gateway.resolveUnknownApproval({
      prepared: auth.prepared,
      paymentKey: auth.returned.tid,
      approvalSentAt: new Date(),
      idempotencyKey: 'k',
    });
    expect(resolution.truth).toMatchObject({ status: 'IN_PROGRESS', failure: { code: 'SIM5' } });
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
      .cancel({ prepared, paymentKey: truth.paymentKey, cancelId: 'c', amount: 2_000, isFull: true, balanceBefore: 2_000, reason: 'x', idempotencyKey: 'c' })
      .catch((e: unknown) => e);
    expect(cancelError).toBeInstanceOf(GatewayUnavailableError);
    expect((cancelError as GatewayUnavailableError).requestSent).toBe(true);
  });

  it('an answer KISPG sent after applying the call but without resultCd is an unknown outcome, never a decline', async () => {
    // Approval: the money moved; a {…} without resultCd must not become FAILED (kispg.md §8: unknown → /v2/order).
    const auth = await authenticated(3_100, 'CARD');
    sim.failNext({ method: 'POST', path: '/v2/payment' }, { kind: 'altered-answer', fields: { resultCd: null, resultMsg: null } });
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
      .cancel({ prepared, paymentKey: truth.paymentKey, cancelId: 'c', amount: 3_200, isFull: true, balanceBefore: 3_200, reason: 'x', idempotencyKey: 'c' })
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
    sim.failNext({ method: 'POST', path: '/v2/cancel' }, { kind: 'altered-answer', fields: { tid: `${KISPG_TEST_MID}01012001010000009999` } });
    const cancelError = await gateway
      .cancel({ prepared, paymentKey: truth.paymentKey, cancelId: 'c', amount: 3_400, isFull: true, balanceBefore: 3_400, reason: 'x', idempotencyKey: 'c' })
      .catch((e: unknown) => e);
    expect(cancelError).toBeInstanceOf(GatewayUnavailableError);
    expect((cancelError as GatewayUnavailableError).requestSent).toBe(true);
  });

  it('approval answer with another amount or order: returned as KISPG reported it, so the core refuses it (UNKNOWN), never a local FAILED', async () => {
    const auth = await authenticated(3_500, 'CARD');
    sim.failNext({ method: 'POST', path: '/v2/payment' }, { kind: 'altered-answer', fields: { amt: '35000' } });
    const truth = await gateway.approve({ prepared: auth.prepared, input: gateway.confirmInputFromReturn(auth.returned), idempotencyKey: 'k' });
    expect(truth).toMatchObject({ totalAmount: 35_000, orderId: auth.orderId, paymentKey: auth.returned.tid });

    const other = await authenticated(3_600, 'CARD');
    sim.failNext({ method: 'POST', path: '/v2/payment' }, { kind: 'altered-answer', fields: { ordNo: 'someone-elses-order' } });
    const foreign = await gateway.approve({ prepared: other.prepared, input: gateway.confirmInputFromReturn(other.returned), idempotencyKey: 'k' });
    expect(foreign).toMatchObject({ orderId: 'someone-elses-order', totalAmount: 3_600 });
  });

  it('payMethod spellings (kispg.md §15.4) and cardType 0/1 vs 01 (§15.5) are all understood', async () => {
    const vacnt = await authenticated(4_100, 'VIRTUAL_ACCOUNT');
    sim.failNext({ method: 'POST', path: '/v2/payment' }, { kind: 'altered-answer', fields: { payMethod: 'vbank' } });
    const issued = await gateway.approve({ prepared: vacnt.prepared, input: gateway.confirmInputFromReturn(vacnt.returned), idempotencyKey: 'k' });
    expect(issued).toMatchObject({ status: 'WAITING_FOR_DEPOSIT', method: 'VIRTUAL_ACCOUNT', totalAmount: 4_100 });

    const phone = await authenticated(4_200, 'MOBILE_PHONE');
    expect(phone.checkout.fields).toMatchObject({ payMethod: 'PHONE' });
    sim.failNext({ method: 'POST', path: '/v2/payment' }, { kind: 'altered-answer', fields: { payMethod: 'CELLPHONE' } });
    const paidByPhone = await gateway.approve({ prepared: phone.prepared, input: gateway.confirmInputFromReturn(phone.returned), idempotencyKey: 'k' });
    expect(paidByPhone).toMatchObject({ status: 'PAID', method: 'MOBILE_PHONE' });

    const card = await authenticated(4_300, 'CARD');
    sim.failNext({ method: 'POST', path: '/v2/payment' }, { kind: 'altered-answer', fields: { payMethod: 'card', cardType: '01' } });
    const paidByCard = await gateway.approve({ prepared: card.prepared, input: gateway.confirmInputFromReturn(card.returned), idempotencyKey: 'k' });
    expect(paidByCard).toMatchObject({ status: 'PAID', method: 'CARD', card: { cardType: '01', maskedNumber: '12345678****1234' } });
    // A card answer must carry the card success code: BANK's 4000 for a card is a decline, not a success.
    const declined = await authenticated(4_400, 'CARD');
    sim.failNext({ method: 'POST', path: '/v2/payment' }, { kind: 'error', resultCd: '4000', resultMsg: '?' });
    await expect(
      gateway.approve({ prepared: declined.prepared, input: gateway.confirmInputFromReturn(declined.returned), idempotencyKey: 'k' }),
    ).rejects.toMatchObject({ code: 'GATEWAY_DECLINED', gatewayCode: '4000' });
  });

  it('approval sends a fresh ediDate (kispg.md §5), not the one of the auth result', async () => {
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
      const prepared: PreparedPayment = { paymentId: `p-${orderId}`, gateway: 'kispg', orderId, amount: 2_500, taxFreeAmount: 0, orderName: '머그', method: 'CARD' };
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

  it('a stale ediDate (simulator clock 11 minutes ahead) is a configuration error naming KISPG\'s message', async () => {
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
      const prepared: PreparedPayment = { paymentId: 'p', gateway: 'kispg', orderId, amount: 1_000, taxFreeAmount: 0, orderName: '머그', method: 'CARD' };
      const error = await adapter.approve({ prepared, input: adapter.confirmInputFromReturn(returned), idempotencyKey: 'k' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GatewayConfigurationError);
      expect(error).toMatchObject({ gatewayCode: 'SIM3', gatewayMessage: '전문요청일시 오류' });
      expect(skewed.getTransaction(returned.tid)).toMatchObject({ state: 'AUTHENTICATED' });
    } finally {
      await adapter.close();
      await skewed.stop();
    }
  });

  it('VACNT: issued (4100) → WAITING_FOR_DEPOSIT, deposit → PAID, refund needs an account and answers 2211', async () => {
    const { prepared, truth } = await approved(30_000, 'VIRTUAL_ACCOUNT');
    expect(truth).toMatchObject({ status: 'WAITING_FOR_DEPOSIT', method: 'VIRTUAL_ACCOUNT', totalAmount: 30_000 });
    expect(truth.virtualAccount?.accountNumber).toMatch(/^\d+$/);
    expect(truth.virtualAccount?.dueDate).toBeInstanceOf(Date);

    sim.deposit(truth.paymentKey);
    const paid = await gateway.getPayment({ paymentKey: truth.paymentKey, orderId: prepared.orderId, amount: 30_000 });
    expect(paid.status).toBe('PAID');

    const cancelRequest = {
      prepared,
      paymentKey: truth.paymentKey,
      cancelId: 'c',
      amount: 10_000,
      isFull: false,
      balanceBefore: 30_000,
      reason: '환불',
      idempotencyKey: 'c',
    };
    await expect(gateway.cancel(cancelRequest)).rejects.toMatchObject({ field: 'refundAccount' });
    const before = sim.requestsTo('POST', '/v2/cancel').length;
    const refunded = await gateway.cancel({
      ...cancelRequest,
      refundAccount: { bankCode: '088', accountNumber: '110-123-456789', holderName: '김키스' },
    });
    expect(refunded.payment).toMatchObject({ status: 'PARTIALLY_CANCELED', balanceAmount: 20_000 });
    const sent = sim.requestsTo('POST', '/v2/cancel').slice(before);
    expect(sent[0].body).toMatchObject({ payMethod: 'VACNT', refundBankCd: '088', refundAccnt: '110123456789', refundNm: '김키스' });
    expect(logger.text()).not.toContain('110123456789');
  });

  it('a cancel KISPG refuses is a typed decline carrying its code', async () => {
    const { prepared, truth } = await approved(1_000, 'CARD');
    await expect(
      gateway.cancel({ prepared, paymentKey: truth.paymentKey, cancelId: 'c', amount: 1_000, isFull: false, balanceBefore: 1_000, reason: 'x', idempotencyKey: 'c' }),
    ).resolves.toBeDefined();
    sim.failNext({ method: 'POST', path: '/v2/cancel' }, { kind: 'error', resultCd: '2013', resultMsg: '취소 불가 거래' });
    const { prepared: p2, truth: t2 } = await approved(1_000, 'CARD');
    await expect(
      gateway.cancel({ prepared: p2, paymentKey: t2.paymentKey, cancelId: 'c', amount: 1_000, isFull: true, balanceBefore: 1_000, reason: 'x', idempotencyKey: 'c' }),
    ).rejects.toMatchObject({ code: 'GATEWAY_DECLINED', gatewayCode: '2013', gatewayMessage: '취소 불가 거래' });
  });

  it('cancel without a known method asks /v2/order for the payMethod first', async () => {
    const { prepared, truth } = await approved(1_500, undefined, 'BANK');
    expect(truth.method).toBe('TRANSFER');
    const before = sim.requestsTo('POST', '/v2/order').length;
    await gateway.cancel({
      prepared: { ...prepared, method: null },
      paymentKey: truth.paymentKey,
      cancelId: 'c',
      amount: 1_500,
      isFull: true,
      balanceBefore: 1_500,
      reason: 'x',
      idempotencyKey: 'c',
    });
    expect(sim.requestsTo('POST', '/v2/order').length - before).toBe(2); // the method look-up and the read-back
    expect(sim.requestsTo('POST', '/v2/cancel').at(-1)?.body).toMatchObject({ payMethod: 'BANK' });
  });

  it('netCancel is a full cancel (KISPG has no 망취소)', async () => {
    const { prepared, truth } = await approved(4_000, 'CARD');
    const reversed = await gateway.netCancel({ prepared, paymentKey: truth.paymentKey, idempotencyKey: 'net-cancel:p' });
    expect(reversed).toMatchObject({ status: 'CANCELED', balanceAmount: 0 });
    expect(sim.requestsTo('POST', '/v2/cancel').at(-1)?.body).toMatchObject({ canAmt: '4000', partCanFlg: '0' });
  });

  it('what KISPG does not offer throws UnsupportedOperationError naming KISPG; capabilities say so', async () => {
    expect(gateway.capabilities).toMatchObject({ billing: false, cashReceipts: false, transactions: false, netCancel: false, partialCancel: true, webhooks: true });
    const calls: Array<() => Promise<unknown>> = [
      () => gateway.issueBillingKey({ customerKey: 'c', idempotencyKey: 'k' }),
      () => gateway.chargeBillingKey({ billingKey: 'b', customerKey: 'c', paymentId: 'p', orderId: 'o', orderName: 'n', amount: 1, taxFreeAmount: 0, idempotencyKey: 'k' }),
      () => gateway.deleteBillingKey('b', 'c'),
      () => gateway.issueCashReceipt({ receiptId: 'r', orderId: 'o', orderName: 'n', amount: 1, taxFreeAmount: 0, type: 'INCOME_DEDUCTION', identityNumber: '01012345678', idempotencyKey: 'k' }),
      () => gateway.cancelCashReceipt({ receiptKey: 'r', orderId: 'o', idempotencyKey: 'k' }),
      () => gateway.getCashReceipt('r', new Date()),
      async () => {
        for await (const _ of gateway.listTransactions({ from: new Date(), to: new Date() })) return;
      },
    ];
    for (const call of calls) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnsupportedOperationError);
      expect((error as Error).message).toMatch(/^kispg does not support /);
    }
  });

  it('the merchant key and hashes never reach logs or raw', () => {
    expect(logger.lines.length).toBeGreaterThan(0);
    expect(logger.text()).not.toContain(KISPG_TEST_MERCHANT_KEY);
    const encDatas = sim.requests.map((r) => (r.body as { encData?: string } | null)?.encData).filter(Boolean) as string[];
    expect(encDatas.length).toBeGreaterThan(0);
    for (const encData of encDatas) expect(logger.text()).not.toContain(encData);
  });
});
