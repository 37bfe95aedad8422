import { ManualClock } from '../../../libs/testing/src/clock';
import type { NicePaySimulator } from '../../../libs/testing/src/nicepay';
import {
  call,
  encA2,
  encAes128,
  expectSigned,
  newOrderId,
  NICE_DATE,
  sha256,
  SK,
  startReceiver,
  startSim,
  stopStartedAfterEach,
  tidPattern,
} from './nicepay-simulator.fixtures';

// The NicePay simulator's billing-key and cash-receipt endpoints.
stopStartedAfterEach();

// ---- billing ----------------------------------------------------------------------------------------------------

describe('billing', () => {
  const CARD = 'cardNo=5361123456781234&expYear=30&expMonth=12&idNo=800101&cardPw=12';

  async function regist(sim: NicePaySimulator, encData: string, encMode?: string) {
    return call(sim, 'POST', '/v1/subscribe/regist', {
      body: { encData, orderId: newOrderId(), ...(encMode ? { encMode } : {}) },
    });
  }

  it('decrypts encData in both modes and issues a bid', async () => {
    const sim = await startSim();
    for (const [encData, encMode] of [
      [encA2(CARD, SK), 'A2'],
      [encAes128(CARD, SK), undefined],
    ] as const) {
      const response = await regist(sim, encData, encMode);
      expect(response.body).toMatchObject({
        resultCode: '0000',
        resultMsg: '빌키가 정상적으로 생성되었습니다.',
        cardCode: '04',
        cardName: '[삼성]',
        status: 'issued',
      });
      expect(response.body.bid).toMatch(/^BIKYnictest00m\d{16}$/);
      expect(response.body.authDate).toMatch(NICE_DATE);
      expect(response.body.signature).toBeUndefined();
    }
  });

  it('refuses undecryptable encData (F101), missing card fields (P007) and a reused orderId (U112)', async () => {
    const sim = await startSim();
    expect((await regist(sim, encA2(CARD, 'ffffffffffffffffffffffffffffffff'), 'A2')).body.resultCode).toBe('F101');
    expect((await regist(sim, 'zz-not-hex', 'A2')).body.resultCode).toBe('F101');
    // The CBC ciphertext of old NicePay docs (a known trap) does not decrypt as ECB.
    expect((await regist(sim, encA2(CARD, SK))).body.resultCode).toBe('F101');
    const missing = await regist(sim, encA2('cardNo=5361123456781234&expYear=30&expMonth=12&idNo=800101', SK), 'A2');
    expect(missing.body).toEqual({ resultCode: 'P007', resultMsg: '필수 파라미터 encData.cardPw가 없습니다.' });
    const orderId = newOrderId();
    expect(
      (await call(sim, 'POST', '/v1/subscribe/regist', { body: { encData: encA2(CARD, SK), encMode: 'A2', orderId } }))
        .body.resultCode,
    ).toBe('0000');
    expect(
      (await call(sim, 'POST', '/v1/subscribe/regist', { body: { encData: encA2(CARD, SK), encMode: 'A2', orderId } }))
        .body.resultCode,
    ).toBe('U112');
  });

  it('charges a bid (paid, masked card, signed, webhook with bid); expire; U115 after; A124 for unknown', async () => {
    const receiver = await startReceiver();
    const sim = await startSim({ webhookUrl: receiver.url });
    const { bid } = (await regist(sim, encA2(CARD, SK), 'A2')).body;
    const orderId = newOrderId();
    const ediDate = '2026-11-22T12:00:00.000+0900';
    const chargeBody = {
      orderId,
      amount: 9_900,
      goodsName: 'Pro plan',
      cardQuota: 0,
      useShopInterest: false,
      ediDate,
      signData: sha256(`${orderId}${bid}${ediDate}${SK}`),
    };
    const charge = await call(sim, 'POST', `/v1/subscribe/${bid}/payments`, { body: chargeBody });
    expect(charge.body).toMatchObject({
      resultCode: '0000',
      status: 'paid',
      payMethod: 'card',
      amount: 9_900,
      orderId,
      card: { cardNum: '536112******1234', cardCode: '04' },
    });
    expectSigned(charge.body);
    expect((await call(sim, 'POST', `/v1/subscribe/${bid}/payments`, { body: chargeBody })).body.resultCode).toBe(
      'U112',
    );
    await sim.webhooksIdle();
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0].body).toMatchObject({ bid, tid: charge.body.tid, status: 'paid' });
    expect(JSON.stringify(sim.requests)).toContain(bid); // recorded as sent
    expect(JSON.stringify(sim.getPayment(charge.body.tid))).not.toContain('5361123456781234');

    const small = await call(sim, 'POST', `/v1/subscribe/${bid}/payments`, {
      body: { ...chargeBody, orderId: newOrderId(), amount: 999, signData: undefined },
    });
    expect(small.body.resultCode).toBe('3041'); // a billing charge is a credit-card approval

    const expire = await call(sim, 'POST', `/v1/subscribe/${bid}/expire`, { body: { orderId: newOrderId() } });
    expect(expire.body).toMatchObject({ resultCode: '0000', bid, authDate: expect.stringMatching(NICE_DATE) });
    const again = await call(sim, 'POST', `/v1/subscribe/${bid}/expire`, { body: { orderId: newOrderId() } });
    expect(again.body).toMatchObject({ resultCode: 'U115', bid, authDate: expect.stringMatching(NICE_DATE) });
    const deleted = await call(sim, 'POST', `/v1/subscribe/${bid}/payments`, {
      body: { ...chargeBody, orderId: newOrderId(), signData: undefined },
    });
    expect(deleted.body.resultCode).toBe('U115');
    const unknown = await call(sim, 'POST', '/v1/subscribe/BIKYnictest00m0000000000000000/payments', {
      body: { ...chargeBody, orderId: newOrderId(), signData: undefined },
    });
    expect(unknown.body.resultCode).toBe('A124');
    expect(
      (await call(sim, 'POST', `/v1/subscribe/${bid}/payments`, { body: { orderId: newOrderId(), amount: 100 } })).body
        .resultCode,
    ).toBe('P007');
  });

  it('counts byte lengths the EUC-KR way: 20 Hangul fit goodsName(40), 21 do not (P009)', async () => {
    const sim = await startSim();
    const { bid } = (await regist(sim, encA2(CARD, SK), 'A2')).body;
    const charge = (goodsName: string) =>
      call(sim, 'POST', `/v1/subscribe/${bid}/payments`, {
        body: { orderId: newOrderId(), amount: 1_000, goodsName, cardQuota: '0', useShopInterest: false },
      });
    expect((await charge('가'.repeat(20))).body.resultCode).toBe('0000');
    expect((await charge('가'.repeat(21))).body.resultCode).toBe('P009');
    expect((await charge('a'.repeat(41))).body.resultCode).toBe('P009');
  });
});

