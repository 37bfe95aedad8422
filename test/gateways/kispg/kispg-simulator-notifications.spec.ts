import {
  approvalBody,
  approved,
  authForm,
  cancelBody,
  closeSimulatorsAfterEach,
  encData,
  KEY,
  kst,
  MID,
  orderBody,
  post,
  receiver,
  sha256,
  startSim,
} from './kispg-simulator.fixtures';

/** The KISPG simulator's notifications, fault injection and the test-MID auto-cancel. */
closeSimulatorsAfterEach();

describe('KispgSimulator notifications', () => {
  it('posts a form-encoded, correctly hashed approval notice and stops at the first 2xx', async () => {
    const merchant = await receiver((n) => (n < 2 ? 500 : 204));
    const ctx = await startSim({ notifyUrl: merchant.url });
    const { auth } = await approved(ctx, '50000');
    await ctx.sim.notificationsIdle();

    expect(merchant.received).toHaveLength(3);
    const notice = merchant.received[0];
    expect(notice.contentType).toMatch(/^application\/x-www-form-urlencoded/);
    expect(notice.body).toMatchObject({
      mid: MID,
      tid: auth.tid,
      ordNo: auth.ordNo,
      amt: '50000',
      payMethod: 'CARD',
      resultCd: '3001',
      resultMsg: '카드 결제 성공',
      cancelYN: 'N',
      goodsName: '테스트 상품',
    });
    expect(notice.body.hashStr).toBe(sha256(`${MID}${notice.body.ediDate}50000${KEY}`));
    expect(ctx.sim.notifications.map((d) => [d.attempt, d.status, d.resultCd])).toEqual([
      [0, 500, '3001'],
      [1, 500, '3001'],
      [2, 204, '3001'],
    ]);
  });

  it('gives up after the first try + 5 retries; JSON by option', async () => {
    const merchant = await receiver(() => 503);
    const ctx = await startSim({ notifyUrl: merchant.url, notifyFormat: 'json' });
    await approved(ctx, '1004');
    await ctx.sim.notificationsIdle();
    expect(merchant.received).toHaveLength(6);
    expect(merchant.received[0].contentType).toMatch(/^application\/json/);
    expect(ctx.sim.notifications.map((d) => d.attempt)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('notifies the deposit (4110), cancels (2001) and refunds (2211); nothing for the issue by default', async () => {
    const merchant = await receiver();
    const ctx = await startSim({ notifyUrl: merchant.url });
    const vacnt = await approved(ctx, '30000', 'VACNT');
    await ctx.sim.notificationsIdle();
    expect(merchant.received).toHaveLength(0);
    ctx.sim.deposit(vacnt.auth.tid);
    await post(
      ctx.sim,
      '/v2/cancel',
      cancelBody(ctx.clock, vacnt.auth.tid, '30000', '0', {
        payMethod: 'VACNT',
        refundBankCd: '088',
        refundAccnt: '110123456789',
        refundNm: '홍길동',
      }),
    );
    const card = await approved(ctx, '8000');
    await post(ctx.sim, '/v2/cancel', cancelBody(ctx.clock, card.auth.tid, '3000', '1'));
    await ctx.sim.notificationsIdle();

    const codes = merchant.received.map((r) => [r.body.tid, r.body.resultCd, r.body.cancelYN, r.body.canAmt]);
    expect(codes).toEqual(
      expect.arrayContaining([
        [vacnt.auth.tid, '4110', 'N', undefined],
        [vacnt.auth.tid, '2211', 'Y', '30000'],
        [card.auth.tid, '3001', 'N', undefined],
        [card.auth.tid, '2001', 'Y', '3000'],
      ]),
    );
    expect(merchant.received).toHaveLength(4);
    for (const { body } of merchant.received)
      expect(body.hashStr).toBe(sha256(`${MID}${body.ediDate}${body.amt}${KEY}`));
  });

  it('builds notification bodies on demand and can start without a URL', async () => {
    const ctx = await startSim();
    const { auth } = await approved(ctx, '1004');
    const body = ctx.sim.notificationFor(auth.tid);
    expect(body).toMatchObject({ tid: auth.tid, resultCd: '3001', amt: '1004' });
    expect(body.hashStr).toBe(sha256(`${MID}${body.ediDate}1004${KEY}`));
    expect(() => ctx.sim.notificationFor(auth.tid, 'cancel')).toThrow(/no cancel/);
    expect(ctx.sim.notifications).toHaveLength(0);
    const merchant = await receiver();
    ctx.sim.setNotifyUrl(merchant.url);
    await post(ctx.sim, '/v2/cancel', cancelBody(ctx.clock, auth.tid, '1004', '0'));
    await ctx.sim.notificationsIdle();
    expect(merchant.received.map((r) => r.body.resultCd)).toEqual(['2001']);
    expect(ctx.sim.notificationFor(auth.tid, 'cancel')).toMatchObject({
      resultCd: '2001',
      cancelYN: 'Y',
      canAmt: '1004',
    });
  });
});

// ---- faults, auto-cancel, housekeeping ----------------------------------------------------------------------------

describe('KispgSimulator faults', () => {
  it('drop-after-commit: the approval happened, only the answer is lost; /v2/order shows 승인', async () => {
    const ctx = await startSim();
    const auth = ctx.sim.authenticate(authForm(ctx.clock, { goodsAmt: '50000' }));
    ctx.sim.failNext({ method: 'POST', path: '/v2/payment' }, { kind: 'drop-after-commit' });
    await expect(post(ctx.sim, '/v2/payment', approvalBody(ctx.clock, auth.tid, '50000'))).rejects.toThrow();
    expect((await post(ctx.sim, '/v2/order', orderBody(ctx.clock, '50000', { tid: auth.tid }))).body.trxStatus).toBe(
      '승인',
    );
    expect((await post(ctx.sim, '/v2/payment', approvalBody(ctx.clock, auth.tid, '50000'))).body.resultCd).toBe('SIM6');
    expect(ctx.sim.requestsTo('POST', '/v2/payment').map((r) => r.status)).toEqual([0, 200]);
  });

  it('drop-before-commit: nothing happened; the tid is still only authenticated', async () => {
    const ctx = await startSim();
    const auth = ctx.sim.authenticate(authForm(ctx.clock));
    ctx.sim.failNext({ path: '/v2/payment' }, { kind: 'drop-before-commit' });
    await expect(post(ctx.sim, '/v2/payment', approvalBody(ctx.clock, auth.tid, '1004'))).rejects.toThrow();
    expect((await post(ctx.sim, '/v2/order', orderBody(ctx.clock, '1004', { tid: auth.tid }))).body.resultCd).toBe(
      'SIM5',
    );
    expect((await post(ctx.sim, '/v2/payment', approvalBody(ctx.clock, auth.tid, '1004'))).body.resultCd).toBe('3001');
  });

  it('hang-after-commit: the client times out, the approval stands', async () => {
    const ctx = await startSim();
    const auth = ctx.sim.authenticate(authForm(ctx.clock));
    ctx.sim.failNext({ path: '/v2/payment' }, { kind: 'hang-after-commit', ms: 30_000 });
    const hung = fetch(`${ctx.sim.url}/v2/payment`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(approvalBody(ctx.clock, auth.tid, '1004')),
      signal: AbortSignal.timeout(50),
    });
    await expect(hung).rejects.toThrow();
    expect(ctx.sim.getTransaction(auth.tid)).toMatchObject({ state: 'APPROVED' });
  });

  it('error, html-error-page and non-json answers, before or after commit', async () => {
    const ctx = await startSim();
    const auth = ctx.sim.authenticate(authForm(ctx.clock));
    ctx.sim.failNext({ path: '/v2/payment' }, { kind: 'error', resultCd: '9999', resultMsg: '시스템 점검' });
    expect((await post(ctx.sim, '/v2/payment', approvalBody(ctx.clock, auth.tid, '1004'))).body).toEqual({
      resultCd: '9999',
      resultMsg: '시스템 점검',
    });
    ctx.sim.failNext({ path: '/v2/payment' }, { kind: 'html-error-page' });
    const html = await post(ctx.sim, '/v2/payment', approvalBody(ctx.clock, auth.tid, '1004'));
    expect([html.status, html.contentType.startsWith('text/html')]).toEqual([502, true]);
    expect(ctx.sim.getTransaction(auth.tid)).toMatchObject({ state: 'AUTHENTICATED' });

    ctx.sim.failNext({ path: '/v2/payment' }, { kind: 'non-json', afterCommit: true });
    const garbled = await post(ctx.sim, '/v2/payment', approvalBody(ctx.clock, auth.tid, '1004'));
    expect(garbled.status).toBe(200);
    expect(() => JSON.parse(garbled.text)).toThrow();
    expect(ctx.sim.getTransaction(auth.tid)).toMatchObject({ state: 'APPROVED' });

    ctx.sim.failNext({ path: /^\/v2\/cancel/ }, { kind: 'latency', ms: 5 }, 2);
    ctx.sim.clearFaults();
    expect(
      (await post(ctx.sim, '/v2/cancelTrans.do', cancelBody(ctx.clock, auth.tid, '1004', '0'))).body.resultCd,
    ).toBe('2001');
  });

  it('altered-answer: applies the request, then answers its real JSON with fields replaced or removed', async () => {
    const ctx = await startSim();
    const auth = ctx.sim.authenticate(authForm(ctx.clock, { goodsAmt: '2000' }));
    ctx.sim.failNext({ path: '/v2/payment' }, { kind: 'altered-answer', fields: { resultCd: null, amt: '20000' } });
    const altered = await post(ctx.sim, '/v2/payment', approvalBody(ctx.clock, auth.tid, '2000'));
    expect(altered.status).toBe(200);
    expect(altered.body).not.toHaveProperty('resultCd');
    expect(altered.body).toMatchObject({ amt: '20000', tid: auth.tid, payMethod: 'CARD' });
    expect(ctx.sim.getTransaction(auth.tid)).toMatchObject({ state: 'APPROVED', amt: 2000 });
    expect(() => ctx.sim.failNext({ path: '/v2/cancel' }, { kind: 'altered-answer' } as never)).toThrow(RangeError);
  });

  it('answers unknown paths with a 404 page', async () => {
    const ctx = await startSim();
    const reply = await post(ctx.sim, '/v2/approve', {});
    expect(reply.status).toBe(404);
  });
});

describe('KispgSimulator test-MID auto-cancel at 23:30 KST', () => {
  const OTHER_MID = 'kis000001m';
  const OTHER_KEY = 'another-merchant-key';

  it("runAutoCancel cancels today's approved test-MID payments only", async () => {
    const ctx = await startSim({
      merchants: [
        { mid: MID, merchantKey: KEY, test: true },
        { mid: OTHER_MID, merchantKey: OTHER_KEY },
      ],
    });
    const yesterday = await approved(ctx, '1000');
    ctx.clock.advance(24 * 3_600_000);
    const today = await approved(ctx, '2000');
    await post(ctx.sim, '/v2/cancel', cancelBody(ctx.clock, today.auth.tid, '500', '1'));
    const unpaid = await approved(ctx, '3000', 'VACNT');
    const ediDate = kst(ctx.clock.now());
    const live = ctx.sim.authenticate(
      authForm(ctx.clock, {
        mid: OTHER_MID,
        goodsAmt: '4000',
        encData: encData(ediDate, '4000', OTHER_MID, OTHER_KEY),
      }),
    );
    await post(ctx.sim, '/v2/payment', {
      mid: OTHER_MID,
      tid: live.tid,
      goodsAmt: '4000',
      ediDate,
      encData: encData(ediDate, '4000', OTHER_MID, OTHER_KEY),
    });

    expect(ctx.sim.runAutoCancel()).toBe(1);
    expect(ctx.sim.getTransaction(today.auth.tid)).toMatchObject({ trxStatus: '취소', canceledAmt: 2000 });
    expect(ctx.sim.getTransaction(yesterday.auth.tid)).toMatchObject({ trxStatus: '승인' });
    expect(ctx.sim.getTransaction(unpaid.auth.tid)).toMatchObject({ trxStatus: '입금대기' });
    expect(ctx.sim.getTransaction(live.tid)).toMatchObject({ trxStatus: '승인' });
    expect(ctx.sim.runAutoCancel()).toBe(0);
  });

  it('with autoCancelTestMidsAt2330, the first request after 23:30 KST triggers it once', async () => {
    const ctx = await startSim({ autoCancelTestMidsAt2330: true });
    const paid = await approved(ctx, '1000');
    ctx.clock.set(new Date('2026-11-22T14:29:00Z')); // 23:29 KST
    await post(ctx.sim, '/v2/order', orderBody(ctx.clock, '1000', { tid: paid.auth.tid }));
    expect(ctx.sim.getTransaction(paid.auth.tid)).toMatchObject({ trxStatus: '승인' });
    ctx.clock.set(new Date('2026-11-22T14:31:00Z')); // 23:31 KST
    const after = await post(ctx.sim, '/v2/order', orderBody(ctx.clock, '1000', { tid: paid.auth.tid }));
    expect(after.body).toMatchObject({ trxStatus: '취소' });
  });

  it('reset forgets transactions, requests and notifications', async () => {
    const ctx = await startSim();
    const { auth } = await approved(ctx, '1000');
    ctx.sim.reset();
    expect(ctx.sim.getTransaction(auth.tid)).toBeUndefined();
    expect(ctx.sim.requests).toHaveLength(0);
  });
});
