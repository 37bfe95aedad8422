import {
  approvedCard,
  basicAuth,
  call,
  CLIENT_ID,
  expectSigned,
  newOrderId,
  NICE_DATE,
  sha256,
  SK,
  startReceiver,
  startSim,
  stopStartedAfterEach,
  tidPattern,
  windowFor,
} from './nicepay-simulator.fixtures';

// The NicePay simulator's payment endpoints: approve and cancel (net-cancel, inquiry and check-amount are in
// nicepay-simulator-inquiry.spec.ts).
stopStartedAfterEach();

// ---- approve ----------------------------------------------------------------------------------------------------

describe('approve POST /v1/payments/{tid}', () => {
  it('approves a card payment: paid, sandbox card, signed, recorded as sent', async () => {
    const sim = await startSim();
    const form = windowFor(sim, 15_000, { buyerName: '김나이스' });
    const response = await call(sim, 'POST', `/v1/payments/${form.tid}`, { body: { amount: 15_000 } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json;charset=utf-8');
    const body = response.body;
    expect(body).toMatchObject({
      resultCode: '0000',
      resultMsg: '정상 처리되었습니다.',
      tid: form.tid,
      cancelledTid: null,
      orderId: form.orderId,
      status: 'paid',
      failedAt: '0',
      cancelledAt: '0',
      payMethod: 'card',
      amount: 15_000,
      balanceAmt: 15_000,
      goodsName: '나이스페이-상품',
      useEscrow: false,
      currency: 'KRW',
      approveNo: '000000',
      buyerName: '김나이스',
      cancels: null,
      vbank: null,
      card: {
        cardCode: '04',
        cardName: '삼성',
        cardNum: '123412******1234',
        cardQuota: 0,
        canPartCancel: true,
        acquCardCode: '04',
      },
    });
    expect(body.ediDate).toMatch(NICE_DATE);
    expect(body.paidAt).toMatch(NICE_DATE);
    expectSigned(body);
    const [recorded] = sim.requestsTo('POST', `/v1/payments/${form.tid}`);
    expect(recorded.body).toEqual({ amount: 15_000 });
    expect(recorded.headers.authorization).toBe(basicAuth(CLIENT_ID, SK));
    expect(recorded.status).toBe(200);
    expect(sim.getPayment(form.tid)).toMatchObject({ status: 'paid', amount: 15_000, balanceAmt: 15_000 });
    expect(JSON.stringify(sim.getPayment(form.tid))).not.toContain(SK);
  });

  it('accepts the amount as a numeric string, as the official Java/Python samples send it', async () => {
    const sim = await startSim();
    const form = windowFor(sim, 1004);
    const response = await call(sim, 'POST', `/v1/payments/${form.tid}`, { body: { amount: '1004' } });
    expect(response.body.resultCode).toBe('0000');
    expect(response.body.amount).toBe(1004);
  });

  it('refuses an amount that differs from the authenticated one (A123) and approves only once (2201)', async () => {
    const sim = await startSim();
    const form = windowFor(sim, 12_000);
    const tampered = await call(sim, 'POST', `/v1/payments/${form.tid}`, { body: { amount: 1_200 } });
    expect([tampered.status, tampered.body.resultCode]).toEqual([200, 'A123']);
    expect(sim.getPayment(form.tid)).toBeUndefined();
    expect((await call(sim, 'POST', `/v1/payments/${form.tid}`, { body: { amount: 12_000 } })).body.resultCode).toBe(
      '0000',
    );
    const again = await call(sim, 'POST', `/v1/payments/${form.tid}`, { body: { amount: 12_000 } });
    expect([again.status, again.body]).toEqual([200, { resultCode: '2201', resultMsg: '기승인존재' }]);
  });

  it('refuses a credit-card approval under 1,000 KRW (3041); a bank transfer of 500 is fine', async () => {
    const sim = await startSim();
    const card = windowFor(sim, 999);
    const refused = await call(sim, 'POST', `/v1/payments/${card.tid}`, { body: { amount: 999 } });
    expect([refused.status, refused.body.resultCode]).toEqual([200, '3041']);
    expect(sim.getPayment(card.tid)).toBeUndefined();
    const bank = windowFor(sim, 500, { method: 'bank' });
    expect((await call(sim, 'POST', `/v1/payments/${bank.tid}`, { body: { amount: 500 } })).body.resultCode).toBe(
      '0000',
    );
  });

  it('checks signData when present (A101) and ediDate format (P024)', async () => {
    const sim = await startSim();
    const form = windowFor(sim, 1004);
    const ediDate = '2026-11-22T12:00:00.000+0900';
    const wrong = await call(sim, 'POST', `/v1/payments/${form.tid}`, {
      body: { amount: 1004, ediDate, signData: sha256(`${form.tid}1005${ediDate}${SK}`) },
    });
    expect(wrong.body.resultCode).toBe('A101');
    const badDate = await call(sim, 'POST', `/v1/payments/${form.tid}`, {
      body: { amount: 1004, ediDate: '20261122120000' },
    });
    expect(badDate.body.resultCode).toBe('P024');
    const right = await call(sim, 'POST', `/v1/payments/${form.tid}`, {
      body: { amount: 1004, ediDate, signData: sha256(`${form.tid}1004${ediDate}${SK}`).toUpperCase() },
    });
    expect(right.body.resultCode).toBe('0000');
  });

  it('validates required fields, numbers and lengths (P007, P010, P009) and unknown tids (404 U121)', async () => {
    const sim = await startSim();
    const form = windowFor(sim, 1004);
    expect((await call(sim, 'POST', `/v1/payments/${form.tid}`, { body: {} })).body.resultCode).toBe('P007');
    expect((await call(sim, 'POST', `/v1/payments/${form.tid}`, { body: { amount: '10a' } })).body.resultCode).toBe(
      'P010',
    );
    expect(
      (await call(sim, 'POST', `/v1/payments/${form.tid}`, { body: { amount: 1234567890123 } })).body.resultCode,
    ).toBe('P009');
    const unknown = await call(sim, 'POST', '/v1/payments/nictest00m01012611221200000000', { body: { amount: 1004 } });
    expect([unknown.status, unknown.body.resultCode]).toEqual([404, 'U121']);
  });

  it('keeps orderIds unique: a second window for a paid orderId cannot be approved (U112)', async () => {
    const sim = await startSim();
    const { form } = await approvedCard(sim, 1000);
    const second = windowFor(sim, 1000, { orderId: form.orderId });
    expect((await call(sim, 'POST', `/v1/payments/${second.tid}`, { body: { amount: 1000 } })).body.resultCode).toBe(
      'U112',
    );
  });

  it('issues a virtual account (ready + vbank), then deposit → paid with webhooks for both', async () => {
    const receiver = await startReceiver();
    const sim = await startSim({ webhookUrl: receiver.url });
    const form = windowFor(sim, 30_000, { method: 'vbank', vbankHolder: '김나이스' });
    const issued = await call(sim, 'POST', `/v1/payments/${form.tid}`, { body: { amount: 30_000 } });
    expect(issued.body).toMatchObject({ status: 'ready', payMethod: 'vbank', amount: 30_000, card: null });
    expect(issued.body.vbank).toEqual({
      vbankCode: expect.stringMatching(/^\d{3}$/),
      vbankName: expect.any(String),
      vbankNumber: expect.stringMatching(/^\d{14}$/),
      vbankExpDate: expect.stringMatching(NICE_DATE),
      vbankHolder: '김나이스',
    });
    sim.deposit(form.tid);
    expect(() => sim.deposit(form.tid)).toThrow(/not ready/);
    await sim.webhooksIdle();
    expect(receiver.received.map((r) => r.body.status)).toEqual(['ready', 'paid']);
    const paid = receiver.received[1];
    expect(paid.headers['content-type']).toBe('application/json;charset=utf-8');
    expect(paid.body).toMatchObject({
      tid: form.tid,
      orderId: form.orderId,
      amount: 30_000,
      balanceAmt: 30_000,
      resultCode: '0000',
    });
    expectSigned(paid.body);
    expect(sim.webhookDeliveries.map((d) => [d.eventType, d.status, d.accepted])).toEqual([
      ['ready', 200, true],
      ['paid', 200, true],
    ]);
  });
});

// ---- cancel -----------------------------------------------------------------------------------------------------

describe('cancel POST /v1/payments/{tid}/cancel', () => {
  it('cancels partially then fully: new cancel tids, balance, status, signature over the original tid+amount', async () => {
    const receiver = await startReceiver();
    const sim = await startSim({ webhookUrl: receiver.url });
    const { form } = await approvedCard(sim, 50_000);
    const partial = await call(sim, 'POST', `/v1/payments/${form.tid}/cancel`, {
      body: { reason: '부분 반품', orderId: `${form.orderId}-c1`, cancelAmt: 10_000 },
    });
    expect(partial.body).toMatchObject({
      resultCode: '0000',
      tid: form.tid,
      orderId: form.orderId,
      status: 'partialCancelled',
      amount: 50_000,
      balanceAmt: 40_000,
    });
    expect(partial.body.cancelledTid).toMatch(tidPattern('01'));
    expect(partial.body.cancelledTid).not.toBe(form.tid);
    expect(partial.body.cancels).toEqual([
      {
        tid: partial.body.cancelledTid,
        amount: 10_000,
        cancelledAt: partial.body.cancelledAt,
        reason: '부분 반품',
        receiptUrl: expect.any(String),
        couponAmt: 0,
      },
    ]);
    expect(partial.body.cancelledAt).toMatch(NICE_DATE);
    expectSigned(partial.body);

    const rest = await call(sim, 'POST', `/v1/payments/${form.tid}/cancel`, {
      body: { reason: '주문 취소', orderId: `${form.orderId}-c2` },
    });
    expect(rest.body).toMatchObject({ status: 'cancelled', balanceAmt: 0 });
    expect(rest.body.cancels.map((c: any) => c.amount)).toEqual([10_000, 40_000]);
    expect(rest.body.cancelledTid).toBe(rest.body.cancels[1].tid);
    const again = await call(sim, 'POST', `/v1/payments/${form.tid}/cancel`, {
      body: { reason: 'x', orderId: `${form.orderId}-c3` },
    });
    expect(again.body.resultCode).toBe('2013');

    await sim.webhooksIdle();
    expect(receiver.received.map((r) => [r.body.status, r.body.cancelledTid])).toEqual([
      ['paid', null],
      ['partialCancelled', partial.body.cancelledTid],
      ['cancelled', rest.body.cancelledTid],
    ]);
    for (const delivery of receiver.received) expectSigned(delivery.body);
  });

  it('requires reason and orderId (P007), and a new cancel orderId every time, even across payments and after a failure (U112)', async () => {
    const sim = await startSim();
    const a = await approvedCard(sim, 10_000);
    const b = await approvedCard(sim, 10_000);
    const cancel = (tid: string, body: Record<string, unknown>) =>
      call(sim, 'POST', `/v1/payments/${tid}/cancel`, { body });
    expect((await cancel(a.form.tid, { orderId: 'c-x' })).body).toEqual({
      resultCode: 'P007',
      resultMsg: '필수 파라미터 reason가 없습니다.',
    });
    expect((await cancel(a.form.tid, { reason: 'r' })).body.resultCode).toBe('P007');
    expect(
      (await cancel(a.form.tid, { reason: 'r', orderId: `${a.form.orderId}-1`, cancelAmt: 1_000 })).body.resultCode,
    ).toBe('0000');
    expect(
      (await cancel(a.form.tid, { reason: 'r', orderId: `${a.form.orderId}-1`, cancelAmt: 1_000 })).body.resultCode,
    ).toBe('U112');
    expect(
      (await cancel(b.form.tid, { reason: 'r', orderId: `${a.form.orderId}-1`, cancelAmt: 1_000 })).body.resultCode,
    ).toBe('U112');
    expect((await cancel(b.form.tid, { reason: 'r', orderId: a.form.orderId, cancelAmt: 1_000 })).body.resultCode).toBe(
      'U112',
    );
    // Over the balance: 2032, and the orderId is spent anyway.
    expect(
      (await cancel(b.form.tid, { reason: 'r', orderId: `${b.form.orderId}-1`, cancelAmt: 10_001 })).body.resultCode,
    ).toBe('2032');
    expect(
      (await cancel(b.form.tid, { reason: 'r', orderId: `${b.form.orderId}-1`, cancelAmt: 1_000 })).body.resultCode,
    ).toBe('U112');
    // The payment's own orderId is accepted once (what the official samples send).
    expect((await cancel(b.form.tid, { reason: 'r', orderId: b.form.orderId, cancelAmt: 1_000 })).body.resultCode).toBe(
      '0000',
    );
    expect((await cancel(b.form.tid, { reason: 'r', orderId: b.form.orderId, cancelAmt: 1_000 })).body.resultCode).toBe(
      'U112',
    );
    expect(sim.getPayment(b.form.tid)).toMatchObject({ balanceAmt: 9_000 });
  });

  it('checks taxFreeAmt against the remaining tax-free part (U319), cancelAmt ≤ 0 (2010), signData (tid+ediDate+SK)', async () => {
    const sim = await startSim();
    const { form } = await approvedCard(sim, 10_000, { taxFreeAmt: 2_000 });
    const cancel = (body: Record<string, unknown>) =>
      call(sim, 'POST', `/v1/payments/${form.tid}/cancel`, { body: { reason: 'r', ...body } });
    expect((await cancel({ orderId: 'tf-1', cancelAmt: 5_000, taxFreeAmt: 2_001 })).body.resultCode).toBe('U319');
    expect((await cancel({ orderId: 'tf-2', cancelAmt: 0 })).body.resultCode).toBe('2010');
    const ediDate = '2026-11-22T12:00:00.000+0900';
    expect(
      (await cancel({ orderId: 'tf-3', cancelAmt: 5_000, ediDate, signData: sha256(`${form.tid}5000${ediDate}${SK}`) }))
        .body.resultCode,
    ).toBe('A101');
    const ok = await cancel({
      orderId: 'tf-4',
      cancelAmt: 5_000,
      taxFreeAmt: 2_000,
      ediDate,
      signData: sha256(`${form.tid}${ediDate}${SK}`),
    });
    expect(ok.body).toMatchObject({ resultCode: '0000', balanceAmt: 5_000 });
    expect((await cancel({ orderId: 'tf-5', cancelAmt: 1_000, taxFreeAmt: 1 })).body.resultCode).toBe('U319');
  });

  it('refuses any cancelAmt with U128 in sandbox flavour, a full cancel without it works', async () => {
    const sim = await startSim({ sandboxRejectsPartialCancel: true });
    const { form } = await approvedCard(sim, 10_000);
    const partial = await call(sim, 'POST', `/v1/payments/${form.tid}/cancel`, {
      body: { reason: 'r', orderId: 's-1', cancelAmt: 10_000 },
    });
    expect(partial.body.resultCode).toBe('U128');
    const full = await call(sim, 'POST', `/v1/payments/${form.tid}/cancel`, { body: { reason: 'r', orderId: 's-2' } });
    expect(full.body).toMatchObject({ resultCode: '0000', status: 'cancelled', balanceAmt: 0 });
  });

  it('vbank: before deposit full cancel only (2030); after deposit the refund account is required', async () => {
    const sim = await startSim();
    const ready = windowFor(sim, 20_000, { method: 'vbank', vbankHolder: '홍길동' });
    await call(sim, 'POST', `/v1/payments/${ready.tid}`, { body: { amount: 20_000 } });
    expect(
      (
        await call(sim, 'POST', `/v1/payments/${ready.tid}/cancel`, {
          body: { reason: 'r', orderId: 'v-1', cancelAmt: 5_000 },
        })
      ).body.resultCode,
    ).toBe('2030');
    expect(
      (await call(sim, 'POST', `/v1/payments/${ready.tid}/cancel`, { body: { reason: 'r', orderId: 'v-2' } })).body,
    ).toMatchObject({ status: 'cancelled' });

    const paid = windowFor(sim, 20_000, { method: 'vbank', vbankHolder: '홍길동' });
    await call(sim, 'POST', `/v1/payments/${paid.tid}`, { body: { amount: 20_000 } });
    sim.deposit(paid.tid);
    const noAccount = await call(sim, 'POST', `/v1/payments/${paid.tid}/cancel`, {
      body: { reason: 'r', orderId: 'v-3', cancelAmt: 5_000 },
    });
    expect(noAccount.body).toEqual({ resultCode: 'P007', resultMsg: '필수 파라미터 refundAccount가 없습니다.' });
    const refund = await call(sim, 'POST', `/v1/payments/${paid.tid}/cancel`, {
      body: {
        reason: 'r',
        orderId: 'v-4',
        cancelAmt: 5_000,
        refundAccount: '1234567890',
        refundBankCode: '004',
        refundHolder: '홍길동',
      },
    });
    expect(refund.body).toMatchObject({ resultCode: '0000', status: 'partialCancelled', balanceAmt: 15_000 });
  });

  it('answers U122 for an unknown tid and U106 for a cash-receipt tid', async () => {
    const sim = await startSim();
    expect(
      (
        await call(sim, 'POST', '/v1/payments/nictest00m01012611221200000000/cancel', {
          body: { reason: 'r', orderId: 'u-1' },
        })
      ).body.resultCode,
    ).toBe('U122');
    const receipt = await call(sim, 'POST', '/v1/receipt', {
      body: {
        orderId: newOrderId(),
        amount: 1_100,
        goodsName: 'g',
        receiptType: 'individual',
        receiptNo: '01012345678',
      },
    });
    const cancel = await call(sim, 'POST', `/v1/payments/${receipt.body.tid}/cancel`, {
      body: { reason: 'r', orderId: 'u-2' },
    });
    expect(cancel.body.resultCode).toBe('U106');
  });
});
