import {
  AmountMismatchError,
  GatewayDeclinedError,
  InvalidInputError,
  OrderMismatchError,
  SignatureMismatchError,
  UnsupportedOperationError,
} from 'nestjs-kr-payments';
import { KISPG_TEST_MERCHANT_KEY, KISPG_TEST_MID, KispgSimulator } from 'nestjs-kr-payments/testing';
import { capabilitiesOf, requireCapability, supports } from '../../../libs/payments/src/gateways/gateway-capabilities';
import { kispgEncData, parseKispgDateTime } from '../../../libs/payments/src/gateways/kispg/kispg.crypto';
import type { KispgGateway } from '../../../libs/payments/src/gateways/kispg/kispg.gateway';
import { createKispgGateway } from '../../../libs/payments/src/gateways/kispg/kispg.module';
import { CapturingLogger } from '../../support/logger';
import { clock, customer, useKispgAdapter } from './kispg-adapter.fixtures';

/**
 * The KISPG adapter against the KISPG simulator over loopback HTTP, without the core: exact wire requests, hashes,
 * the checks on the return body, and what the adapter does not implement (docs/gateways/kispg.md). Cancels:
 * kispg-adapter-cancel.spec.ts; lost, garbled and unusual answers: kispg-adapter-answers.spec.ts.
 */
describe('KISPG adapter ↔ simulator', () => {
  const harness = useKispgAdapter();
  const { logger, options, nextOrderId, authenticated } = harness;
  let sim: KispgSimulator;
  let gateway: KispgGateway;
  beforeAll(() => {
    ({ sim, gateway } = harness);
  });

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
    // ediDate is the KST wall-clock of "now" (docs/gateways/kispg.md#request-signing), and encData hashes exactly these fields.
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
    expect(() => attempt({ ...auth.returned, resultCd: 'SIM11', resultMsg: '사용자 결제 취소' })).toThrow(
      GatewayDeclinedError,
    );
    expect(() => gateway.confirmInputFromReturn({ resultCd: 'SIM11', resultMsg: '사용자 결제 취소' })).toThrow(
      GatewayDeclinedError,
    );
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
      expect(() =>
        lenient.verifyConfirmInput(auth.prepared, lenient.confirmInputFromReturn({ ...auth.returned, encData: 'x' })),
      ).not.toThrow();
      expect(() =>
        lenient.verifyConfirmInput(auth.prepared, lenient.confirmInputFromReturn({ ...auth.returned, amt: '1' })),
      ).toThrow(AmountMismatchError);
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
    await expect(
      gateway.prepare({ ...base, orderId: nextOrderId(), customer: { ...customer, name: '가나다라마바사아자차카' } }),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      field: 'customer.name',
    });
    await expect(
      gateway.prepare({ ...base, orderId: nextOrderId(), orderName: '가'.repeat(34) }),
    ).rejects.toMatchObject({
      field: 'orderName',
    });
    await expect(
      gateway.prepare({ ...base, orderId: nextOrderId(), extra: { mbsReserved: '가'.repeat(167) } }),
    ).rejects.toMatchObject({
      field: 'extra.mbsReserved',
    });
    await expect(
      gateway.prepare({ ...base, orderId: nextOrderId(), extra: { mid: 'evilmid000' } }),
    ).rejects.toMatchObject({ field: 'extra.mid' });
    await expect(
      gateway.prepare({ ...base, orderId: nextOrderId(), customer: { name: '김키스' } }),
    ).rejects.toMatchObject({
      field: 'customer.phone',
    });
    await expect(gateway.prepare({ ...base, orderId: 'x'.repeat(41) })).rejects.toMatchObject({ field: 'orderId' });
    await expect(
      gateway.prepare({ ...base, orderId: nextOrderId(), method: 'GIFT_CERTIFICATE' }),
    ).rejects.toMatchObject({ field: 'method' });
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
    expect(checkout.fields).toMatchObject({
      payMethod: 'BANK',
      trxCd: '1',
      model: 'MOB',
      crctType: '1',
      crctNo: '01012345678',
      channel: '0002',
    });
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

  it('what KISPG does not offer is not implemented; the capability check refuses it naming KISPG', async () => {
    expect(capabilitiesOf(gateway)).toEqual({
      partialCancel: true,
      virtualAccount: true,
      netCancel: false,
      billing: false,
      cashReceipts: false,
      transactions: false,
      webhooks: true,
      lostApprovalPolicy: true,
      returnUrl: true,
    });
    expect([
      supports(gateway, 'billing'),
      supports(gateway, 'cashReceipts'),
      supports(gateway, 'transactions'),
    ]).toEqual([false, false, false]);
    const refusals: Array<[Parameters<typeof requireCapability>[1], string]> = [
      ['billing', 'issueBillingKey'],
      ['billing', 'chargeBillingKey'],
      ['billing', 'deleteBillingKey'],
      ['cashReceipts', 'issueCashReceipt'],
      ['cashReceipts', 'cancelCashReceipt'],
      ['cashReceipts', 'getCashReceipt'],
      ['transactions', 'listTransactions'],
    ];
    for (const [capability, operation] of refusals) {
      expect((gateway as unknown as Record<string, unknown>)[operation]).toBeUndefined();
      expect(() => requireCapability(gateway, capability, operation)).toThrow(UnsupportedOperationError);
      expect(() => requireCapability(gateway, capability, operation)).toThrow(/^kispg does not support /);
    }
  });

  it('the merchant key and hashes never reach logs or raw', () => {
    expect(logger.lines.length).toBeGreaterThan(0);
    expect(logger.text()).not.toContain(KISPG_TEST_MERCHANT_KEY);
    const encDatas = sim.requests
      .map((r) => (r.body as { encData?: string } | null)?.encData)
      .filter(Boolean) as string[];
    expect(encDatas.length).toBeGreaterThan(0);
    for (const encData of encDatas) expect(logger.text()).not.toContain(encData);
  });
});
