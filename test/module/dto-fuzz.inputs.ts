import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { Seeds } from '../support/four-gateway-world';
import {
  CONTROL_TEXT,
  DeepValue,
  hostileNumber,
  hostileText,
  hostileValue,
  hugeText,
  LONE_SURROGATES,
  pollutingObject,
} from '../support/fuzz-values';

/*
 * Inputs for every PaymentsService method that takes caller input (dto-fuzz.e2e.spec.ts, shop-fuzz.e2e.spec.ts):
 * each field usually plausible (real ids of the seeded payments, billing keys and receipts included) and often
 * hostile; sometimes a field the DTO does not know; sometimes not an object at all.
 */

type Fields = Record<string, fc.Arbitrary<unknown>>;

/** The hostile corners every property must meet: NUL, lone surrogates, 10,000-deep nesting, huge and bigint-ish numbers. */
export const corner: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(...CONTROL_TEXT.slice(0, 3), ...LONE_SURROGATES.slice(0, 3)),
  fc.constantFrom<unknown>(new DeepValue(10_000, 'object'), new DeepValue(10_000, 'array'), new DeepValue(17, 'mixed')),
  fc.constantFrom<unknown>(1e308, -1e308, 2 ** 64, '99999999999999999999999', '-0', 1.5, -1),
  fc.constantFrom<unknown>(pollutingObject('x'), { constructor: { prototype: { isAdmin: true } } }),
);

/** Usually plausible, often hostile, sometimes missing (a value that is not a DTO field). */
const field = (plausible: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 10, arbitrary: plausible },
    { weight: 3, arbitrary: hostileValue },
    { weight: 2, arbitrary: corner },
    { weight: 2, arbitrary: fc.constant(undefined) },
  );

/** What replaces a field of a plausible DTO: something hostile, or nothing. */
const corruption = fc.oneof(
  { weight: 3, arbitrary: hostileValue },
  { weight: 2, arbitrary: corner },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

/**
 * A DTO-shaped object: every field plausible, then (half the time) up to three of them replaced by something hostile or
 * left out, so many inputs pass validation and reach the adapters and the gateways, now and then an
 * unknown or `__proto__` key; one input in fourteen is not shaped at all.
 */
function dto(fields: Fields): fc.Arbitrary<unknown> {
  const names = Object.keys(fields);
  const shaped = fc
    .tuple(
      fc.record(fields),
      fc.oneof(
        { weight: 3, arbitrary: fc.constant([] as Array<[string, unknown]>) },
        {
          weight: 2,
          arbitrary: fc.array(fc.tuple(fc.constantFrom(...names), corruption), { minLength: 1, maxLength: 3 }),
        },
      ),
      fc.oneof(
        { weight: 12, arbitrary: fc.constant([] as Array<[string, unknown]>) },
        fc.array(fc.tuple(fc.oneof(fc.string({ maxLength: 12 }), hostileText), hostileValue), { maxLength: 2 }),
        fc.constant<Array<[string, unknown]>>([['__proto__', { isAdmin: true }]]),
      ),
    )
    .map(([record, changes, extra]) => {
      const body: Record<string, unknown> = { ...record };
      for (const [name, value] of changes) body[name] = value;
      return Object.fromEntries([...Object.entries(body).filter(([, v]) => v !== undefined), ...extra]);
    });
  return fc.oneof({ weight: 12, arbitrary: shaped }, { weight: 1, arbitrary: hostileValue }, corner);
}

/** Optional fields: present or not, plausible when present. */
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });

const GATEWAYS = ['toss', 'nicepay', 'kispg', 'appsInToss'];
const gateway = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...GATEWAYS) },
  fc.constantFrom('TOSS', 'stripe', '', '__proto__'),
);
const text = fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.constantFrom('환불 요청', '테스트 상품 외 2건'));
const amount = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 100, max: 100_000 }) }, hostileNumber);
const smallAmount = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2_000 }), hostileNumber);
const key = fc.stringMatching(/^[A-Za-z0-9_-]{6,40}$/);
const uuid = fc.constant(null).map(() => randomUUID());

export interface InputContext {
  seeds: Seeds;
}

