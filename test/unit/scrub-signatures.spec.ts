import fc from 'fast-check';
import { scrub, scrubHeaders, scrubText } from '../../libs/payments/src/gateways/http/scrub';
import { nicePayPaymentSignature } from '../../libs/payments/src/gateways/nicepay/nicepay.crypto';
import { verifiedPaymentTruth } from '../../libs/payments/src/gateways/nicepay/nicepay.mapping';
import type { NicePayPayment } from '../../libs/payments/src/gateways/nicepay/nicepay.types';
import {
  NICEPAY_UNVERIFIED_EVENT,
  parseNicePayWebhook,
  scrubNicePayPayload,
} from '../../libs/payments/src/gateways/nicepay/nicepay.webhook';

const SECRET_KEY = '0123456789abcdef0123456789abcdef';
const RUNS = 10_000;

/** What the scrubber used to take for a card number: 13–19 digits not glued to digits, Luhn-valid, card-like start. */
function cardLookingRun(text: string): string | undefined {
  for (const [run] of text.matchAll(/(?<!\d)\d{13,19}(?!\d)/g)) {
    let sum = 0;
    for (let i = 0; i < run.length; i++) {
      let digit = Number(run[run.length - 1 - i]);
      if (i % 2 === 1) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
      sum += digit;
    }
    const prefix4 = Number(run.slice(0, 4));
    const cardLike = /^[34569]/.test(run) || (prefix4 >= 2221 && prefix4 <= 2720);
    if (sum % 10 === 0 && cardLike) return run;
  }
  return undefined;
}

const hexChar = fc.constantFrom(...'0123456789abcdef'.split(''));
const hexSignature = fc
  .constantFrom(64, 128)
  .chain((length) => fc.string({ unit: hexChar, minLength: length, maxLength: length }));
// Signatures are digests: uniformly random bytes, so the bytes are drawn without fast-check's bias toward edge values.
const randomBytes = fc.noBias(fc.uint8Array({ minLength: 16, maxLength: 64 }));
const base64Signature = randomBytes.map((bytes) => Buffer.from(bytes).toString('base64'));
const paddedBase64Url = randomBytes
  .filter((bytes) => bytes.length % 3 !== 0)
  .map((bytes) => Buffer.from(bytes).toString('base64').replace(/\+/g, '-').replace(/\//g, '_'));

/** A gateway-like body holding `token` as a signature, as an ordinary value, in an array and inside free text. */
function bodyWith(token: string) {
  return {
    tid: 'nictest00m01012508151200123456',
    signature: token,
    extra: { note: token, list: [token, { value: token }] },
    resultMsg: `signature ${token} did not verify`,
    snippet: `{"hash":"${token}","amount":1004}`,
  };
}

function expectUntouched(token: string): void {
  const body = bodyWith(token);
  expect(scrub(body)).toEqual(body);
  expect(scrubText(`verify signature=${token}&amount=1004 -> ${token}`)).toBe(
    `verify signature=${token}&amount=1004 -> ${token}`,
  );
  expect(scrubText(JSON.stringify(body))).toBe(JSON.stringify(body));
  expect(scrubHeaders({ 'X-Signature': token, 'X-Note': `v1:${token}` })).toEqual({
    'x-signature': token,
    'x-note': `v1:${token}`,
  });
}

describe('scrubbing never edits signatures', () => {
  it('finds card-looking digit runs in real digests (why this matters: about 1 hex signature in 200)', () => {
    let hits = 0;
    for (let i = 0; i < 2_000; i++) {
      if (cardLookingRun(nicePayPaymentSignature(`tid${i}`, 1004, '2025-08-15T12:00:00.000+09:00', SECRET_KEY))) hits++;
    }
    expect(hits).toBeGreaterThan(0);
  });

  it(`property: ${RUNS} random hex signatures (64 and 128 characters) stay byte-identical wherever they sit`, () => {
    fc.assert(
      fc.property(hexSignature, (token) => expectUntouched(token)),
      { numRuns: RUNS },
    );
  });

  it(`property: ${RUNS} random base64 signatures (standard, and padded URL-safe) stay byte-identical`, () => {
    fc.assert(
      fc.property(fc.oneof(base64Signature, paddedBase64Url), (token) => expectUntouched(token)),
      { numRuns: RUNS },
    );
  });

  it('keeps hex digits glued to a card-looking run when the run is part of a 32+ character hex token', () => {
    const hex = `42b${'4111111111111111'}abf5${'0'.repeat(13)}`; // 36 hex characters
    expect(scrubText(`sig ${hex}`)).toBe(`sig ${hex}`);
    expect(scrub({ anything: hex })).toEqual({ anything: hex });
  });
});

describe('a NicePay signed body still verifies after scrubbing', () => {
  const ediDate = '2025-08-15T12:00:00.000+09:00';
  const amount = 1004;

  /** A tid whose payment signature contains a run the old scrubber masked, so the test shows the fix. */
  function signedPayment(): { payment: NicePayPayment; run: string } {
    for (let serial = 0; serial < 100_000; serial++) {
      const tid = `nictest00m0101250815120${String(serial).padStart(7, '0')}`;
      const signature = nicePayPaymentSignature(tid, amount, ediDate, SECRET_KEY);
      const run = cardLookingRun(signature);
      if (run === undefined) continue;
      const payment: NicePayPayment = {
        resultCode: '0000',
        resultMsg: '정상 처리되었습니다.',
        tid,
        orderId: 'order-20250815-0001',
        ediDate,
        signature,
        status: 'paid',
        paidAt: '2025-08-15T12:00:01.000+0900',
        payMethod: 'card',
        amount,
        balanceAmt: amount,
        goodsName: '티셔츠',
        card: { cardCode: '04', cardName: '삼성', cardNum: '536112******1234', cardQuota: 0 },
        cancels: null,
      };
      return { payment, run };
    }
    throw new Error('no signature with a card-looking run in 100,000 tids');
  }

  /** The adapter's own webhook parser: a body whose signature verifies is never stored as UNVERIFIED. */
  function parseStored(stored: unknown) {
    const rawBody = Buffer.from(JSON.stringify(stored));
    return parseNicePayWebhook(
      { headers: { 'content-type': 'application/json' }, rawBody, body: JSON.parse(rawBody.toString('utf8')) },
      { secretKey: SECRET_KEY },
    );
  }

  it('the stored (scrubbed) webhook body passes the adapter webhook verification', () => {
    const { payment, run } = signedPayment();
    expect(payment.signature).toContain(run);

    const stored = scrubNicePayPayload(payment) as NicePayPayment;
    expect(stored.signature).toBe(payment.signature);
    expect(JSON.stringify(stored)).not.toContain('[CARD]');
    const parsed = parseStored(stored);
    expect(parsed.verification).not.toBe('none');
    expect(parsed.eventType).not.toBe(NICEPAY_UNVERIFIED_EVENT);
    expect(parsed.paymentKey).toBe(payment.tid);

    // What the old scrubber stored: the same body with the run masked no longer verifies.
    const masked = { ...stored, signature: stored.signature?.replace(run, '[CARD]') };
    expect(parseStored(masked).eventType).toBe(NICEPAY_UNVERIFIED_EVENT);
  });

  it('the stored (scrubbed) API answer passes the adapter answer verification', () => {
    const { payment } = signedPayment();
    const stored = scrub(payment) as NicePayPayment;
    expect(stored).toEqual(payment);
    expect(() => verifiedPaymentTruth({ body: stored, scrubbed: stored }, 'inquiry', SECRET_KEY)).not.toThrow();
  });
});
