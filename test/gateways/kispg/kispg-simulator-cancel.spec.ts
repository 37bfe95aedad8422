import {
  allStrings,
  approved,
  authForm,
  cancelBody,
  closeSimulatorsAfterEach,
  encData,
  kst,
  orderBody,
  post,
  startSim,
} from './kispg-simulator.fixtures';

/** The KISPG simulator's cancels (both paths) and /v2/order queries over HTTP. */
closeSimulatorsAfterEach();

describe('KispgSimulator /v2/cancel and /v2/cancelTrans.do', () => {
  it('cancels partially (2001, stays 승인) on /v2/cancel and the rest on /v2/cancelTrans.do (취소)', async () => {
    const ctx = await startSim();
    const { auth } = await approved(ctx, '50000');
    const first = await post(ctx.sim, '/v2/cancel', cancelBody(ctx.clock, auth.tid, '10000', '1'));
    expect(first.body).toEqual({
      resultCd: '2001',
      resultMsg: '취소 성공',
      payMethod: 'CARD',
      tid: auth.tid,
      appDtm: '20261122120000',
      appNo: expect.stringMatching(/^\d{8}$/),
      ordNo: auth.ordNo,
      amt: '10000',
      cancelYN: 'Y',
      mbsReserved: 'cart=42',
    });
    expect(ctx.sim.getTransaction(auth.tid)).toMatchObject({
      trxStatus: '승인',
      balanceAmt: 40000,
      canceledAmt: 10000,
    });

    const over = await post(ctx.sim, '/v2/cancel', cancelBody(ctx.clock, auth.tid, '40001', '1'));
    expect(over.body).toEqual({ resultCd: 'SIM7', resultMsg: '취소 가능 금액 초과' });
    const fullButShort = await post(ctx.sim, '/v2/cancel', cancelBody(ctx.clock, auth.tid, '30000', '0'));
    expect(fullButShort.body.resultCd).toBe('SIM4');

    const rest = await post(
      ctx.sim,
      '/v2/cancelTrans.do',
      cancelBody(ctx.clock, auth.tid, '40000', '0', { payMethod: 'card' }),
    );
    expect(rest.body).toMatchObject({ resultCd: '2001', amt: '40000' });
    expect(ctx.sim.getTransaction(auth.tid)).toMatchObject({ state: 'CANCELED', trxStatus: '취소', balanceAmt: 0 });
    const afterAll = await post(ctx.sim, '/v2/cancel', cancelBody(ctx.clock, auth.tid, '1', '1'));
    expect(afterAll.body.resultCd).toBe('SIM7');
  });

  it('hashes canAmt, not goodsAmt (SIM2), and refuses unknown or unapproved tids (SIM5)', async () => {
    const ctx = await startSim();
    const { auth } = await approved(ctx, '1004');
    const ediDate = kst(ctx.clock.now());
    const goodsAmtHash = await post(
      ctx.sim,
      '/v2/cancel',
      cancelBody(ctx.clock, auth.tid, '500', '1', { encData: encData(ediDate, '1004') }),
    );
    expect(goodsAmtHash.body.resultCd).toBe('SIM2');
    const onlyAuthenticated = ctx.sim.authenticate(authForm(ctx.clock));
    expect(
      (await post(ctx.sim, '/v2/cancel', cancelBody(ctx.clock, onlyAuthenticated.tid, '1004', '0'))).body.resultCd,
    ).toBe('SIM5');
    expect(
      (await post(ctx.sim, '/v2/cancel', cancelBody(ctx.clock, auth.tid, '1004', '0', { payMethod: 'BANK' }))).body
        .resultCd,
    ).toBe('SIM10');
    expect(ctx.sim.getTransaction(auth.tid)).toMatchObject({ canceledAmt: 0 });
  });

  it('refuses partial cancel of a cup-deposit order (SIM8) but cancels it in full', async () => {
    const ctx = await startSim();
    const { auth } = await approved(ctx, '6000', 'CARD', { cupDepositAmt: '1000' });
    expect((await post(ctx.sim, '/v2/cancel', cancelBody(ctx.clock, auth.tid, '1000', '1'))).body).toEqual({
      resultCd: 'SIM8',
      resultMsg: '부분취소 불가 거래',
    });
    expect((await post(ctx.sim, '/v2/cancel', cancelBody(ctx.clock, auth.tid, '6000', '0'))).body.resultCd).toBe(
      '2001',
    );
  });

  it('virtual accounts: closes an unpaid one whole (2001), refunds a paid one only to a named account (2211)', async () => {
    const ctx = await startSim();
    const unpaid = await approved(ctx, '3000', 'VACNT');
    expect(
      (await post(ctx.sim, '/v2/cancel', cancelBody(ctx.clock, unpaid.auth.tid, '1000', '1', { payMethod: 'VACNT' })))
        .body.resultCd,
    ).toBe('SIM8');
    expect(
      (await post(ctx.sim, '/v2/cancel', cancelBody(ctx.clock, unpaid.auth.tid, '3000', '0', { payMethod: 'vacnt' })))
        .body.resultCd,
    ).toBe('2001');
    expect(ctx.sim.getTransaction(unpaid.auth.tid)).toMatchObject({ trxStatus: '취소' });

    const paid = await approved(ctx, '30000', 'VACNT');
    ctx.sim.deposit(paid.auth.tid);
    const noAccount = await post(
      ctx.sim,
      '/v2/cancel',
      cancelBody(ctx.clock, paid.auth.tid, '10000', '1', { payMethod: 'VACNT' }),
    );
    expect(noAccount.body.resultCd).toBe('SIM10');
    const refund = await post(
      ctx.sim,
      '/v2/cancel',
      cancelBody(ctx.clock, paid.auth.tid, '10000', '1', {
        payMethod: 'VACNT',
        refundBankCd: '004',
        refundAccnt: '123456789',
        refundNm: '임꺽정',
      }),
    );
    expect(refund.body).toMatchObject({ resultCd: '2211', resultMsg: '환불 성공', amt: '10000' });
    expect(ctx.sim.getTransaction(paid.auth.tid)).toMatchObject({
      trxStatus: '승인',
      balanceAmt: 20000,
      cancels: [
        expect.objectContaining({
          canAmt: 10000,
          refundAccount: { bankCode: '004', accountNumber: '123456789', holderName: '임꺽정' },
        }),
      ],
    });
  });
});

