import type { DataSource } from 'typeorm';
import {
  AmountMismatchError,
  CancelStatus,
  PaymentCancel,
  PaymentKeyMismatchError,
  PaymentStatus,
  Payment,
} from 'nestjs-kr-payments';
import type { GatewayCancelTruth, GatewayPaymentTruth } from 'nestjs-kr-payments';
import { ManualClock } from 'nestjs-kr-payments/testing';
import { newId } from '../../libs/payments/src/domain/ids';
import { resolveEventsOptions } from '../../libs/payments/src/events/events-options';
import { PaymentsOutbox } from '../../libs/payments/src/events/outbox';
import { PaymentsMetrics } from '../../libs/payments/src/operations/payments-metrics';
import { PreparedSql } from '../../libs/payments/src/database/prepared-sql';
import { CancelLedger } from '../../libs/payments/src/ledger/cancel-ledger';
import { PaymentLedger, STALE_PENDING_CANCEL_MS } from '../../libs/payments/src/ledger/payment-ledger';
import { createTestDatabase, type TestDatabase } from '../../libs/testing/src/postgres/test-database';
import { CapturingLogger } from '../support/harness';
import { openMigratedDataSource } from '../support/ledger-database';

/**
 * A cancel webhook read back while our own cancel call is still on the wire (KISPG sends a 2001 notification the
 * moment it cancels, see docs/gateways/kispg.md#notifications) must not count the same money twice: the ledger
 * leaves the gateway's record of it to the in-flight call, and retires a provisional row if one was written anyway.
 */
