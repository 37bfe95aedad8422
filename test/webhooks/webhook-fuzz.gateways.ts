import { createHash } from 'node:crypto';
import fc from 'fast-check';
import {
  KISPG_TEST_MERCHANT_KEY,
  KISPG_TEST_MID,
  NICEPAY_TEST_SECRET_KEY,
  type TossSimulator,
} from 'nestjs-kr-payments/testing';
import { hostileJson, hostileNumber, hostileText, hugeText, toJsonText } from '../support/fuzz-values';
import { delivery, headers, text, type Delivery } from './webhook-fuzz.bodies';

/*
 * Deliveries shaped like each gateway's real events (webhook-fuzz.e2e.spec.ts): invented ones, and genuine ones (from
 * the simulators) with some fields changed. Every field is usually plausible and sometimes hostile (wrong type, NUL,
 * lone surrogates, deep, huge) or missing, so most bodies get past parsing and reach the inbox, the secret and
 * signature checks, and the read-backs. Some are signed or hashed with the real keys, as a leaked key would allow.
 */

/** What the world knows that a forger could also know or guess: real order ids, keys, tids, a leaked secret. */
export interface FuzzContext {
  orderIds: string[];
  /** Orders still READY: a read-back of theirs trusts the key the delivery names (they have none of their own). */
  readyOrderIds: string[];
  tossPaymentKeys: string[];
  tossSecrets: string[];
  /** Genuine Toss payment objects (what PAYMENT_STATUS_CHANGED carries in `data`). */
  tossPayments: Array<Record<string, unknown>>;
  nicePayTids: string[];
  /** Genuine NicePay payment objects (a 결제통보 body is one). */
  nicePayPayments: Array<Record<string, unknown>>;
  kispgTids: string[];
  /** Genuine (correctly hashed) KISPG notification fields. */
  kispgNotifications: Array<Record<string, string>>;
  tossSim: TossSimulator;
}

type Fields = Record<string, fc.Arbitrary<unknown>>;

const plausibleText = fc.oneof(fc.string({ maxLength: 24 }), fc.stringMatching(/^[A-Za-z0-9_-]{6,40}$/));
const plausibleAmount = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 1_000_000 }) },
  { weight: 1, arbitrary: hostileNumber },
);
const pick = <T>(values: T[], other: fc.Arbitrary<T>): fc.Arbitrary<T> =>
  values.length > 0 ? fc.oneof(fc.constantFrom(...values), other) : other;
/** A real order (READY ones as often as all the others together) or an invented one. */
const orderIdOf = (ctx: FuzzContext) =>
  fc.oneof(fc.constantFrom(...ctx.readyOrderIds), fc.constantFrom(...ctx.orderIds), plausibleText);
/** Keys around and past what gateways issue: long, multi-byte, path and query characters. */
const oddKey = fc.oneof(
  fc.string({ minLength: 150, maxLength: 400 }),
  fc.string({ unit: fc.constantFrom('가', '/', '?', '#', '%', '.', ' ', '\\', '\uD83D\uDE00'), maxLength: 250 }),
  fc.constantFrom('..', '.', '/', '%2F', '?x=1', '#', 'a/../b'),
);

/** Usually `plausible`; now and then hostile JSON, hostile text, or missing. */
const field = (plausible: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 24, arbitrary: plausible },
    { weight: 1, arbitrary: hostileJson(2) },
    { weight: 1, arbitrary: hostileText },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );

/** Every field present (or deliberately missing): an invented body. */
const invented = (fields: Fields) =>
  fc.record(Object.fromEntries(Object.entries(fields).map(([name, arb]) => [name, field(arb)]))).map(stripUndefined);

/** A genuine body with a few of its fields changed. */
function altered<T extends Record<string, unknown>>(
  genuine: T[],
  fields: Fields,
): fc.Arbitrary<Record<string, unknown>> {
  if (genuine.length === 0) return invented(fields);
  const changes = fc.record(Object.fromEntries(Object.entries(fields).map(([name, arb]) => [name, field(arb)])), {
    requiredKeys: [],
  });
  return fc.tuple(fc.constantFrom(...genuine), changes).map(([body, change]) => ({ ...body, ...change }));
}

