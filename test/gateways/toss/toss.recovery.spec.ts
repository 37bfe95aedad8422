import { CancelStatus, PaymentsError, PaymentStatus, type PaymentCancelView } from 'nestjs-kr-payments';
import type { TossFault, TossSimulator } from 'nestjs-kr-payments/testing';
import type { PayablePayment } from '../../support/gateway-contract';
import { URLS } from '../../support/harness';
import { describeRecoveryContract, type RecoveryContext } from '../../support/recovery-contract';
import {
  expectLedgerEqualsGateway,
  ORDER_NAME,
  paidPayment,
  repairPass,
  type RecoveryFaultKind,
} from '../../support/recovery-context';
import {
  cancelPath,
  CONFIRM_PATH,
  openTossWindow,
  orderIdOf,
  tossBasics,
  tossRecord,
  type TossReturn,
} from './toss.basics';

type TossContext = RecoveryContext<TossSimulator, TossReturn>;

/** POST /v1/billing/{billingKey} (a charge), not /v1/billing/authorizations/issue. */
const CHARGE_PATH = /^\/v1\/billing\/(?!authorizations)[^/]+$/;

/**
 * Toss against the recovery contract. Toss keeps no policy for lost answers (a payment stays UNKNOWN until read back)
 * and its simulator has every transport fault, late commit included (docs/gateways/toss.md#simulator).
 */
describeRecoveryContract<TossSimulator, TossReturn>(
  {
    ...tossBasics,
    faultKinds: ['drop-before-commit', 'drop-after-commit', 'hang-after-commit', 'late-commit'],
    armFault: (sim, kind, target, ms) => {
      const path =
        target.operation === 'approval'
          ? CONFIRM_PATH
          : target.operation === 'charge'
            ? CHARGE_PATH
            : cancelPath(target.gatewayKey);
      sim.failNext({ method: 'POST', path }, tossFault(kind, ms));
    },
    record: tossRecord,
    returnedWithKey: (_returned, paymentKey) => ({ paymentKey }),
    madeUpKey: ({ gatewayKey }) => `${gatewayKey.slice(0, -5)}QZ9X7`,
    billing: {
      issueBillingKey: async (sim, payments, customerKey) => {
        const { authKey } = sim.authenticateBilling({ customerKey });
        return payments.issueBillingKey({ gateway: 'toss', customerKey, authKey });
      },
      chargeRequests: (sim, orderId) =>
        sim.requestsTo('POST', CHARGE_PATH).filter((r) => orderIdOf(r) === orderId).length,
    },
    virtualAccount: {
      prepareFields: { ...URLS, method: 'VIRTUAL_ACCOUNT' },
      openPaymentWindow: (sim, prepared) =>
        openTossWindow(sim, prepared, { method: 'VIRTUAL_ACCOUNT', customerName: '김토스' }),
      deposit: (sim, paymentKey) => sim.deposit({ paymentKey }),
    },
  },
  tossOnlyCases,
);

function tossFault(kind: RecoveryFaultKind, ms: number): TossFault {
  if (kind === 'hang-after-commit' || kind === 'late-commit') return { kind, ms };
  return { kind };
}

/** Twenty concurrent partial cancels of 1,000 KRW, and virtual accounts past their due date. */
function tossOnlyCases(context: TossContext): void {
  concurrentPartialCancelCases(context);
  virtualAccountExpiryCases(context);
}

