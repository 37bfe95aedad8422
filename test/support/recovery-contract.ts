import { Payment, PaymentStatus, type GatewayPaymentTruth } from 'nestjs-kr-payments';
import { OffsetClock } from 'nestjs-kr-payments/testing';
import { toLookup } from '../../libs/payments/src/payments/payment-rows';
import { bootPaymentsApp, TEST_ENCRYPTION } from './harness';
import { confirmRecoveryCases } from './recovery-approval-cases';
import { billingRecoveryCases } from './recovery-billing-cases';
import { cancelRecoveryCases } from './recovery-cancel-cases';
import {
  adapterOf,
  advancePastBound,
  CANCEL_REASON,
  errorOf,
  expectLedgerEqualsGateway,
  ledgerOf,
  ORDER_NAME,
  paidPayment,
  rowOf,
  type RecoveryContext,
  type RecoveryContractSpec,
} from './recovery-context';

export type { RecoveryContext, RecoveryContractSpec } from './recovery-context';

/** Cases that need a longer budget than jest's default: faults that answer late, and two repair passes. */
const CASE_TIMEOUT_MS = 60_000;

/**
 * The recovery contract every gateway passes: a crash injected at each step of confirm, billing charge and cancel,
 * then the repair job (`PaymentsService.syncStuckPayments`) after the library's clock moved past the gateway's stuck
 * bound. Each case asserts the ledger equals the simulator's own record, each order is charged at most once, each
 * refund executed at most once, and nothing the gateway can answer about is left IN_PROGRESS/UNKNOWN. Runs in a real
 * Nest app on a fresh PostgreSQL database against the gateway's simulator over loopback HTTP; no webhook URL is
 * configured, so only the cases' own calls and the repair job move the rows. `moreCases` adds a gateway's own cases
 * on the same app.
 */
export function describeRecoveryContract<S, R>(
  spec: RecoveryContractSpec<S, R>,
  moreCases?: (context: RecoveryContext<S, R>) => void,
): void {
  describe(`${spec.gateway} recovery contract`, () => {
    let seq = 0;
    const context = {
      spec,
      clock: new OffsetClock(),
      nextId: (prefix: string) => `${prefix}${Date.now().toString(36)}${++seq}`,
    } as RecoveryContext<S, R>;
    jest.setTimeout(CASE_TIMEOUT_MS);

    beforeAll(async () => {
      context.sim = await spec.startSimulator();
      const gateways = spec.gatewayOptions(context.sim);
      context.shop = await bootPaymentsApp({ gateways, encryption: TEST_ENCRYPTION, clock: context.clock }, 'forRoot');
    });

    afterEach(() => context.clock.reset());

    afterAll(async () => {
      await context.shop?.close();
      if (context.sim) await spec.stopSimulator(context.sim);
    });

    describe('confirm', () => confirmRecoveryCases(context));
    describe('billing charge', () => billingRecoveryCases(context));
    describe('cancel', () => cancelRecoveryCases(context));
    describe('truths in reverse order', () => truthOrderCases(context));
    if (moreCases) describe(`${spec.gateway} only`, () => moreCases(context));
    describe('after every case', () => nothingLeftCase(context));
  });
}

/** The suite's last case: past the bound, two repair passes leave nothing the gateway can answer about open. */
function nothingLeftCase<S, R>(context: RecoveryContext<S, R>): void {
  it('the repair job leaves no payment IN_PROGRESS/UNKNOWN and no cancel PENDING/UNKNOWN in the database', async () => {
    const { shop } = context;
    advancePastBound(context);
    await shop.payments.syncStuckPayments();
    await shop.payments.syncStuckPayments(); // a lost cancel is released on the second read-back past the bound
    const payments: unknown[] = await shop.dataSource.query(
      `SELECT order_id, status, failure_code FROM payments WHERE status IN ('IN_PROGRESS', 'UNKNOWN')`,
    );
    const cancels: unknown[] = await shop.dataSource.query(
      `SELECT payment_id, status, amount FROM payment_cancels WHERE status IN ('PENDING', 'UNKNOWN')`,
    );
    expect({ payments, cancels }).toEqual({ payments: [], cancels: [] });
  });
}

