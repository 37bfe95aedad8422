import type { PaymentsService } from 'nestjs-kr-payments';
import {
  NICEPAY_TEST_CLIENT_ID,
  type KispgSimulator,
  type NicePaySimulator,
  type TossSimulator,
} from 'nestjs-kr-payments/testing';
import type { CaptureServer } from './webhook-client';

/** Real payments on one gateway, and the genuine bodies a forger would start from. */
export interface SeededGateway {
  /** Every payment seeded on this gateway. */
  payments: Array<{ id: string; orderId: string }>;
}

export interface TossSeeds extends SeededGateway {
  /** Genuine PAYMENT_STATUS_CHANGED bodies of PAID / PARTIALLY_CANCELED card payments. */
  doneEvents: Array<Record<string, unknown>>;
  /** The genuine PAYMENT_STATUS_CHANGED and DEPOSIT_CALLBACK of the virtual account waiting for its deposit. */
  waiting: {
    orderId: string;
    paymentKey: string;
    statusChanged: Record<string, unknown>;
    deposit: Record<string, unknown>;
  };
  /** A prepared payment nobody paid. */
  readyOrderId: string;
}

export interface NicePaySeeds extends SeededGateway {
  /** Genuine signed 결제통보 bodies: paid card payments, the partial cancel. */
  paidEvents: Array<Record<string, unknown>>;
  /** The genuine "ready" 결제통보 of the virtual account waiting for its deposit. */
  readyEvent: Record<string, unknown>;
  readyOrderId: string;
}

export interface KispgSeeds extends SeededGateway {
  /** Correctly hashed approval notifications of paid card payments. */
  approvals: Array<Record<string, string>>;
  /** The correctly hashed issue notice (4100) of the virtual account waiting for its deposit. */
  vacntIssued: Record<string, string>;
  readyOrderId: string;
}

const CARD_AMOUNTS = [15_000, 32_000, 50_000] as const;
const ACCOUNT_AMOUNT = 300_000;
const PARTIAL_CANCEL = 10_000;
const KISPG_CUSTOMER = { name: '김벤치', phone: '01012345678', email: 'bench@example.com' };

/**
 * Toss: three card payments PAID (the last one then partially refunded), one virtual account WAITING_FOR_DEPOSIT and
 * one READY payment, all through the simulator the way a shop makes them. The simulator delivers its own webhooks to
 * the capture server, so the bodies kept here are exactly what Toss sent.
 */
export async function seedToss(
  payments: PaymentsService,
  sim: TossSimulator,
  capture: CaptureServer,
  prefix: string,
): Promise<TossSeeds> {
  const pay = async (suffix: string, amount: number, method: 'CARD' | 'VIRTUAL_ACCOUNT') => {
    const orderId = `${prefix}_t${suffix}`;
    const { payment } = await payments.prepare({ ...orderOf(orderId, amount), gateway: 'toss', method });
    const { paymentKey } = sim.authenticatePayment({ orderId, amount, orderName: ORDER_NAME, method });
    await payments.confirm({ gateway: 'toss', orderId, amount, paymentKey });
    return { id: payment.id, orderId, paymentKey };
  };
  const cards = [];
  for (const [index, amount] of CARD_AMOUNTS.entries()) cards.push(await pay(`c${index}`, amount, 'CARD'));
  await payments.cancel({ paymentId: cards[2].id, amount: PARTIAL_CANCEL, reason: '부분 환불' });
  const account = await pay('va', ACCOUNT_AMOUNT, 'VIRTUAL_ACCOUNT');
  const ready = await payments.prepare({ ...orderOf(`${prefix}_tready`, 20_000), gateway: 'toss' });
  await sim.webhooksIdle();

  const bodies = capture.jsonBodies().map(({ body }) => body);
  const statusChanged = (orderId: string) =>
    lastOf(
      bodies.filter((b) => b['eventType'] === 'PAYMENT_STATUS_CHANGED' && dataOf(b)['orderId'] === orderId),
      `Toss PAYMENT_STATUS_CHANGED for ${orderId}`,
    );
  return {
    payments: [...cards, account, ready.payment].map(({ id, orderId }) => ({ id, orderId })),
    doneEvents: cards.map((card) => statusChanged(card.orderId)),
    waiting: {
      orderId: account.orderId,
      paymentKey: account.paymentKey,
      statusChanged: statusChanged(account.orderId),
      deposit: lastOf(
        bodies.filter((b) => b['eventType'] === undefined && b['orderId'] === account.orderId),
        `Toss DEPOSIT_CALLBACK for ${account.orderId}`,
      ),
    },
    readyOrderId: ready.payment.orderId,
  };
}