export function inputs({ seeds }: InputContext) {
  const paymentIds = seeds.payments.map((p) => p.id);
  const orderIds = seeds.payments.map((p) => p.orderId);
  const paymentKeys = seeds.payments.map((p) => p.paymentKey).filter((k): k is string => k !== null);
  const pick = <T>(values: T[], other: fc.Arbitrary<T>) =>
    values.length > 0 ? fc.oneof(fc.constantFrom(...values), other) : other;
  const paymentId = pick(paymentIds, uuid);
  const orderId = fc.oneof(fc.constantFrom(...orderIds), key);
  const customerFields = {
    customerKey: pick(seeds.customerKeys, key),
    name: text,
    email: fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom('buyer@example.com', 'kim@shop.example') },
      fc.emailAddress(),
      text,
    ),
    phone: fc.stringMatching(/^01[0-9]{8,9}$/),
  };
  const customer = fc.oneof({ weight: 3, arbitrary: fc.record(customerFields) }, dto(customerFields));
  const metadata = fc.oneof(
    { weight: 8, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 })) },
    corner,
  );
  const url = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom('https://shop.example/pay/return', 'http://localhost:3000/done') },
    fc.webUrl(),
    text,
  );

  return {
    prepare: dto({
      gateway,
      orderId: optional(fc.oneof(key, fc.constantFrom(...orderIds))),
      amount,
      orderName: text,
      taxFreeAmount: optional(smallAmount),
      customer: optional(customer),
      method: optional(fc.constantFrom('CARD', 'VIRTUAL_ACCOUNT', 'TRANSFER', 'MOBILE_PHONE', 'card', 'BITCOIN')),
      returnUrl: url,
      failUrl: optional(url),
      metadata: optional(metadata),
      extra: optional(
        fc.oneof(
          fc.record({ issueServerSide: fc.boolean(), bank: fc.constantFrom('20', '88', 'zz'), validHours: amount }),
          metadata,
        ),
      ),
    }),
    confirm: dto({
      gateway,
      orderId,
      amount,
      paymentKey: optional(pick(paymentKeys, key)),
      authResult: optional(fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 20 }))),
      payToken: optional(pick(paymentKeys, key)),
    }),
    confirmReturn: fc.tuple(
      field(gateway),
      dto({
        authResultCode: fc.constantFrom('0000', 'I002'),
        authResultMsg: text,
        tid: pick(paymentKeys, key),
        clientId: key,
        orderId,
        amount: amount.map((a) => (typeof a === 'number' ? String(a) : a)),
        authToken: key,
        signature: fc.stringMatching(/^[0-9a-f]{64}$/),
        resultCd: fc.constantFrom('0000', '3001', '4100'),
        ordNo: orderId,
        amt: amount,
        ediDate: key,
        encData: fc.stringMatching(/^[0-9a-f]{64}$/),
        payMethod: fc.constantFrom('CARD', 'VACNT'),
      }),
    ),
    cancel: dto({
      paymentId,
      gateway: optional(gateway),
      orderId: optional(orderId),
      amount: optional(amount),
      taxFreeAmount: optional(smallAmount),
      reason: text,
      refundAccount: optional(
        dto({ bankCode: fc.constantFrom('20', '088', 'X'), accountNumber: key, holderName: text }),
      ),
      idempotencyKey: optional(key),
    }),
    issueBillingKey: dto({
      gateway,
      customerKey: pick(seeds.customerKeys, key),
      authKey: optional(key),
      card: optional(
        dto({
          number: fc.stringMatching(/^[0-9]{13,19}$/),
          expiryYear: fc.stringMatching(/^[0-9]{2}$/),
          expiryMonth: fc.constantFrom('01', '12', '13'),
          identityNumber: fc.stringMatching(/^[0-9]{6}$/),
          passwordFirst2: fc.stringMatching(/^[0-9]{2}$/),
        }),
      ),
      customer: optional(customer),
    }),
    chargeBillingKey: dto({
      billingKeyId: pick(seeds.billingKeyIds, uuid),
      amount,
      orderName: text,
      orderId: optional(key),
      taxFreeAmount: optional(smallAmount),
      idempotencyKey: optional(key),
      customer: optional(customer),
      metadata: optional(metadata),
    }),
    issueCashReceipt: dto({
      paymentId: optional(paymentId),
      gateway: optional(gateway),
      amount: optional(amount),
      orderId: optional(key),
      orderName: optional(text),
      taxFreeAmount: optional(smallAmount),
      type: fc.constantFrom('INCOME_DEDUCTION', 'EXPENSE_PROOF', 'income'),
      identityNumber: fc.stringMatching(/^[0-9]{8,30}$/),
    }),
    /** An id argument: a real one, a fresh uuid, or anything at all. */
    paymentId: field(paymentId),
    billingKeyId: field(pick(seeds.billingKeyIds, uuid)),
    cashReceiptId: field(pick(seeds.cashReceiptIds, uuid)),
    gateway: field(gateway),
    orderId: field(orderId),
    reason: fc.oneof(fc.constant(undefined), field(text)),
    stuckOptions: fc.oneof(
      dto({ olderThanMs: fc.integer({ min: 0, max: 10 ** 10 }), limit: fc.integer({ min: 0, max: 1_000 }) }),
      fc.constant(undefined),
    ),
    hugeText,
  };
}

export type Inputs = ReturnType<typeof inputs>;