/** Two truths about one payment applied in reverse order (the later-observed first) never move it backwards. */
function truthOrderCases<S, R>(context: RecoveryContext<S, R>): void {
  const { spec } = context;

  /** What the gateway shows for the payment now, stamped with the moment it was read. */
  const readTruth = async (paymentId: string): Promise<GatewayPaymentTruth> => {
    const truth = await adapterOf(context).getPayment(toLookup(await rowOf(context, paymentId)));
    return { ...truth, observedAt: context.clock.now() };
  };

  it('a read-back from before a cancel, applied after it, leaves the cancel standing', async () => {
    const ready = await paidPayment(context, 10_000);
    const id = ready.payment.id;
    const before = await readTruth(id);
    expect(before.status).toBe('PAID');
    const partial = adapterOf(context).features.partialCancel;
    const amount = partial ? 3_000 : undefined;
    await context.shop.payments.cancel({ paymentId: id, amount, reason: CANCEL_REASON });
    const settled = await context.shop.payments.sync(id);
    expect(settled.status).toBe(partial ? PaymentStatus.PARTIALLY_CANCELED : PaymentStatus.CANCELED);

    const after = await ledgerOf(context).apply(id, before, { source: 'webhook' });
    expect(after).toMatchObject({ status: settled.status, canceledAmount: settled.canceledAmount });
    await expectLedgerEqualsGateway(context, id, ready.gatewayKey);
  });

  const virtualAccount = spec.virtualAccount;
  if (!virtualAccount) {
    // No deposit can be reversed where no virtual account can be opened: prove the refusal instead.
    it('offers no virtual accounts: such a prepare is refused naming `method`, and nothing is stored', async () => {
      const orderId = context.nextId('rcnv');
      const error = await errorOf(
        context.shop.payments.prepare({
          ...spec.prepareFields,
          gateway: spec.gateway,
          orderId,
          amount: 20_000,
          orderName: ORDER_NAME,
          method: 'VIRTUAL_ACCOUNT',
        }),
      );
      expect(error).toMatchObject({ code: 'INVALID_INPUT', field: 'method' });
      expect(await context.shop.dataSource.manager.countBy(Payment, { orderId })).toBe(0);
    });
    return;
  }
  it('a "waiting for deposit" read-back applied after the deposit\'s "paid" never moves PAID back', async () => {
    const { shop, sim } = context;
    const orderId = context.nextId('rcva');
    const fields = { ...virtualAccount.prepareFields, gateway: spec.gateway, orderId, amount: 20_000 };
    const prepared = await shop.payments.prepare({ ...fields, orderName: ORDER_NAME });
    const { returned, gatewayKey } = virtualAccount.openPaymentWindow(sim, prepared);
    const ready = { payment: prepared.payment, orderId, amount: 20_000, gatewayKey, returned };
    const issued = await spec.confirm(shop.payments, ready);
    expect(issued.status).toBe(PaymentStatus.WAITING_FOR_DEPOSIT);
    const waiting = await readTruth(issued.id);
    expect(waiting.status).toBe('WAITING_FOR_DEPOSIT');

    virtualAccount.deposit(sim, gatewayKey);
    expect(await shop.payments.sync(issued.id)).toMatchObject({ status: PaymentStatus.PAID, balanceAmount: 20_000 });
    const after = await ledgerOf(context).apply(issued.id, waiting, { source: 'webhook' });
    expect(after).toMatchObject({ status: PaymentStatus.PAID, balanceAmount: 20_000 });
    expect(await rowOf(context, issued.id)).toMatchObject({ status: PaymentStatus.PAID });
    await expectLedgerEqualsGateway(context, issued.id, gatewayKey);
  });
}
