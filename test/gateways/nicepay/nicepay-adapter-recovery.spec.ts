import 'reflect-metadata';
import {
  ForeignPaymentKeyError,
  GatewayRequestError,
  GatewayUnavailableError,
  PaymentNotFoundError,
} from '../../../libs/payments/src/domain/errors';
import { approvalOutcome } from '../../../libs/payments/src/domain/approval-outcome';
import { PaymentStatus } from '../../../libs/payments/src/domain/payment-status';
import type { PreparedPayment } from '../../../libs/payments/src/gateways/gateway.port';
import type { NicePayGateway } from '../../../libs/payments/src/gateways/nicepay/nicepay.gateway';
import { paymentTruthOf } from '../../../libs/payments/src/gateways/nicepay/nicepay.mapping';
import { NicePayGatewayModule } from '../../../libs/payments/src/gateways/nicepay/nicepay.module';
import { NicePayGatewayOptions } from '../../../libs/payments/src/gateways/nicepay/nicepay.types';
import { ManualClock } from '../../../libs/testing/src/clock';
import { NICEPAY_TEST_CLIENT_ID, NICEPAY_TEST_SECRET_KEY, NicePaySimulator } from 'nestjs-kr-payments/testing';
import { CapturingLogger } from '../../support/logger';
import { TOKEN_CLIENT_ID, TOKEN_SECRET_KEY, useNicePayAdapter } from './nicepay-adapter.fixtures';

/**
 * What the core's repair rules rely on from the NicePay adapter (docs/gateways/nicepay.md#no-record-at-nicepay): how
 * long one call can take, "NicePay has no record" as a typed error, forged confirms that leave the order payable, and
 * unpaid virtual accounts that expire.
 */