describe('PaymentLedger: cancel answered after the gateway already reported it', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  // Row timestamps come from the database clock; the ledger's staleness check compares them with this one.
  const clock = new ManualClock(new Date());
  const logger = new CapturingLogger();
  let ledger: PaymentLedger;
  let cancels: CancelLedger;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await openMigratedDataSource(database.url);
    // Events on: the ledger's outbox writes run inside the same transactions these races exercise.
    const outbox = new PaymentsOutbox({ events: resolveEventsOptions({ enabled: true }, []) }, clock);
    ledger = new PaymentLedger(dataSource, clock, logger, outbox, new PaymentsMetrics(), new PreparedSql(dataSource));
    cancels = new CancelLedger(dataSource, outbox);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  async function paidPayment(amount: number): Promise<Payment> {
    const payment = dataSource.manager.create(Payment, {
      id: newId(),
      gateway: 'kispg',
      orderId: `ord_${newId().slice(0, 8)}`,
      gatewayPaymentKey: 'tid-1',
      type: 'NORMAL',
      method: 'CARD',
      status: PaymentStatus.PAID,
      currency: 'KRW',
      amount,
      balanceAmount: amount,
      canceledAmount: 0,
      pendingCancelAmount: 0,
      taxFreeAmount: 0,
      vat: null,
      orderName: 'race',
      customerKey: null,
      customerName: null,
      customerEmail: null,
      customerPhone: null,
      billingKeyId: null,
      metadata: null,
    });
    await dataSource.manager.insert(Payment, payment as never);
    return payment;
  }

  const truthWith = (payment: Payment, cancels: GatewayCancelTruth[]): GatewayPaymentTruth => {
    const canceled = cancels.reduce((sum, c) => sum + c.amount, 0);
    return {
      gateway: 'kispg',
      paymentKey: 'tid-1',
      orderId: payment.orderId,
      status: canceled >= payment.amount ? 'CANCELED' : 'PARTIALLY_CANCELED',
      totalAmount: payment.amount,
      balanceAmount: payment.amount - canceled,
      cancels,
      raw: {},
    };
  };
  const gatewayCancel = (key: string, amount: number): GatewayCancelTruth => ({
    transactionKey: key,
    amount,
    taxFreeAmount: 0,
    canceledAt: clock.now(),
    status: 'DONE',
  });

  it('a read-back during the call leaves the cancel to the call; it is counted once', async () => {
    const payment = await paidPayment(50_000);
    const cancel = await cancels.reserve({
      paymentId: payment.id,
      amount: 10_000,
      taxFreeAmount: 0,
      reason: 'r',
      idempotencyKey: `cancel:${newId()}`,
      refundAccount: null,
    });
    expect(cancel).not.toBeNull();

    // The notification's read-back arrives first.
    const duringCall = await ledger.apply(payment.id, truthWith(payment, [gatewayCancel('K1', 10_000)]), {
      source: 'webhook',
    });
    expect(duringCall).toMatchObject({
      status: PaymentStatus.PARTIALLY_CANCELED,
      canceledAmount: 10_000,
      balanceAmount: 40_000,
    });
    expect(await dataSource.manager.count(PaymentCancel, { where: { paymentId: payment.id } })).toBe(1);

    // Then our call's answer.
    const settled = await ledger.apply(payment.id, truthWith(payment, [gatewayCancel('K1', 10_000)]), {
      source: 'cancel',
      settleCancel: { cancelId: cancel!.cancel.id, cancel: gatewayCancel('K1', 10_000) },
    });
    expect(settled).toMatchObject({ canceledAmount: 10_000, balanceAmount: 40_000, pendingCancelAmount: 0 });
    const rows = await dataSource.manager.find(PaymentCancel, { where: { paymentId: payment.id } });
    expect(rows.map((r) => [r.id, r.status, r.transactionKey, r.amount])).toEqual([
      [cancel!.cancel.id, CancelStatus.DONE, 'K1', 10_000],
    ]);
  });

  it('a provisional row written while our cancel looked stale is retired when the answer arrives', async () => {
    const payment = await paidPayment(30_000);
    const cancel = await cancels.reserve({
      paymentId: payment.id,
      amount: 5_000,
      taxFreeAmount: 0,
      reason: 'r',
      idempotencyKey: `cancel:${newId()}`,
      refundAccount: null,
    });
    // The reservation went stale (the process died mid-call): a read-back matches it by amount (the lost-cancel
    // rule) instead of recording a second row.
    clock.advance(STALE_PENDING_CANCEL_MS + 60_000);
    await ledger.apply(payment.id, truthWith(payment, [gatewayCancel('K9', 5_000)]), { source: 'webhook' });
    const afterReadBack = await dataSource.manager.find(PaymentCancel, { where: { paymentId: payment.id } });
    expect(afterReadBack.map((r) => [r.id, r.status, r.transactionKey])).toEqual([
      [cancel!.cancel.id, CancelStatus.DONE, 'K9'],
    ]);

    // Now a row that was written provisionally by an older build for the same gateway cancel: retired on settle.
    const other = await cancels.reserve({
      paymentId: payment.id,
      amount: 7_000,
      taxFreeAmount: 0,
      reason: 'r',
      idempotencyKey: `cancel:${newId()}`,
      refundAccount: null,
    });
    await dataSource.manager.insert(PaymentCancel, {
      id: newId(),
      paymentId: payment.id,
      amount: 7_000,
      taxFreeAmount: 0,
      reason: 'canceled at the gateway',
      status: CancelStatus.DONE,
      idempotencyKey: 'gateway:K10',
      transactionKey: 'K10',
      refundAccount: null,
      canceledAt: clock.now(),
      failureCode: null,
      failureMessage: null,
      raw: null,
    } as never);
    const settled = await ledger.apply(
      payment.id,
      truthWith(payment, [gatewayCancel('K9', 5_000), gatewayCancel('K10', 7_000)]),
      {
        source: 'cancel',
        settleCancel: { cancelId: other!.cancel.id, cancel: gatewayCancel('K10', 7_000) },
      },
    );
    expect(settled).toMatchObject({
      canceledAmount: 12_000,
      balanceAmount: 18_000,
      pendingCancelAmount: 0,
      status: PaymentStatus.PARTIALLY_CANCELED,
    });
    const rows = await dataSource.manager.find(PaymentCancel, {
      where: { paymentId: payment.id, transactionKey: 'K10' },
    });
    expect(rows.map((r) => [r.idempotencyKey.startsWith('gateway:'), r.status]).sort()).toEqual([
      [false, CancelStatus.DONE],
      [true, CancelStatus.FAILED],
    ]);
  });

  it('refuses a truth about another gateway key once one is stored, and changes nothing', async () => {
    const payment = await paidPayment(12_000);
    const foreign = { ...truthWith(payment, [gatewayCancel('K20', 2_000)]), paymentKey: 'tid-someone-else' };
    await expect(ledger.apply(payment.id, foreign, { source: 'sync' })).rejects.toBeInstanceOf(PaymentKeyMismatchError);
    const after = await dataSource.manager.findOneByOrFail(Payment, { id: payment.id });
    expect(after).toMatchObject({
      gatewayPaymentKey: 'tid-1',
      status: PaymentStatus.PAID,
      canceledAmount: 0,
      balanceAmount: 12_000,
    });
    expect(await dataSource.manager.count(PaymentCancel, { where: { paymentId: payment.id } })).toBe(0);
  });

  it('refuses to settle our cancel with a gateway cancel of another amount (what was refunded is unknown)', async () => {
    const payment = await paidPayment(9_000);
    const cancel = await cancels.reserve({
      paymentId: payment.id,
      amount: 3_000,
      taxFreeAmount: 0,
      reason: 'r',
      idempotencyKey: `cancel:${newId()}`,
      refundAccount: null,
    });
    await expect(
      ledger.apply(payment.id, truthWith(payment, [gatewayCancel('K30', 1_000)]), {
        source: 'cancel',
        settleCancel: { cancelId: cancel!.cancel.id, cancel: gatewayCancel('K30', 1_000) },
      }),
    ).rejects.toBeInstanceOf(AmountMismatchError);
    const row = await dataSource.manager.findOneByOrFail(PaymentCancel, { id: cancel!.cancel.id });
    expect([row.status, row.transactionKey]).toEqual([CancelStatus.PENDING, null]);
    expect(await dataSource.manager.findOneByOrFail(Payment, { id: payment.id })).toMatchObject({
      canceledAmount: 0,
      pendingCancelAmount: 3_000,
    });
  });
});
