import { PaymentStatus } from 'nestjs-kr-payments';
import { customer, useKispgShop } from '../gateways/kispg/kispg-shop.fixtures';
import { inboxOf, moneyStateOf, repost } from './forgery.fixtures';

/**
 * Genuine KISPG notifications re-posted with fields changed (docs/gateways/kispg.md#webhook-trust-rules). The hash is
 * sha256(mid + ediDate + amt + merchantKey): the amount is covered (changing it is a 401), the result code, the cancel
 * flag, the cancelled amount and the order number are not. Every notification is read back with `/v2/order` and the
 * payment stays at what KISPG says; a read-back about another order is stored REJECTED and answered 400 (KISPG then
 * retries). Genuine notifications that follow still apply.
 */
describe('forged KISPG notifications', () => {
  const harness = useKispgShop();
  const queriesOf = (tid: string) =>
    harness.sim.requestsTo('POST', '/v2/order').filter((r) => (r.body as { tid?: string }).tid === tid).length;
  const kstNow = () => new Date(Date.now() + 9 * 3_600_000).toISOString().replace(/[-:T]/g, '').slice(0, 14);

  it('an account-issued notice re-posted as a deposit changes nothing; the real deposit still applies', async () => {
    const { shop, sim } = harness;
    const { orderId, returned } = await harness.windowReturn(300_000, 'VIRTUAL_ACCOUNT');
    const issued = await shop.payments.confirmReturn('kispg', returned);
    const before = await moneyStateOf(shop, issued.id);
    expect(before.status).toBe(PaymentStatus.WAITING_FOR_DEPOSIT);
    const notice = sim.notificationFor(returned.tid, 'approval');
    expect(notice.resultCd).toBe('4100');
    const queries = queriesOf(returned.tid);

    const forged = await repost(shop, 'kispg', { ...notice, resultCd: '4110', resultMsg: '입금 통보' }, 'form');
    expect([forged.status, await forged.text()]).toEqual([200, 'OK']);
    expect(queriesOf(returned.tid)).toBe(queries + 1);
    expect(await moneyStateOf(shop, issued.id)).toEqual(before);

    sim.deposit(returned.tid);
    await sim.notificationsIdle();
    expect(await moneyStateOf(shop, issued.id)).toMatchObject({ status: PaymentStatus.PAID, balanceAmount: 300_000 });
    expect((await inboxOf(shop, 'kispg', orderId)).every(([, status]) => status === 'PROCESSED')).toBe(true);
  });

  it('an approval re-posted as a cancel changes nothing; the real refund goes through', async () => {
    const { shop, sim } = harness;
    const { payment, returned } = await harness.paid(50_000);
    await sim.notificationsIdle();
    const before = await moneyStateOf(shop, payment.id);
    const approval = sim.notificationFor(returned.tid, 'approval');
    const forged = await repost(
      shop,
      'kispg',
      { ...approval, resultCd: '2001', resultMsg: '취소 성공', cancelYN: 'Y', canAmt: '50000', ccDnt: kstNow() },
      'form',
    );
    expect(forged.status).toBe(200);
    expect(await moneyStateOf(shop, payment.id)).toEqual(before);

    const refund = await shop.payments.cancel({ paymentId: payment.id, amount: 50_000, reason: '고객 요청' });
    expect(refund.status).toBe('DONE');
    expect(await moneyStateOf(shop, payment.id)).toMatchObject({
      status: PaymentStatus.CANCELED,
      canceledAmount: 50_000,
    });
  });

  it('a changed amount is refused; another order number changes nothing, whichever payment it names', async () => {
    const { shop, sim } = harness;
    const target = await harness.paid(20_000);
    const other = await harness.paid(30_000);
    const { payment: unpaid } = await shop.payments.prepare({
      gateway: 'kispg',
      amount: 20_000,
      orderName: '미결제',
      method: 'CARD',
      customer,
      returnUrl: 'https://shop.example/kispg/return',
    });
    await sim.notificationsIdle();
    const ids = [target.payment.id, other.payment.id, unpaid.id];
    const states = () => Promise.all(ids.map((id) => moneyStateOf(shop, id)));
    const before = await states();
    const approval = sim.notificationFor(target.returned.tid, 'approval');

    const answers: number[] = [];
    for (const change of [
      { amt: '2000000' },
      { ordNo: other.orderId },
      { ordNo: unpaid.orderId },
      { ordNo: 'kispg_no_such_order' },
    ]) {
      answers.push((await repost(shop, 'kispg', { ...approval, ...change }, 'form')).status);
    }
    expect(answers).toEqual([401, 200, 400, 200]);
    expect(await states()).toEqual(before);
    expect(await inboxOf(shop, 'kispg', unpaid.orderId)).toEqual([['read-back', 'REJECTED']]);
    expect(await inboxOf(shop, 'kispg', 'kispg_no_such_order')).toEqual([['read-back', 'PROCESSED']]);
  });
});