describe('NicePay adapter: answers the repair rules rely on', () => {
  const adapter = useNicePayAdapter();
  const { makeGateway, nextOrderId, authenticated } = adapter;
  let sim: NicePaySimulator;
  let gateway: NicePayGateway;
  beforeAll(() => {
    ({ sim, gateway } = adapter);
  });

  /** A well-formed tid NicePay never issued. */
  const unknownTid = () => `nictest00m0101${Date.now().toString().slice(-12)}Zz9Q`;
  const approveError = (target: NicePayGateway, prepared: PreparedPayment, input: unknown) =>
    target.approve({ prepared, input: input as never, idempotencyKey: 'k' }).catch((e: unknown) => e);

  describe('maxCallMs', () => {
    it('follows the configured timeouts: two requests in a row, four exchanges each with Bearer auth', async () => {
      const basic = makeGateway({ timeouts: { connectMs: 700, readMs: 2_300 } });
      expect(basic.maxCallMs).toBe(2 * (700 + 2_300));
      const bearer = makeGateway({
        clientId: TOKEN_CLIENT_ID,
        secretKey: TOKEN_SECRET_KEY,
        authMode: 'bearer',
        timeouts: { connectMs: 700, readMs: 2_300 },
      });
      expect(bearer.maxCallMs).toBe(2 * 4 * (700 + 2_300));
      // NicePay's recommended 5 s + 30 s when nothing is configured.
      const defaults = makeGateway({ timeouts: undefined });
      expect(defaults.maxCallMs).toBe(2 * (5_000 + 30_000));
      await Promise.all([basic.close(), bearer.close(), defaults.close()]);
    });
  });

  describe('no record at NicePay', () => {
    it('getPayment by tid and by orderId: PaymentNotFoundError after an approval request lost before processing', async () => {
      const { posted, input, prepared, orderId } = await authenticated(11_000);
      sim.failNext({ method: 'POST', path: `/v1/payments/${posted['tid']}` }, { kind: 'drop-before-commit' });
      const lost = await approveError(gateway, prepared, input);
      expect(lost).toBeInstanceOf(GatewayUnavailableError);
      expect((lost as GatewayUnavailableError).requestSent).toBe(true);

      const lookup = { orderId, amount: 11_000 };
      const byTid = await gateway.getPayment({ ...lookup, paymentKey: posted['tid'] }).catch((e: unknown) => e);
      expect(byTid).toBeInstanceOf(PaymentNotFoundError);
      expect(byTid).toMatchObject({ code: 'PAYMENT_NOT_FOUND', gatewayCode: 'U107', httpStatus: 404 });
      await expect(gateway.getPayment(lookup)).rejects.toBeInstanceOf(PaymentNotFoundError);
      // The request spent nothing: the same tid still approves.
      await expect(gateway.approve({ prepared, input, idempotencyKey: 'k' })).resolves.toMatchObject({
        status: 'PAID',
      });
    });

    it('an approval held past the read timeout and dropped unapplied: a timeout, then no record', async () => {
      const impatient = makeGateway({ timeouts: { connectMs: 1_000, readMs: 250 } });
      const { posted, input, prepared, orderId } = await authenticated(12_000, 'CARD', impatient);
      sim.failNext(
        { method: 'POST', path: `/v1/payments/${posted['tid']}` },
        { kind: 'hang-before-commit', ms: 1_500 },
      );
      const lost = await approveError(impatient, prepared, input);
      expect(lost).toMatchObject({ requestSent: true });
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await expect(impatient.getPayment({ orderId, amount: 12_000 })).rejects.toBeInstanceOf(PaymentNotFoundError);
      await impatient.close();
    });

    it('a billing charge lost before processing: no record by orderId', async () => {
      const key = await gateway.issueBillingKey({
        customerKey: 'cust-recovery',
        card: {
          number: '5361121234561234',
          expiryYear: '30',
          expiryMonth: '12',
          identityNumber: '800101',
          passwordFirst2: '12',
        },
        idempotencyKey: `billing-issue:recovery-${Date.now()}`,
      });
      const orderId = nextOrderId();
      const charge = {
        billingKey: key.billingKey,
        customerKey: 'cust-recovery',
        paymentId: 'p',
        orderId,
        orderName: '정기결제',
        amount: 9_900,
        taxFreeAmount: 0,
        idempotencyKey: 'k',
      };
      sim.failNext({ method: 'POST', path: /^\/v1\/subscribe\/[^/]+\/payments$/ }, { kind: 'drop-before-commit' });
      await expect(gateway.chargeBillingKey(charge)).rejects.toMatchObject({ requestSent: true });
      await expect(gateway.getPayment({ orderId, amount: 9_900 })).rejects.toBeInstanceOf(PaymentNotFoundError);

      // "orderId already used" with nothing under that orderId (a declined charge is found by tid only): it stands.
      sim.failNext(
        { method: 'POST', path: /^\/v1\/subscribe\/[^/]+\/payments$/ },
        { kind: 'error', resultCode: 'U112' },
      );
      const refused = await gateway.chargeBillingKey(charge).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(GatewayRequestError);
      expect(refused).toMatchObject({ gatewayCode: 'U112' });
      await expect(gateway.chargeBillingKey(charge)).resolves.toMatchObject({ status: 'PAID', orderId });
    });
  });

  describe('cancels whose answer is lost', () => {
    it('committed, answered too late: GatewayUnavailableError(requestSent); the read-back shows the refund', async () => {
      const impatient = makeGateway({ timeouts: { connectMs: 1_000, readMs: 200 } });
      const { posted, input, prepared, orderId } = await authenticated(10_000, 'CARD', impatient);
      await impatient.approve({ prepared, input, idempotencyKey: 'k' });
      const tid = posted['tid'];
      sim.failNext({ method: 'POST', path: `/v1/payments/${tid}/cancel` }, { kind: 'hang-after-commit', ms: 1_500 });
      const cancel = { prepared, paymentKey: tid, amount: 4_000, isFull: false, balanceBefore: 10_000, reason: 'x' };
      const lost = await impatient
        .cancel({ ...cancel, cancelId: `c-${orderId}`, idempotencyKey: 'c' })
        .catch((e: unknown) => e);
      expect(lost).toMatchObject({ requestSent: true });
      const truth = await impatient.getPayment({ orderId, amount: 10_000, paymentKey: tid });
      expect(truth).toMatchObject({ status: 'PARTIALLY_CANCELED', balanceAmount: 6_000, cancels: [{ amount: 4_000 }] });
      await impatient.close();
    });
  });

  describe('forged confirms: a tid that is not this order’s', () => {
    /** A return body signed by NicePay for `signedFor`, carrying `tid` and the victim's orderId. */
    function forgedReturn(signedFor: Record<string, string>, tid: string, orderId: string) {
      return gateway.confirmInputFromReturn({ ...signedFor, tid, orderId });
    }

    it('an unknown tid: PaymentNotFoundError, READY, nothing approved', async () => {
      const victim = await authenticated(10_000);
      const attacker = await authenticated(10_000);
      const input = forgedReturn(attacker.posted, unknownTid(), victim.orderId);
      gateway.verifyConfirmInput(victim.prepared, input); // the returnUrl signature covers neither tid nor orderId
      const error = await approveError(gateway, victim.prepared, input);
      expect(error).toBeInstanceOf(PaymentNotFoundError);
      expect(error).toMatchObject({ gatewayCode: 'U121' });
      expect(approvalOutcome(error).status).toBe(PaymentStatus.READY);
      expect(sim.getPayment(attacker.posted['tid'])).toBeUndefined();
    });

    it("another order's approved tid: ForeignPaymentKeyError (READY); the genuine confirm then approves", async () => {
      const victim = await authenticated(10_000);
      const attacker = await authenticated(10_000);
      await gateway.approve({ prepared: attacker.prepared, input: attacker.input, idempotencyKey: 'k' });
      const error = await approveError(
        gateway,
        victim.prepared,
        forgedReturn(attacker.posted, attacker.posted['tid'], victim.orderId),
      );
      expect(error).toBeInstanceOf(ForeignPaymentKeyError);
      expect(error).toMatchObject({ code: 'PAYMENT_KEY_NOT_FOR_ORDER', httpStatus: 409 });
      expect(approvalOutcome(error).status).toBe(PaymentStatus.READY);
      const genuine = await gateway.approve({ prepared: victim.prepared, input: victim.input, idempotencyKey: 'k' });
      expect(genuine).toMatchObject({ status: 'PAID', orderId: victim.orderId, paymentKey: victim.posted['tid'] });
    });

    it("another order's unapproved tid of the same amount: NicePay approves that order, ours gets ForeignPaymentKeyError", async () => {
      const victim = await authenticated(10_000);
      const attacker = await authenticated(10_000);
      const error = await approveError(
        gateway,
        victim.prepared,
        forgedReturn(attacker.posted, attacker.posted['tid'], victim.orderId),
      );
      expect(error).toBeInstanceOf(ForeignPaymentKeyError);
      expect(approvalOutcome(error).status).toBe(PaymentStatus.READY);
      // The attacker paid for the attacker's own order; nothing exists under ours, so the genuine confirm goes through.
      expect(sim.getPayment(attacker.posted['tid'])).toMatchObject({ status: 'paid', orderId: attacker.orderId });
      await expect(gateway.getPayment({ orderId: victim.orderId, amount: 10_000 })).rejects.toBeInstanceOf(
        PaymentNotFoundError,
      );
      await expect(
        gateway.approve({ prepared: victim.prepared, input: victim.input, idempotencyKey: 'k' }),
      ).resolves.toMatchObject({ status: 'PAID', orderId: victim.orderId });
    });

    it("another order's tid authenticated for another amount: A123 is ForeignPaymentKeyError, nothing approved", async () => {
      const victim = await authenticated(10_000);
      const attacker = await authenticated(10_000);
      const other = await authenticated(20_000);
      const error = await approveError(
        gateway,
        victim.prepared,
        forgedReturn(attacker.posted, other.posted['tid'], victim.orderId),
      );
      expect(error).toBeInstanceOf(ForeignPaymentKeyError);
      expect((error as Error).cause).toMatchObject({ gatewayCode: 'A123' });
      expect(approvalOutcome(error).status).toBe(PaymentStatus.READY);
      expect(sim.getPayment(other.posted['tid'])).toBeUndefined();
    });

    it("'already approved' whose read-back finds no payment is an unknown outcome, never FAILED", async () => {
      const { posted, input, prepared } = await authenticated(10_000);
      sim.failNext({ method: 'POST', path: `/v1/payments/${posted['tid']}` }, { kind: 'error', resultCode: '2201' });
      const error = await approveError(gateway, prepared, input);
      expect(error).toBeInstanceOf(GatewayUnavailableError);
      expect(approvalOutcome(error).status).toBe(PaymentStatus.UNKNOWN);
    });

    it('a lost-approval query that finds the tid under another order answers READY without that tid', async () => {
      const queryFirst = makeGateway({ unknownApprovalPolicy: 'query-first' });
      const victim = await authenticated(10_000, 'CARD', queryFirst);
      const attacker = await authenticated(10_000, 'CARD', queryFirst);
      await queryFirst.approve({ prepared: attacker.prepared, input: attacker.input, idempotencyKey: 'k' });
      const resolution = await queryFirst.resolveUnknownApproval({
        prepared: victim.prepared,
        paymentKey: attacker.posted['tid'],
        approvalSentAt: new Date(),
        idempotencyKey: 'net-cancel:x',
      });
      expect(resolution).toMatchObject({
        action: 'query',
        truth: { status: 'READY', orderId: victim.orderId, paymentKey: '' },
      });
      await queryFirst.close();
    });
  });
});