// ---- Toss ------------------------------------------------------------------------------------------------------

const TOSS_STATUSES = ['DONE', 'CANCELED', 'PARTIAL_CANCELED', 'WAITING_FOR_DEPOSIT', 'ABORTED', 'EXPIRED', 'READY'];

/** Toss events: PAYMENT_STATUS_CHANGED (invented or a genuine payment altered), DEPOSIT_CALLBACK, the others. */
export function tossShaped(ctx: FuzzContext): fc.Arbitrary<Record<string, unknown>> {
  const orderId = orderIdOf(ctx);
  const status = fc.constantFrom(...TOSS_STATUSES);
  const data: Fields = {
    paymentKey: pick(
      ctx.tossPaymentKeys,
      fc.oneof(plausibleText, oddKey, hugeText, fc.stringMatching(/^tgen_\w{20}$/)),
    ),
    orderId,
    status,
    lastTransactionKey: plausibleText,
    totalAmount: plausibleAmount,
    balanceAmount: plausibleAmount,
    transactionKey: plausibleText,
    cancelStatus: fc.constantFrom('DONE', 'IN_PROGRESS', 'ABORTED'),
    billingKey: plausibleText,
    cancels: fc.array(fc.record({ cancelAmount: plausibleAmount, transactionKey: plausibleText }), { maxLength: 3 }),
  };
  const eventType = fc.oneof(
    { weight: 6, arbitrary: fc.constant('PAYMENT_STATUS_CHANGED') },
    { weight: 3, arbitrary: fc.constantFrom('BILLING_DELETED', 'CANCEL_STATUS_CHANGED', 'METHOD_UPDATED') },
    fc.constantFrom('payout.changed', 'seller.changed', 'DEPOSIT_CALLBACK', '', 'payment_status_changed'),
    hostileJson(1),
  );
  const event = fc.record({
    eventType,
    createdAt: field(plausibleText),
    data: fc.oneof(invented(data), altered(ctx.tossPayments, data), altered(ctx.tossPayments, data), hostileJson(2)),
  });
  const depositCallback = invented({
    createdAt: plausibleText,
    secret: pick(ctx.tossSecrets, fc.oneof(plausibleText, hugeText, fc.constant('ps_forgedforgedforged'))),
    status,
    transactionKey: fc.stringMatching(/^[A-Z0-9]{8,32}$/),
    orderId,
  });
  return fc.oneof({ weight: 3, arbitrary: event }, { weight: 2, arbitrary: depositCallback });
}

/** Toss deliveries: shaped bodies as JSON, some payout events signed with the real 보안 키. */
export function tossDeliveries(ctx: FuzzContext): fc.Arbitrary<Delivery> {
  const plain = fc
    .tuple(tossShaped(ctx), headers(['application/json']))
    .map(([body, h]) => delivery('shaped', h, text(body)));
  const signed = fc
    .tuple(fc.constantFrom('payout.changed', 'seller.changed'), hostileJson(2), fc.option(plausibleText))
    .map(([eventType, data, eventId]): Delivery => {
      const signedBody = ctx.tossSim.signPayoutWebhook(stripUndefined({ eventType, eventId, data }));
      return delivery('signed', signedBody.headers, text(signedBody.rawBody));
    });
  return fc.oneof({ weight: 8, arbitrary: plain }, { weight: 1, arbitrary: signed });
}

// ---- NicePay ---------------------------------------------------------------------------------------------------

const NICE_STATUSES = ['paid', 'ready', 'cancelled', 'partialCancelled', 'failed', 'expired', ''];

