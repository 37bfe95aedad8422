import { ManualClock } from 'nestjs-kr-payments/testing';
import {
  findOurCancel,
  KISPG_CLOCK_ALLOWANCE_MS,
  readCancelHistory,
  type ReadCancel,
} from '../../../libs/payments/src/gateways/kispg/kispg.cancel-data';
import { useKispgAdapter } from './kispg-adapter.fixtures';

/**
 * A KISPG cancel answer names no cancel transaction, so the adapter finds its own cancel in the /v2/order history:
 * the newest of that amount that is not older than the request (docs/gateways/kispg.md#which-history-entry-is-ours).
 */
const tid = 'kistest00m01012603021200000001';
/** yyyyMMddHHmmss KST of an instant. */
const kst = (at: Date) => new Date(at.getTime() + 9 * 3_600_000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
const sentAt = new Date('2026-03-02T03:00:00Z');
const entry = (amount: number, at: Date | null, canNo: string) =>
  at ? { canAmt: String(amount), canDtm: kst(at), canNo } : { canAmt: String(amount), canNo };
const history = (...entries: object[]): ReadCancel[] => readCancelHistory(entries, tid) ?? [];
const secondsAfter = (s: number) => new Date(sentAt.getTime() + s * 1000);

describe('findOurCancel: which history entry is ours', () => {
  it('the newest of the amount by time, whatever the order of the list', () => {
    const cancels = history(entry(500, secondsAfter(2), '2'), entry(500, secondsAfter(-40), '1'));
    expect(findOurCancel(cancels, 500, {}, sentAt)).toBe(cancels[0]);
    const inOrder = history(entry(500, secondsAfter(-40), '1'), entry(500, secondsAfter(2), '2'));
    expect(findOurCancel(inOrder, 500, {}, sentAt)).toBe(inOrder[1]);
  });

  it('an entry older than the request (beyond the clock allowance) is never ours: the history does not list it yet', () => {
    const old = new Date(sentAt.getTime() - KISPG_CLOCK_ALLOWANCE_MS - 1_000);
    expect(findOurCancel(history(entry(500, old, '1')), 500, {}, sentAt)).toBeUndefined();
    // KISPG's clock a little behind ours: still ours.
    const slightlyBehind = history(entry(500, secondsAfter(-30), '1'));
    expect(findOurCancel(slightlyBehind, 500, {}, sentAt)).toBe(slightlyBehind[0]);
  });

  it("an entry carrying the answer's appDtm / appNo is KISPG naming this cancel, even if a newer one of that amount follows", () => {
    const cancels = history(
      { canAmt: '500', canDtm: kst(secondsAfter(1)), appNo: '30001234' },
      { canAmt: '500', canDtm: kst(secondsAfter(5)), appNo: '30009999' },
    );
    expect(findOurCancel(cancels, 500, { appNo: '30001234' }, sentAt)).toBe(cancels[0]);
    expect(findOurCancel(cancels, 500, { appDtm: kst(secondsAfter(1)) }, sentAt)).toBe(cancels[0]);
    // An approval number every entry repeats names them all: the newest of them.
    const shared = history(
      { canAmt: '500', canDtm: kst(secondsAfter(-50)), appNo: '11112222' },
      { canAmt: '500', canDtm: kst(secondsAfter(1)), appNo: '11112222' },
    );
    expect(findOurCancel(shared, 500, { appNo: '11112222' }, sentAt)).toBe(shared[1]);
  });

  it('another amount is never ours; a history without times is read in order (the last of the amount)', () => {
    const cancels = history(entry(500, null, '1'), entry(500, null, '2'), entry(300, null, '3'));
    expect(findOurCancel(cancels, 500, {}, sentAt)).toBe(cancels[1]);
    expect(findOurCancel(cancels, 700, {}, sentAt)).toBeUndefined();
  });
});

describe('KISPG adapter: two cancels of one amount get two different history entries', () => {
  const manual = new ManualClock(new Date('2026-03-02T03:00:00Z'));
  /** KISPG's history listed newest first, without its sequence numbers: only amounts and times tell entries apart. */
  const newestFirst = (cancels: Array<{ canAmt: number; canDtm: string }>) =>
    JSON.stringify([...cancels].reverse().map((c) => ({ canAmt: String(c.canAmt), canDtm: c.canDtm })));
  const harness = useKispgAdapter({ clock: manual, simulator: { cancelDataSerializer: newestFirst } });

  it('each settles on its own entry, read back under the same key later', async () => {
    const { gateway } = harness;
    const { prepared, truth } = await harness.approved(10_000, 'CARD');
    const request = { prepared, paymentKey: truth.paymentKey, amount: 1_000, isFull: false, reason: '부분취소' };
    const first = await gateway.cancel({ ...request, cancelId: 'c1', balanceBefore: 10_000, idempotencyKey: 'c1' });
    manual.advance(65_000);
    // This answer names neither time nor approval number: only the history's times tell the two entries apart.
    harness.sim.failNext(
      { method: 'POST', path: '/v2/cancel' },
      { kind: 'altered-answer', fields: { appDtm: null, appNo: null } },
    );
    const second = await gateway.cancel({ ...request, cancelId: 'c2', balanceBefore: 9_000, idempotencyKey: 'c2' });

    expect(first.cancel.transactionKey).not.toBe(second.cancel.transactionKey);
    expect(second.payment).toMatchObject({ status: 'PARTIALLY_CANCELED', balanceAmount: 8_000 });
    const later = await gateway.getPayment({ paymentKey: truth.paymentKey, orderId: prepared.orderId, amount: 10_000 });
    const byKey = new Map(later.cancels.map((c) => [c.transactionKey, c.canceledAt?.getTime()]));
    expect(byKey.get(first.cancel.transactionKey)).toBe(new Date('2026-03-02T03:00:00Z').getTime());
    expect(byKey.get(second.cancel.transactionKey)).toBe(new Date('2026-03-02T03:01:05Z').getTime());
  });
});