describe('NicePay adapter: unpaid virtual accounts past their deadline', () => {
  const DAY_MS = 24 * 60 * 60 * 1000;
  const started: Array<{ close(): Promise<void> } | NicePaySimulator> = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((s) => ('stop' in s ? s.stop() : s.close())));
  });

  async function issuedAccount(vbankExpiredStatus: 'ready' | 'expired') {
    const clock = new ManualClock(new Date('2026-03-02T01:00:00.000Z'));
    const sim = await NicePaySimulator.start({ clock, vbankValidMs: DAY_MS, vbankExpiredStatus });
    const options = Object.assign(new NicePayGatewayOptions(), {
      clientId: NICEPAY_TEST_CLIENT_ID,
      secretKey: NICEPAY_TEST_SECRET_KEY,
      baseUrl: sim.url,
      webhookAllowedSources: [],
    });
    // The adapter's own clock runs days ahead: only NicePay's clock (the answer's ediDate) may expire an account.
    const gateway = NicePayGatewayModule.createGateway(options, {
      logger: new CapturingLogger(),
      clock: { now: () => new Date(clock.now().getTime() + 5 * DAY_MS) },
    });
    started.push(sim, gateway);
    const orderId = `np_vbank_${Date.now().toString(36)}_${vbankExpiredStatus}`;
    const posted = sim.authenticate({
      clientId: NICEPAY_TEST_CLIENT_ID,
      orderId,
      amount: 30_000,
      method: 'vbank',
      goodsName: '가상계좌 상품',
      returnUrl: 'https://shop.example/pay/nicepay/return',
      vbankHolder: '김나이스',
    });
    const prepared: PreparedPayment = {
      paymentId: `pay-${orderId}`,
      gateway: 'nicepay',
      orderId,
      amount: 30_000,
      taxFreeAmount: 0,
      orderName: '가상계좌 상품',
    };
    const issued = await gateway.approve({
      prepared,
      input: gateway.confirmInputFromReturn(posted),
      idempotencyKey: 'k',
    });
    return { sim, clock, gateway, issued, lookup: { orderId, amount: 30_000, paymentKey: posted['tid'] } };
  }

  it.each(['ready', 'expired'] as const)(
    "NicePay showing '%s' after the deadline reads back EXPIRED with virtualAccount.expired",
    async (status) => {
      const { clock, gateway, issued, lookup } = await issuedAccount(status);
      expect(issued).toMatchObject({
        status: 'WAITING_FOR_DEPOSIT',
        virtualAccount: { dueDate: new Date('2026-03-03T01:00:00.000Z'), expired: false },
      });
      clock.advance(DAY_MS);
      expect(await gateway.getPayment(lookup)).toMatchObject({ status: 'WAITING_FOR_DEPOSIT' });
      clock.advance(1);
      const lapsed = await gateway.getPayment(lookup);
      expect(lapsed).toMatchObject({ status: 'EXPIRED', balanceAmount: 30_000, virtualAccount: { expired: true } });
      expect(await gateway.getPayment({ orderId: lookup.orderId, amount: 30_000 })).toMatchObject({
        status: 'EXPIRED',
      });
    },
  );

  it("reads the deadline in NicePay's clock: a bare date is open until the end of that day in Korea", () => {
    const answer = (ediDate: string, vbankExpDate: string) =>
      paymentTruthOf(
        {
          resultCode: '0000',
          tid: 'nictest00m0301260302100000Ab12',
          orderId: 'o-1',
          ediDate,
          status: 'ready',
          payMethod: 'vbank',
          amount: 30_000,
          balanceAmt: 30_000,
          vbank: { vbankCode: '004', vbankNumber: '12345678901234', vbankExpDate },
        } as never,
        {},
        'getPayment',
      );
    expect(answer('2026-03-03T23:59:59.999+0900', '20260303')).toMatchObject({ status: 'WAITING_FOR_DEPOSIT' });
    expect(answer('2026-03-04T00:00:00.001+0900', '20260303')).toMatchObject({
      status: 'EXPIRED',
      virtualAccount: { dueDate: new Date('2026-03-03T15:00:00.000Z'), expired: true },
    });
    // No readable deadline: never expired on a guess.
    expect(answer('2030-01-01T00:00:00.000+0900', '0')).toMatchObject({ status: 'WAITING_FOR_DEPOSIT' });
  });

  it('an account paid before its deadline stays PAID when read after it', async () => {
    const { sim, clock, gateway, lookup } = await issuedAccount('expired');
    clock.advance(DAY_MS - 1);
    sim.deposit(lookup.paymentKey);
    clock.advance(DAY_MS);
    expect(await gateway.getPayment(lookup)).toMatchObject({ status: 'PAID', virtualAccount: { expired: false } });
  });
});