// ---- cash receipts ----------------------------------------------------------------------------------------------

describe('cash receipts', () => {
  it('issues (signed tid+orderId+ediDate+SK), turns issued after the clock moves, cancels', async () => {
    const clock = new ManualClock(new Date('2026-11-22T03:00:00.000Z'));
    const sim = await startSim({ clock });
    const orderId = newOrderId();
    const parts = { supplyAmt: 9_091, goodsVat: 909, taxFreeAmt: 0, serviceAmt: 0 };
    const badSum = await call(sim, 'POST', '/v1/receipt/', {
      body: {
        orderId,
        amount: 10_000,
        goodsName: '상품',
        receiptType: 'individual',
        receiptNo: '01012345678',
        ...parts,
        goodsVat: 900,
      },
    });
    expect(badSum.body.resultCode).toBe('P013');
    const issued = await call(sim, 'POST', '/v1/receipt/', {
      body: {
        orderId,
        amount: 10_000,
        goodsName: '상품',
        receiptType: 'individual',
        receiptNo: '01012345678',
        ...parts,
      },
    });
    expect(issued.body).toMatchObject({ resultCode: '0000', orderId, approvedAt: expect.stringMatching(NICE_DATE) });
    expect(issued.body.tid).toMatch(tidPattern('04'));
    expect(issued.body.signature).toBe(sha256(`${issued.body.tid}${orderId}${issued.body.ediDate}${SK}`));

    const pending = await call(sim, 'GET', `/v1/receipt/${issued.body.tid}`);
    expect(pending.body).toMatchObject({
      resultCode: '0000',
      status: 'issueRequested',
      amount: 10_000,
      balanceAmt: 10_000,
    });
    expect(pending.body.signature).toBe(sha256(`${issued.body.tid}${orderId}${pending.body.ediDate}${SK}`));
    clock.advance(24 * 60 * 60_000);
    expect((await call(sim, 'GET', `/v1/receipt/${issued.body.tid}`)).body.status).toBe('issued');

    const cancel = await call(sim, 'POST', `/v1/receipt/${issued.body.tid}/cancel`, {
      body: { orderId: newOrderId(), reason: '잘못 발급' },
    });
    expect(cancel.body).toMatchObject({ resultCode: '0000', orderId, cancelAmt: 10_000, balanceAmt: 0 });
    expect(cancel.body.signature).toBe(sha256(`${cancel.body.tid}${orderId}${cancel.body.ediDate}${SK}`));
    const after = await call(sim, 'GET', `/v1/receipt/${issued.body.tid}`);
    expect(after.body).toMatchObject({
      status: 'cancelled',
      balanceAmt: 0,
      receiptCancels: [{ tid: cancel.body.tid, amount: 10_000 }],
    });
    expect(
      (
        await call(sim, 'POST', `/v1/receipt/${issued.body.tid}/cancel`, {
          body: { orderId: newOrderId(), reason: 'x' },
        })
      ).body.resultCode,
    ).toBe('2013');
    expect(
      (
        await call(sim, 'POST', '/v1/receipt', {
          body: { orderId, amount: 10_000, goodsName: '상품', receiptType: 'individual', receiptNo: '01012345678' },
        })
      ).body.resultCode,
    ).toBe('U112');
  });
});