function concurrentPartialCancelCases(context: TossContext): void {
  const concurrentCancels = async (ready: PayablePayment<TossReturn>) => {
    const cancel = () =>
      context.shop.payments.cancel({ paymentId: ready.payment.id, amount: 1_000, reason: '부분취소' });
    const results = await Promise.allSettled(Array.from({ length: 20 }, cancel));
    const done = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    return { done, refused };
  };

  const expectTenOfTwenty = async (
    ready: PayablePayment<TossReturn>,
    done: PaymentCancelView[],
    refused: unknown[],
  ) => {
    expect(done.map((c) => [c.status, c.amount])).toEqual(Array.from({ length: 10 }, () => [CancelStatus.DONE, 1_000]));
    expect(context.spec.count.refundedAmount(context.sim, ready)).toBe(10_000);
    expect(context.spec.count.refundRequests(context.sim, ready)).toBe(10);
    const row = await expectLedgerEqualsGateway(context, ready.payment.id, ready.gatewayKey);
    expect(row).toMatchObject({ status: PaymentStatus.CANCELED, canceledAmount: 10_000, balanceAmount: 0 });
    expect(refused.every((error) => error instanceof PaymentsError)).toBe(true);
    const codes = refused.map((error) => (error as PaymentsError).code);
    expect(codes).toEqual(Array.from({ length: 10 }, () => 'CANCEL_AMOUNT_EXCEEDS_BALANCE'));
  };

  it('20 concurrent partial cancels of 1,000 on 10,000: exactly 10 succeed, 10 exceed the balance', async () => {
    const ready = await paidPayment(context, 10_000);
    const { done, refused } = await concurrentCancels(ready);
    await expectTenOfTwenty(ready, done, refused);
  });

  it('the same 20 concurrent partial cancels with the latency fault on every cancel: exactly 10 succeed', async () => {
    const ready = await paidPayment(context, 10_000);
    context.sim.failNext({ method: 'POST', path: cancelPath(ready.gatewayKey) }, { kind: 'latency', ms: 150 }, 20);
    const { done, refused } = await concurrentCancels(ready);
    context.sim.clearFaults();
    await expectTenOfTwenty(ready, done, refused);
  });
}

function virtualAccountExpiryCases(context: TossContext): void {
  /** A window-issued virtual account, WAITING_FOR_DEPOSIT, due in an hour. */
  const waitingVirtualAccount = async () => {
    const { shop, sim } = context;
    const orderId = context.nextId('rcvx');
    const amount = 17_000;
    await shop.payments.prepare({
      ...URLS,
      gateway: 'toss',
      orderId,
      amount,
      orderName: ORDER_NAME,
      method: 'VIRTUAL_ACCOUNT',
    });
    const { paymentKey } = sim.authenticatePayment({
      orderId,
      amount,
      orderName: ORDER_NAME,
      method: 'VIRTUAL_ACCOUNT',
      customerName: '김토스',
      validHours: 1,
    });
    const issued = await shop.payments.confirm({ gateway: 'toss', orderId, amount, paymentKey });
    expect(issued).toMatchObject({
      status: PaymentStatus.WAITING_FOR_DEPOSIT,
      virtualAccountDueDate: expect.any(Date),
    });
    return { issued, paymentKey };
  };

  it('a virtual account past its due date ends EXPIRED via sync', async () => {
    const { issued, paymentKey } = await waitingVirtualAccount();
    context.sim.expireVirtualAccount({ paymentKey });
    expect(await context.shop.payments.sync(issued.id)).toMatchObject({ status: PaymentStatus.EXPIRED });
    expect(await context.shop.payments.get(issued.id)).toMatchObject({
      status: PaymentStatus.EXPIRED,
      canceledAmount: 0,
    });
  });

  it('a virtual account past its due date ends EXPIRED via the repair job (and not before its due date)', async () => {
    const { issued, paymentKey } = await waitingVirtualAccount();
    expect(await repairPass(context, issued.id)).toEqual([]);
    context.sim.expireVirtualAccount({ paymentKey });
    const dueInMs = (issued.virtualAccountDueDate as Date).getTime() - context.clock.now().getTime();
    context.clock.advance(dueInMs + 60_000);
    expect(await repairPass(context, issued.id)).toEqual([
      { paymentId: issued.id, rule: 'deposit', status: PaymentStatus.EXPIRED },
    ]);
    expect(await context.shop.payments.get(issued.id)).toMatchObject({ status: PaymentStatus.EXPIRED });
    expect(await repairPass(context, issued.id)).toEqual([]);
  });
}
