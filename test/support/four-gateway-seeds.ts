import type { PaymentsService } from 'nestjs-kr-payments';
import {
  APPS_IN_TOSS_TEST_USER_KEY,
  NICEPAY_TEST_CLIENT_ID,
  type AppsInTossSimulator,
  type KispgSimulator,
  type NicePaySimulator,
  type TossSimulator,
} from 'nestjs-kr-payments/testing';
import { URLS, type ShopApp } from './harness';

/** One payment the world starts with; `paymentKey` is the gateway's key (Toss paymentKey, tid, payToken). */
export interface SeededPayment {
  id: string;
  gateway: string;
  orderId: string;
  paymentKey: string | null;
  status: string;
  amount: number;
}

export interface Seeds {
  payments: SeededPayment[];
  /** The DEPOSIT_CALLBACK secrets of the Toss virtual accounts (the genuine ones). */
  tossSecrets: string[];
  billingKeyIds: string[];
  customerKeys: string[];
  cashReceiptIds: string[];
}

interface Sims {
  toss: TossSimulator;
  nicepay: NicePaySimulator;
  kispg: KispgSimulator;
  appsInToss: AppsInTossSimulator;
  shop: ShopApp;
}

const RETURN_URL = 'https://shop.example/pay/return';
const customer = { name: '김퍼즈', phone: '01012345678', email: 'fuzz@example.com' };

/**
 * Payments in the states a forged or malformed input could try to move: READY, PAID, partly and fully canceled and
 * waiting for a deposit, on every gateway that has them; a Toss billing key (and a payment it charged) and a cash
 * receipt. Each went through the real flow against its simulator.
 */
export async function seedFourGateways(world: Sims): Promise<Seeds> {
  const payments = world.shop.payments;
  const seeds: Seeds = { payments: [], tossSecrets: [], billingKeyIds: [], customerKeys: [], cashReceiptIds: [] };
  let seq = 0;
  const nextOrderId = (prefix: string) => `${prefix}_${Date.now().toString(36)}_${++seq}`;
  const keep = async (id: string) => {
    const row = await payments.get(id);
    seeds.payments.push({
      id: row.id,
      gateway: row.gateway,
      orderId: row.orderId,
      paymentKey: row.gatewayPaymentKey,
      status: row.status,
      amount: row.amount,
    });
    return row;
  };

  // Toss
  const tossPaid = async (amount: number, method: 'CARD' | 'VIRTUAL_ACCOUNT' = 'CARD') => {
    const orderId = nextOrderId('fz_toss');
    await payments.prepare({ ...URLS, gateway: 'toss', orderId, amount, orderName: '퍼즈', method });
    const { paymentKey } = world.toss.authenticatePayment({ orderId, amount, orderName: '퍼즈', method });
    return payments.confirm({ gateway: 'toss', orderId, amount, paymentKey });
  };
  const tossReady = await payments.prepare({ ...URLS, gateway: 'toss', amount: 7_000, orderName: '준비' });
  await keep(tossReady.payment.id);
  const tossCard = await tossPaid(15_000);
  await keep(tossCard.id);
  await refunded(payments, (await tossPaid(20_000)).id, 5_000).then(keep);
  await refunded(payments, (await tossPaid(9_000)).id).then(keep);
  const waiting = await keep((await tossPaid(30_000, 'VIRTUAL_ACCOUNT')).id);
  seeds.tossSecrets.push(String(world.toss.getPayment(waiting.gatewayPaymentKey as string)?.['secret']));
  const customerKey = `fz_cust_${Date.now().toString(36)}`;
  const { authKey } = world.toss.authenticateBilling({ customerKey });
  const billingKey = await payments.issueBillingKey({ gateway: 'toss', customerKey, authKey });
  seeds.billingKeyIds.push(billingKey.id);
  seeds.customerKeys.push(customerKey);
  await keep((await payments.chargeBillingKey({ billingKeyId: billingKey.id, amount: 4_900, orderName: '구독' })).id);
  const receipt = await payments.issueCashReceipt({
    paymentId: tossCard.id,
    type: 'INCOME_DEDUCTION',
    identityNumber: '01012345678',
  });
  seeds.cashReceiptIds.push(receipt.id);

  // NicePay
  const nicePayPaid = async (amount: number, method: 'CARD' | 'VIRTUAL_ACCOUNT' = 'CARD') => {
    const orderId = nextOrderId('fz_nice');
    const { checkout } = await payments.prepare({
      gateway: 'nicepay',
      orderId,
      amount,
      orderName: '퍼즈',
      method,
      customer,
      returnUrl: RETURN_URL,
    });
    const fields = checkout.fields as Record<string, string>;
    const posted = world.nicepay.authenticate({
      clientId: NICEPAY_TEST_CLIENT_ID,
      orderId,
      amount,
      method: fields['method'],
      goodsName: fields['goodsName'],
      returnUrl: RETURN_URL,
      vbankHolder: fields['vbankHolder'],
    });
    return payments.confirmReturn('nicepay', posted);
  };
  const niceReady = await payments.prepare({
    gateway: 'nicepay',
    amount: 6_000,
    orderName: '준비',
    customer,
    returnUrl: RETURN_URL,
  });
  await keep(niceReady.payment.id);
  await keep((await nicePayPaid(12_000)).id);
  await refunded(payments, (await nicePayPaid(22_000)).id, 2_000).then(keep);
  await keep((await nicePayPaid(40_000, 'VIRTUAL_ACCOUNT')).id);

  // KISPG
  const kispgPaid = async (amount: number, method = 'CARD') => {
    const { checkout } = await payments.prepare({
      gateway: 'kispg',
      orderId: nextOrderId('fz_kispg'),
      amount,
      orderName: '퍼즈',
      method,
      customer,
      returnUrl: RETURN_URL,
    });
    return payments.confirmReturn('kispg', world.kispg.authenticate(checkout.fields as Record<string, string>));
  };
  const kispgReady = await payments.prepare({
    gateway: 'kispg',
    amount: 5_000,
    orderName: '준비',
    method: 'CARD',
    customer,
    returnUrl: RETURN_URL,
  });
  await keep(kispgReady.payment.id);
  await keep((await kispgPaid(11_000)).id);
  await refunded(payments, (await kispgPaid(25_000)).id, 3_000).then(keep);
  await keep((await kispgPaid(35_000, 'VIRTUAL_ACCOUNT')).id);

  // Apps-in-Toss
  const aitPrepare = (amount: number) =>
    payments.prepare({
      gateway: 'appsInToss',
      orderId: nextOrderId('fz_ait'),
      amount,
      orderName: '퍼즈',
      customer: { customerKey: APPS_IN_TOSS_TEST_USER_KEY },
    });
  await keep((await aitPrepare(3_000)).payment.id);
  const ait = await aitPrepare(8_000);
  world.appsInToss.authenticate(ait.checkout.paymentKey as string);
  await keep(
    (
      await payments.confirm({
        gateway: 'appsInToss',
        orderId: ait.payment.orderId,
        amount: 8_000,
        payToken: ait.checkout.paymentKey as string,
      })
    ).id,
  );
  return seeds;
}

/** Cancels `amount` (all that is left when omitted) of a payment; returns its id. */
async function refunded(payments: PaymentsService, paymentId: string, amount?: number): Promise<string> {
  await payments.cancel({ paymentId, amount, reason: '퍼즈 환불' });
  return paymentId;
}