/** NicePay: three card payments PAID (the last partially refunded), one virtual account "ready", one READY row. */
export async function seedNicePay(
  payments: PaymentsService,
  sim: NicePaySimulator,
  capture: CaptureServer,
  prefix: string,
): Promise<NicePaySeeds> {
  const pay = async (suffix: string, amount: number, method: 'CARD' | 'VIRTUAL_ACCOUNT') => {
    const orderId = `${prefix}_n${suffix}`;
    const { payment, checkout } = await payments.prepare({
      ...orderOf(orderId, amount),
      gateway: 'nicepay',
      method,
      customer: { name: '김나이스' },
    });
    const fields = checkout.fields as Record<string, string>;
    const posted = sim.authenticate({
      clientId: NICEPAY_TEST_CLIENT_ID,
      orderId,
      amount,
      method: fields['method'],
      goodsName: fields['goodsName'],
      returnUrl: RETURN_URL,
      vbankHolder: fields['vbankHolder'],
    });
    await payments.confirmReturn('nicepay', posted);
    return { id: payment.id, orderId, tid: String(posted['tid']) };
  };
  const cards = [];
  for (const [index, amount] of CARD_AMOUNTS.entries()) cards.push(await pay(`c${index}`, amount, 'CARD'));
  await payments.cancel({ paymentId: cards[2].id, amount: PARTIAL_CANCEL, reason: '부분 환불' });
  const account = await pay('va', ACCOUNT_AMOUNT, 'VIRTUAL_ACCOUNT');
  const ready = await payments.prepare({ ...orderOf(`${prefix}_nready`, 20_000), gateway: 'nicepay', method: 'CARD' });
  await sim.webhooksIdle();

  const bodies = capture.jsonBodies().map(({ body }) => body);
  const eventOf = (tid: string, status: string) =>
    lastOf(
      bodies.filter((b) => b['tid'] === tid && b['status'] === status),
      `NicePay "${status}" 결제통보 for ${tid}`,
    );
  return {
    payments: [...cards, account, ready.payment].map(({ id, orderId }) => ({ id, orderId })),
    paidEvents: [eventOf(cards[0].tid, 'paid'), eventOf(cards[1].tid, 'paid'), eventOf(cards[2].tid, 'paid')],
    readyEvent: eventOf(account.tid, 'ready'),
    readyOrderId: ready.payment.orderId,
  };
}

/** KISPG: three card payments PAID (the last partially refunded), one virtual account issued, one READY row. */
export async function seedKispg(payments: PaymentsService, sim: KispgSimulator, prefix: string): Promise<KispgSeeds> {
  const pay = async (suffix: string, amount: number, method: 'CARD' | 'VIRTUAL_ACCOUNT') => {
    const orderId = `${prefix}_k${suffix}`;
    const { payment, checkout } = await payments.prepare({
      ...orderOf(orderId, amount),
      gateway: 'kispg',
      method,
      customer: KISPG_CUSTOMER,
    });
    const returned = sim.authenticate(checkout.fields as Record<string, string>);
    await payments.confirmReturn('kispg', returned);
    return { id: payment.id, orderId, tid: returned['tid'] };
  };
  const cards = [];
  for (const [index, amount] of CARD_AMOUNTS.entries()) cards.push(await pay(`c${index}`, amount, 'CARD'));
  await payments.cancel({ paymentId: cards[2].id, amount: PARTIAL_CANCEL, reason: '부분 환불' });
  const account = await pay('va', ACCOUNT_AMOUNT, 'VIRTUAL_ACCOUNT');
  const ready = await payments.prepare({
    ...orderOf(`${prefix}_kready`, 20_000),
    gateway: 'kispg',
    method: 'CARD',
    customer: KISPG_CUSTOMER,
  });
  return {
    payments: [...cards, account, ready.payment].map(({ id, orderId }) => ({ id, orderId })),
    approvals: cards.map((card) => sim.notificationFor(card.tid, 'approval')),
    vacntIssued: sim.notificationFor(account.tid, 'approval'),
    readyOrderId: ready.payment.orderId,
  };
}

const ORDER_NAME = 'bench webhook flood';
const RETURN_URL = 'https://shop.example/bench/return';

function orderOf(orderId: string, amount: number) {
  return { orderId, amount, orderName: ORDER_NAME, returnUrl: RETURN_URL };
}

function dataOf(body: Record<string, unknown>): Record<string, unknown> {
  const data = body['data'];
  return data && typeof data === 'object' ? (data as Record<string, unknown>) : {};
}

function lastOf<T>(items: readonly T[], what: string): T {
  if (items.length === 0) throw new Error(`seeding: the simulator never delivered ${what}`);
  return items[items.length - 1];
}
