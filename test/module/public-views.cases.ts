import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { BillingService, PaymentsService } from 'nestjs-kr-payments';
import {
  NICEPAY_TEST_CLIENT_ID,
  type ManualClock,
  type NicePaySimulator,
  type TossSimulator,
} from 'nestjs-kr-payments/testing';
import { URLS } from '../support/harness';
import { keysDeep } from './errors.e2e.support';

export interface ViewsContext {
  app: INestApplication;
  toss: TossSimulator;
  nicepay: NicePaySimulator;
  clock: ManualClock;
}

/** Keys no public result may carry: the gateway body, version counters, key ids, lookup hashes, ciphertexts. */
const INTERNAL_KEY = /^(raw|version|keyId|.*Hash|.*Ciphertext|webhookSecret.*)$/;
const IDENTITY_NUMBER = '01012345678';
const TOSS_BILLING_CHARGE = /^\/v1\/billing\/(?!authorizations)[^/]+$/;

/**
 * Every public method of PaymentsService and BillingService, called for real: each result serialized to JSON has none
 * of the internal keys at any depth, and none of the stored ciphertexts or hashes as a value. `getRaw` gives the
 * stored body for audits.
 */
export function publicViewCases(context: () => ViewsContext): void {
  describe('public views', () => {
    let seq = 0;
    const orderId = () => `view_${Date.now().toString(36)}_${++seq}`;

    async function paymentResults(payments: PaymentsService, { toss, nicepay }: ViewsContext) {
      const results: Record<string, unknown> = {};
      const id = orderId();
      results.prepare = await payments.prepare({
        ...URLS,
        gateway: 'toss',
        orderId: id,
        amount: 30_000,
        orderName: 'v',
      });
      const { paymentKey } = toss.authenticatePayment({ orderId: id, amount: 30_000, orderName: 'v' });
      const paid = await payments.confirm({ gateway: 'toss', orderId: id, amount: 30_000, paymentKey });
      results.confirm = paid;
      results.get = await payments.get(paid.id);
      results.getByOrderId = await payments.getByOrderId('toss', id);
      results.sync = await payments.sync(paid.id);
      results.list = await payments.list({ limit: 5 });
      results.cancel = await payments.cancel({ paymentId: paid.id, amount: 1_000, reason: '부분 환불' });
      results.listCancels = await payments.listCancels(paid.id);
      const receipt = await payments.issueCashReceipt({
        paymentId: paid.id,
        type: 'INCOME_DEDUCTION',
        identityNumber: IDENTITY_NUMBER,
      });
      results.issueCashReceipt = receipt;
      results.getCashReceipt = await payments.getCashReceipt(receipt.id);
      results.cancelCashReceipt = await payments.cancelCashReceipt(receipt.id, '잘못 발행');
      results.confirmReturn = await confirmReturn(payments, nicepay);
      results.syncStuckPayments = await payments.syncStuckPayments();
      return { results, paymentId: paid.id };
    }

    async function confirmReturn(payments: PaymentsService, nicepay: NicePaySimulator) {
      const returnUrl = 'https://shop.example/pay/nicepay/return';
      const id = orderId();
      const { checkout } = await payments.prepare({
        gateway: 'nicepay',
        orderId: id,
        amount: 8_000,
        orderName: 'v',
        customer: { name: '김뷰', phone: '01098765432', email: 'view@example.com' },
        returnUrl,
      });
      const fields = checkout.fields as Record<string, string>;
      const posted = nicepay.authenticate({
        clientId: NICEPAY_TEST_CLIENT_ID,
        orderId: id,
        amount: 8_000,
        method: fields['method'],
        goodsName: fields['goodsName'],
        returnUrl,
      });
      return payments.confirmReturn('nicepay', posted);
    }

    async function billingResults(payments: PaymentsService, billing: BillingService, ctx: ViewsContext) {
      const results: Record<string, unknown> = {};
      const customerKey = `view_cust_${Date.now().toString(36)}`;
      const { authKey } = ctx.toss.authenticateBilling({ customerKey });
      const key = await payments.issueBillingKey({ gateway: 'toss', customerKey, authKey });
      results.issueBillingKey = key;
      results.getBillingKey = await payments.getBillingKey(key.id);
      results.chargeBillingKey = await payments.chargeBillingKey({
        billingKeyId: key.id,
        amount: 4_900,
        orderName: 'v',
      });
      ctx.clock.set(new Date('2028-02-01T00:00:00Z'));
      const subscription = await billing.createSubscription({
        gateway: 'toss',
        customerKey,
        billingKeyId: key.id,
        amount: 9_900,
        orderName: '구독',
        interval: { unit: 'MONTH' },
        startDate: '2028-02-03',
      });
      results.createSubscription = subscription;
      const ref = { subscriptionId: subscription.id };
      // A declined first charge leaves the cycle waiting for a retry: what retryNow charges.
      ctx.toss.failNext(
        { method: 'POST', path: TOSS_BILLING_CHARGE },
        { kind: 'error', status: 403, code: 'REJECT_CARD_COMPANY' },
      );
      ctx.clock.set(new Date('2028-02-03T01:00:00Z'));
      results.runDue = await billing.runDue();
      results.retryNow = await billing.retryNow(ref);
      results.listCycles = await billing.listCycles(ref);
      results.changeAmount = await billing.changeAmount({ ...ref, amount: 12_900 });
      results.pause = await billing.pause(ref);
      results.resume = await billing.resume(ref);
      results.getSubscription = await billing.get(subscription.id);
      results.listByCustomer = await billing.listByCustomer({ customerKey });
      results.cancelSubscription = await billing.cancel(ref);
      results.deleteBillingKey = await payments.deleteBillingKey(key.id);
      return results;
    }

    /** Every ciphertext, hash and key id stored by the flows: none may appear as a value in a public result. */
    async function storedSecrets(dataSource: DataSource): Promise<string[]> {
      const rows: Array<{ value: string | null }> = await dataSource.query(`
        SELECT billing_key_ciphertext AS value FROM billing_keys UNION ALL SELECT billing_key_hash FROM billing_keys
        UNION ALL SELECT identity_number_ciphertext FROM cash_receipts
        UNION ALL SELECT identity_number_hash FROM cash_receipts
        UNION ALL SELECT webhook_secret_hash FROM payments`);
      return rows.map((row) => row.value).filter((value): value is string => !!value);
    }

    it('no public method of PaymentsService or BillingService returns internals', async () => {
      const ctx = context();
      const payments = ctx.app.get(PaymentsService);
      const billing = ctx.app.get(BillingService);
      const { results } = await paymentResults(payments, ctx);
      Object.assign(results, await billingResults(payments, billing, ctx));
      expect(results.retryNow).toMatchObject({ status: 'PAID' });

      for (const [method, result] of Object.entries(results)) {
        const json = JSON.stringify(result);
        expect([method, [...keysDeep(JSON.parse(json))].filter((key) => INTERNAL_KEY.test(key))]).toEqual([method, []]);
        expect([method, json.includes(IDENTITY_NUMBER)]).toEqual([method, false]);
      }
      const everything = JSON.stringify(results);
      const secrets = await storedSecrets(ctx.app.get(DataSource));
      expect(secrets.length).toBeGreaterThanOrEqual(4);
      expect(secrets.filter((secret) => everything.includes(secret))).toEqual([]);
    });

    it('getRaw gives the stored, scrubbed gateway body for audits', async () => {
      const { app, toss } = context();
      const payments = app.get(PaymentsService);
      const id = orderId();
      const { payment } = await payments.prepare({
        ...URLS,
        gateway: 'toss',
        orderId: id,
        amount: 5_000,
        orderName: 'r',
      });
      expect(await payments.getRaw(payment.id)).toBeNull();
      const { paymentKey } = toss.authenticatePayment({ orderId: id, amount: 5_000, orderName: 'r' });
      await payments.confirm({ gateway: 'toss', orderId: id, amount: 5_000, paymentKey });

      const raw = await payments.getRaw(payment.id);
      const [stored] = await app.get(DataSource).query('SELECT raw FROM payments WHERE id = $1', [payment.id]);
      expect(raw).toEqual(stored.raw);
      expect(raw).toMatchObject({ paymentKey, orderId: id, status: 'DONE', totalAmount: 5_000 });
      await expect(payments.getRaw('not-a-uuid')).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'paymentId' });
    });
  });
}
