import {
  allStrings,
  approvalBody,
  approved,
  authForm,
  closeSimulatorsAfterEach,
  encData,
  kst,
  MID,
  newOrdNo,
  post,
  START,
  startSim,
} from './kispg-simulator.fixtures';

/** The KISPG simulator's /v2/auth window and /v2/payment approvals over HTTP. */
closeSimulatorsAfterEach();

describe('KispgSimulator /v2/auth', () => {
  it('returns exactly the returnUrl fields, with a 30-character tid and a verifiable encData', async () => {
    const ctx = await startSim();
    const form = authForm(ctx.clock);
    const result = ctx.sim.authenticate(form);

    expect(Object.keys(result).sort()).toEqual(
      ['amt', 'ediDate', 'encData', 'mbsReserved', 'ordNo', 'payMethod', 'resultCd', 'resultMsg', 'tid'].sort(),
    );
    expect(allStrings(result)).toBe(true);
    expect(result).toMatchObject({
      resultCd: '0000',
      payMethod: 'CARD',
      ordNo: form.ordNo,
      amt: '1004',
      mbsReserved: 'cart=42',
    });
    expect(result.ediDate).toBe('20261122120000');
    expect(result.encData).toBe(encData(result.ediDate, '1004'));
    // mid(10) + 0101 + yyMMddHHmmss (KST) + 4-digit sequence = 30 characters.
    expect(result.tid).toMatch(/^kistest00m0101261122120000\d{4}$/);
    expect(result.tid).toHaveLength(30);
    expect(ctx.sim.getTransaction(result.tid)).toMatchObject({ state: 'AUTHENTICATED', amt: 1004, ordNo: form.ordNo });
    expect(ctx.sim.requestsTo('POST', '/v2/auth')[0].body).toEqual(form);
  });

  it('refuses an unknown mid (SIM1), a wrong encData (SIM2) and an amount not hashed as sent (SIM2)', async () => {
    const ctx = await startSim();
    const ediDate = kst(ctx.clock.now());
    expect(ctx.sim.authenticate(authForm(ctx.clock, { mid: 'kis000001m' }))).toEqual({
      resultCd: 'SIM1',
      resultMsg: '가맹점 정보 없음',
    });
    expect(ctx.sim.authenticate(authForm(ctx.clock, { encData: encData(ediDate, '1005') }))).toEqual({
      resultCd: 'SIM2',
      resultMsg: '해쉬값 불일치',
    });
    // Wrong key: the hash is right in form, wrong in secret.
    expect(
      ctx.sim.authenticate(authForm(ctx.clock, { encData: encData(ediDate, '1004', MID, 'another-key') })).resultCd,
    ).toBe('SIM2');
  });

  it('accepts an ediDate 9 minutes old, refuses 11 minutes old or 2 minutes ahead (SIM3)', async () => {
    const ctx = await startSim();
    const at = (offsetMs: number) => kst(new Date(ctx.clock.now().getTime() + offsetMs));
    expect(ctx.sim.authenticate(authForm(ctx.clock, { ediDate: at(-9 * 60_000) })).resultCd).toBe('0000');
    expect(ctx.sim.authenticate(authForm(ctx.clock, { ediDate: at(-11 * 60_000) }))).toEqual({
      resultCd: 'SIM3',
      resultMsg: '전문요청일시 오류',
    });
    expect(ctx.sim.authenticate(authForm(ctx.clock, { ediDate: at(2 * 60_000) })).resultCd).toBe('SIM3');
    expect(ctx.sim.authenticate(authForm(ctx.clock, { ediDate: '20261130250000' })).resultCd).toBe('SIM3');
    // The window is configurable.
    const wide = await startSim({ ediDatePastMs: 20 * 60_000 });
    expect(
      wide.sim.authenticate(authForm(wide.clock, { ediDate: kst(new Date(START.getTime() - 11 * 60_000)) })).resultCd,
    ).toBe('0000');
  });

  it('counts byte limits in UTF-8 bytes (goodsNm 100 bytes: 33 한글 fit, 34 do not), 2 bytes per 한글 for EUC-KR', async () => {
    const ctx = await startSim();
    expect(ctx.sim.authenticate(authForm(ctx.clock, { goodsNm: '가'.repeat(33) + 'a' })).resultCd).toBe('0000'); // 100 bytes
    expect(ctx.sim.authenticate(authForm(ctx.clock, { goodsNm: '가'.repeat(34) }))).toEqual({
      resultCd: 'SIM10',
      resultMsg: '요청 항목 오류',
    });
    expect(ctx.sim.authenticate(authForm(ctx.clock, { goodsNm: '가'.repeat(50), charset: 'EUC-KR' })).resultCd).toBe(
      '0000',
    );
    expect(ctx.sim.authenticate(authForm(ctx.clock, { goodsNm: '가'.repeat(51), charset: 'EUC-KR' })).resultCd).toBe(
      'SIM10',
    );
    expect(ctx.sim.authenticate(authForm(ctx.clock, { ordNm: '가'.repeat(11) })).resultCd).toBe('SIM10'); // 33 > 30 bytes
    expect(ctx.sim.authenticate(authForm(ctx.clock, { ordNo: 'x'.repeat(41) })).resultCd).toBe('SIM10');
  });

  it('refuses missing required fields and malformed amounts (SIM10)', async () => {
    const ctx = await startSim();
    const withoutTel = authForm(ctx.clock);
    delete withoutTel.ordTel;
    expect(ctx.sim.authenticate(withoutTel).resultCd).toBe('SIM10');
    const ediDate = kst(ctx.clock.now());
    expect(
      ctx.sim.authenticate(authForm(ctx.clock, { goodsAmt: '1004.0', encData: encData(ediDate, '1004.0') })).resultCd,
    ).toBe('SIM10');
    expect(ctx.sim.authenticate(authForm(ctx.clock, { model: '1' })).resultCd).toBe('SIM10');
    expect(ctx.sim.authenticate(authForm(ctx.clock, { currencyType: 'USD' })).resultCd).toBe('SIM10');
  });

  it('refuses a second auth for the same ordNo (SIM9); a declined window returns only resultCd/resultMsg', async () => {
    const ctx = await startSim();
    const form = authForm(ctx.clock);
    expect(ctx.sim.authenticate(form).resultCd).toBe('0000');
    expect(ctx.sim.authenticate(form)).toEqual({ resultCd: 'SIM9', resultMsg: '중복된 주문번호' });
    expect(ctx.sim.authenticate(authForm(ctx.clock), { outcome: 'failure' })).toEqual({
      resultCd: 'SIM11',
      resultMsg: '사용자 결제 취소',
    });
  });

  it('lets the buyer choose the method when the form leaves payMethod empty; honours configured failure codes', async () => {
    const ctx = await startSim({ failureCodes: { duplicateOrder: 'X009' } });
    const result = ctx.sim.authenticate(authForm(ctx.clock, { payMethod: '' }), { payMethod: 'VACNT' });
    expect(result.payMethod).toBe('VACNT');
    expect(result.tid.slice(10, 14)).toBe('0301');
    expect(() => ctx.sim.authenticate(authForm(ctx.clock, { payMethod: 'card' }), { payMethod: 'BANK' })).toThrow(
      /fixes payMethod CARD/,
    );
    const form = authForm(ctx.clock);
    ctx.sim.authenticate(form);
    expect(ctx.sim.authenticate(form).resultCd).toBe('X009');
  });

  it('serves the form post over HTTP: an auto-submitting page that posts the result to returnUrl', async () => {
    const ctx = await startSim();
    const form = authForm(ctx.clock);
    const reply = await post(
      ctx.sim,
      '/v2/auth',
      new URLSearchParams(form).toString(),
      'application/x-www-form-urlencoded',
    );
    expect(reply.status).toBe(200);
    expect(reply.contentType).toMatch(/^text\/html/);
    expect(reply.text).toContain('action="https://shop.example.com/checkout/kispg/return"');
    expect(reply.text).toContain('name="resultCd" value="0000"');
    const tid = /name="tid" value="([^"]+)"/.exec(reply.text)?.[1];
    expect(tid).toMatch(/^kistest00m0101\d{16}$/);
    expect(ctx.sim.getTransaction(tid!)).toMatchObject({ state: 'AUTHENTICATED', ordNo: form.ordNo });
    expect(ctx.sim.requestsTo('POST', '/v2/auth')[0].body).toEqual(form);

    const failed = await post(
      ctx.sim,
      '/v2/auth',
      new URLSearchParams({ ...form, ordNo: newOrdNo(), mid: 'nobody0000' }).toString(),
      'application/x-www-form-urlencoded',
    );
    expect(failed.text).toContain('name="resultCd" value="SIM1"');
    expect(failed.text).not.toContain('name="tid"');
  });
});