/** NicePay 결제통보 bodies: invented or genuine payment objects altered; half signed with the real key. */
export function nicePayShaped(ctx: FuzzContext): fc.Arbitrary<Record<string, unknown>> {
  const fields: Fields = {
    tid: pick(ctx.nicePayTids, fc.oneof(plausibleText, oddKey, hugeText, fc.stringMatching(/^[A-Za-z0-9]{30}$/))),
    orderId: orderIdOf(ctx),
    amount: plausibleAmount,
    balanceAmt: plausibleAmount,
    ediDate: fc.oneof(fc.constant(new Date().toISOString()), plausibleText),
    status: fc.constantFrom(...NICE_STATUSES),
    resultCode: fc.constantFrom('0000', '9999', ''),
    signature: fc.oneof(plausibleText, fc.stringMatching(/^[0-9a-f]{64}$/)),
    cancels: fc.array(fc.record({ tid: plausibleText, amount: plausibleAmount }), { maxLength: 3 }),
  };
  return fc
    .tuple(fc.oneof(invented(fields), altered(ctx.nicePayPayments, fields)), fc.boolean())
    .map(([body, sign]) => {
      const { tid, amount, ediDate } = body as { tid?: unknown; amount?: unknown; ediDate?: unknown };
      if (!sign || typeof tid !== 'string' || typeof ediDate !== 'string' || !Number.isSafeInteger(amount)) return body;
      const signature = createHash('sha256')
        .update(`${tid}${amount}${ediDate}${NICEPAY_TEST_SECRET_KEY}`)
        .digest('hex');
      return { ...body, signature };
    });
}

// ---- KISPG -----------------------------------------------------------------------------------------------------

const kstNow = () => new Date(Date.now() + 9 * 3_600_000).toISOString().replace(/[-:T]/g, '').slice(0, 14);

/** KISPG notifications: invented or genuine ones altered; half hashed with the real merchant key. */
export function kispgShaped(ctx: FuzzContext): fc.Arbitrary<Record<string, unknown>> {
  const digits = fc.oneof(fc.integer({ min: 0, max: 10_000_000 }).map(String), fc.constantFrom('0', '00', '1e3'));
  const fields: Fields = {
    tid: pick(ctx.kispgTids, fc.stringMatching(/^[A-Za-z0-9]{1,30}$/)),
    resultCd: fc.constantFrom('0000', '3001', '2001', '4100', '4110', 'SIM5'),
    resultMsg: plausibleText,
    amt: digits,
    goodsAmt: digits,
    ediDate: fc.oneof(fc.constant(kstNow()), plausibleText),
    ordNo: fc.oneof(orderIdOf(ctx), oddKey, hugeText),
    cancelYN: fc.constantFrom('Y', 'N'),
    canAmt: digits,
    ccDnt: fc.oneof(fc.constant(kstNow()), plausibleText),
    mid: fc.oneof(fc.constant(KISPG_TEST_MID), plausibleText),
    charSet: fc.constantFrom('UTF-8', 'EUC-KR', 'bogus'),
    hashStr: fc.oneof(plausibleText, fc.stringMatching(/^[0-9a-f]{64}$/)),
  };
  return fc
    .tuple(fc.oneof(invented(fields), altered(ctx.kispgNotifications, fields)), fc.boolean())
    .map(([body, sign]) => {
      const amount = body['amt'] ?? body['goodsAmt'];
      const { ediDate } = body;
      if (!sign || typeof ediDate !== 'string' || typeof amount !== 'string') return body;
      const hashStr = createHash('sha256')
        .update(`${KISPG_TEST_MID}${ediDate}${amount}${KISPG_TEST_MERCHANT_KEY}`, 'utf8')
        .digest('hex');
      return { ...body, hashStr };
    });
}

/** NicePay or KISPG shaped bodies as JSON or as a form (string values; anything else as its JSON). */
export function shapedDeliveries(
  shaped: fc.Arbitrary<Record<string, unknown>>,
  preferred: string[],
): fc.Arbitrary<Delivery> {
  return fc.tuple(shaped, headers(preferred)).map(([body, h]): Delivery => {
    const asForm = /form-urlencoded/.test(h['content-type'] ?? '');
    const form = () =>
      new URLSearchParams(
        Object.entries(body).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : toJsonText(v)]),
      ).toString();
    return delivery('shaped', h, text(asForm ? form() : body));
  });
}

function stripUndefined<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