// ---- /v2/order --------------------------------------------------------------------------------------------------

describe('KispgSimulator /v2/order', () => {
  it('reports trxStatus 승인 / 입금대기 / 취소, by tid or ordNo, tid winning', async () => {
    const ctx = await startSim();
    const card = await approved(ctx, '50000');
    const vacnt = await approved(ctx, '30000', 'VACNT');

    const byTid = await post(ctx.sim, '/v2/order', orderBody(ctx.clock, '50000', { tid: card.auth.tid }));
    expect(allStrings(byTid.body)).toBe(true);
    expect(byTid.body).toMatchObject({
      resultCd: '0000',
      tid: card.auth.tid,
      amt: '50000',
      payMethod: 'CARD',
      trxStatus: '승인',
      cancelYN: 'N',
    });
    expect(byTid.body.cancelData).toBeUndefined();

    const byOrdNo = await post(ctx.sim, '/v2/order', orderBody(ctx.clock, '30000', { ordNo: vacnt.auth.ordNo }));
    expect(byOrdNo.body).toMatchObject({
      tid: vacnt.auth.tid,
      trxStatus: '입금대기',
      vacntNo: vacnt.approval.vacntNo,
      lmtDay: vacnt.approval.lmtDay,
    });
    ctx.sim.deposit(vacnt.auth.tid);
    expect(
      (await post(ctx.sim, '/v2/order', orderBody(ctx.clock, '30000', { tid: vacnt.auth.tid }))).body.trxStatus,
    ).toBe('승인');

    // Both sent: the tid lookup wins (and the ordNo of the other payment is ignored).
    const both = await post(
      ctx.sim,
      '/v2/order',
      orderBody(ctx.clock, '50000', { tid: card.auth.tid, ordNo: vacnt.auth.ordNo }),
    );
    expect(both.body.tid).toBe(card.auth.tid);

    await post(ctx.sim, '/v2/cancel', cancelBody(ctx.clock, card.auth.tid, '50000', '0'));
    expect(
      (await post(ctx.sim, '/v2/order', orderBody(ctx.clock, '50000', { tid: card.auth.tid }))).body,
    ).toMatchObject({ trxStatus: '취소', cancelYN: 'Y' });
  });

  it('renders cancelData through the serializer (default: simulator-invented JSON string)', async () => {
    const ctx = await startSim();
    const { auth } = await approved(ctx, '50000');
    await post(ctx.sim, '/v2/cancel', cancelBody(ctx.clock, auth.tid, '500', '1'));
    ctx.clock.advance(60_000);
    await post(ctx.sim, '/v2/cancel', cancelBody(ctx.clock, auth.tid, '700', '1'));
    const query = await post(ctx.sim, '/v2/order', orderBody(ctx.clock, '50000', { tid: auth.tid }));
    expect(query.body.trxStatus).toBe('승인');
    expect(query.body.cancelData).toBe(
      '[{"canAmt":"500","canDtm":"20261122120000","canNo":"1"},{"canAmt":"700","canDtm":"20261122120100","canNo":"2"}]',
    );

    const custom = await startSim({
      cancelDataSerializer: (cancels) => cancels.map((c) => `${c.canNo}:${c.canAmt}`).join('|'),
    });
    const other = await approved(custom, '9000');
    await post(custom.sim, '/v2/cancel', cancelBody(custom.clock, other.auth.tid, '1000', '1'));
    expect(
      (await post(custom.sim, '/v2/order', orderBody(custom.clock, '9000', { tid: other.auth.tid }))).body.cancelData,
    ).toBe('1:1000');
  });

  it('refuses a wrong goodsAmt (SIM4), a bad hash (SIM2), an unapproved tid (SIM5) and no lookup key (SIM10)', async () => {
    const ctx = await startSim();
    const { auth } = await approved(ctx, '50000');
    expect((await post(ctx.sim, '/v2/order', orderBody(ctx.clock, '5000', { tid: auth.tid }))).body.resultCd).toBe(
      'SIM4',
    );
    expect(
      (await post(ctx.sim, '/v2/order', { ...orderBody(ctx.clock, '50000', { tid: auth.tid }), goodsAmt: '5000' })).body
        .resultCd,
    ).toBe('SIM2');
    const onlyAuthenticated = ctx.sim.authenticate(authForm(ctx.clock));
    expect(
      (await post(ctx.sim, '/v2/order', orderBody(ctx.clock, '1004', { tid: onlyAuthenticated.tid }))).body.resultCd,
    ).toBe('SIM5');
    expect((await post(ctx.sim, '/v2/order', orderBody(ctx.clock, '1004', {}))).body.resultCd).toBe('SIM10');
  });
});

// ---- notifications ----------------------------------------------------------------------------------------------