// ---- /v2/payment ------------------------------------------------------------------------------------------------

describe('KispgSimulator /v2/payment', () => {
  it('approves a card once with 3001 and string values only', async () => {
    const ctx = await startSim();
    const { auth, approval } = await approved(ctx, '50000');
    expect(allStrings(approval)).toBe(true);
    expect(approval).toMatchObject({
      resultCd: '3001',
      resultMsg: '카드 결제 성공',
      payMethod: 'CARD',
      tid: auth.tid,
      ordNo: auth.ordNo,
      amt: '50000',
      goodsName: '테스트 상품',
      cancelYN: 'N',
      appDtm: '20261122120000',
      quota: '00',
      cardNo: '12345678****1234',
      mbsReserved: 'cart=42',
    });
    expect(approval.appNo).toMatch(/^\d{8}$/);
    expect(ctx.sim.getTransaction(auth.tid)).toMatchObject({ state: 'APPROVED', trxStatus: '승인', balanceAmt: 50000 });

    const again = await post(ctx.sim, '/v2/payment', approvalBody(ctx.clock, auth.tid, '50000'));
    expect(again.body).toEqual({ resultCd: 'SIM6', resultMsg: '이미 승인된 거래' });
    expect(ctx.sim.requestsTo('POST', '/v2/payment')).toHaveLength(2);
  });

  it('answers BANK with 4000 and VACNT with 4100, a vacntNo and a lmtDay', async () => {
    const ctx = await startSim();
    expect((await approved(ctx, '2000', 'BANK')).approval).toMatchObject({
      resultCd: '4000',
      payMethod: 'BANK',
      vacntNo: '',
    });
    const { auth, approval } = await approved(ctx, '3000', 'VACNT');
    expect(approval).toMatchObject({ resultCd: '4100', payMethod: 'VACNT', amt: '3000', lmtDay: '20261129' });
    expect(approval.vacntNo).toMatch(/^\d{14}$/);
    expect(ctx.sim.getTransaction(auth.tid)).toMatchObject({ state: 'WAITING_DEPOSIT', trxStatus: '입금대기' });
  });

  it('refuses an amount other than the authenticated one (SIM4) and an unknown tid (SIM5)', async () => {
    const ctx = await startSim();
    const auth = ctx.sim.authenticate(authForm(ctx.clock, { goodsAmt: '12000' }));
    expect((await post(ctx.sim, '/v2/payment', approvalBody(ctx.clock, auth.tid, '1200'))).body).toEqual({
      resultCd: 'SIM4',
      resultMsg: '금액 불일치',
    });
    expect(
      (await post(ctx.sim, '/v2/payment', approvalBody(ctx.clock, `${MID}01012611221200009999`, '12000'))).body
        .resultCd,
    ).toBe('SIM5');
    expect(ctx.sim.getTransaction(auth.tid)).toMatchObject({ state: 'AUTHENTICATED' });
  });

  it('needs a fresh ediDate and a hash over goodsAmt (SIM3, SIM2), and mid first (SIM1)', async () => {
    const ctx = await startSim();
    const auth = ctx.sim.authenticate(authForm(ctx.clock, { goodsAmt: '12000' }));
    ctx.clock.advance(11 * 60_000);
    // The auth result's ediDate is now 11 minutes old: approval must generate a new one.
    const stale = await post(
      ctx.sim,
      '/v2/payment',
      approvalBody(ctx.clock, auth.tid, '12000', { ediDate: auth.ediDate, encData: auth.encData }),
    );
    expect(stale.body).toEqual({ resultCd: 'SIM3', resultMsg: '전문요청일시 오류' });
    const ediDate = kst(ctx.clock.now());
    const badHash = await post(
      ctx.sim,
      '/v2/payment',
      approvalBody(ctx.clock, auth.tid, '12000', { encData: encData(ediDate, '1200') }),
    );
    expect(badHash.body.resultCd).toBe('SIM2');
    const badMid = await post(
      ctx.sim,
      '/v2/payment',
      approvalBody(ctx.clock, auth.tid, '12000', { mid: 'unknown000' }),
    );
    expect(badMid.body.resultCd).toBe('SIM1');
    expect((await post(ctx.sim, '/v2/payment', approvalBody(ctx.clock, auth.tid, '12000'))).body.resultCd).toBe('3001');
  });

  it('takes JSON with string values only (SIM10 for numbers or a form body)', async () => {
    const ctx = await startSim();
    const auth = ctx.sim.authenticate(authForm(ctx.clock));
    const numeric = await post(ctx.sim, '/v2/payment', {
      ...approvalBody(ctx.clock, auth.tid, '1004'),
      goodsAmt: 1004,
    });
    expect(numeric.body).toEqual({ resultCd: 'SIM10', resultMsg: '요청 항목 오류' });
    const form = await post(
      ctx.sim,
      '/v2/payment',
      new URLSearchParams(approvalBody(ctx.clock, auth.tid, '1004')).toString(),
      'application/x-www-form-urlencoded',
    );
    expect(form.body.resultCd).toBe('SIM10');
    expect(form.contentType).toMatch(/^application\/json/);
    expect(ctx.sim.getTransaction(auth.tid)).toMatchObject({ state: 'AUTHENTICATED' });
  });
});

// ---- /v2/cancel -------------------------------------------------------------------------------------------------
