import { createHmac } from 'node:crypto';
import { InvalidInputError, SignatureMismatchError } from '../../../libs/payments/src/domain/errors';
import {
  computePayoutSignature,
  parsePayoutSignatureHeader,
  timingSafeEqualString,
  tossBasicAuthorization,
  verifyPayoutSignature,
} from '../../../libs/payments/src/gateways/toss/toss.crypto';
import { parseTossWebhook, tossWebhookReply } from '../../../libs/payments/src/gateways/toss/toss.webhook';

describe("Toss Basic auth (docs/gateways/toss.md#transport-and-authentication; Toss's own example headers)", () => {
  it.each([
    ['test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R', 'Basic dGVzdF9za196WExrS0V5cE5BcldtbzUwblgzbG1lYXhZRzVSOg=='],
    ['test_gsk_docs_OaPz8L5KdmQXkzRz3y47BMw6', 'Basic dGVzdF9nc2tfZG9jc19PYVB6OEw1S2RtUVhrelJ6M3k0N0JNdzY6'],
    ['test_ak_ZORzdMaqN3wQd5k6ygr5AkYXQGwy', 'Basic dGVzdF9ha19aT1J6ZE1hcU4zd1FkNWs2eWdyNUFrWVhRR3d5Og=='],
  ])('%s -> %s', (secretKey, header) => {
    expect(tossBasicAuthorization(secretKey)).toBe(header);
  });

  it('encodes the mandatory trailing colon and never the doc-bug " + :" form', () => {
    const header = tossBasicAuthorization('test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R');
    expect(Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8')).toBe(
      'test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R:',
    );
    expect(header).not.toBe('Basic dGVzdF9za196WExrS0V5cE5BcldtbzUwblgzbG1lYXhZRzVSICsgOg==');
  });

  it('drops a pasted UTF-8 BOM instead of encoding it as 77u/', () => {
    const header = tossBasicAuthorization('\uFEFFtest_sk_zXLkKEypNArWmo50nX3lmeaxYG5R');
    expect(header).toBe('Basic dGVzdF9za196WExrS0V5cE5BcldtbzUwblgzbG1lYXhZRzVSOg==');
    expect(header).not.toContain('77u/');
  });
});

describe('timingSafeEqualString', () => {
  it('is true only for identical strings', () => {
    expect(timingSafeEqualString('ps_eqRGgYO1r57E4Z541ZMW3QnN2Eya', 'ps_eqRGgYO1r57E4Z541ZMW3QnN2Eya')).toBe(true);
    expect(timingSafeEqualString('ps_eqRGgYO1r57E4Z541ZMW3QnN2Eyb', 'ps_eqRGgYO1r57E4Z541ZMW3QnN2Eya')).toBe(false);
    expect(timingSafeEqualString('ps_short', 'ps_eqRGgYO1r57E4Z541ZMW3QnN2Eya')).toBe(false);
    expect(timingSafeEqualString('', 'x')).toBe(false);
  });
});

const SECURITY_KEY = 'a3f1c2d4e5b60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';
const ROTATED_KEY = '0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0';
const TIME = '2024-09-05T12:19:21+09:00';
const NOW = new Date('2024-09-05T03:20:00Z'); // 39 s after TIME
const RAW = Buffer.from(
  '{"eventType":"payout.changed","createdAt":"2024-09-05T12:19:21+09:00","version":"2022-11-16","eventId":"evt_01","entityType":"payout","entityBody":{"id":"FPA_1","status":"COMPLETED"}}',
);

/** Independent reference: HMAC-SHA256(key bytes, rawBody + ':' + time), base64 (docs/gateways/toss.md#webhooks). */
function referenceSignature(raw: Buffer, time: string, key: Buffer): string {
  return createHmac('sha256', key)
    .update(Buffer.concat([raw, Buffer.from(`:${time}`)]))
    .digest('base64');
}

describe('payout webhook HMAC (docs/gateways/toss.md#payout-signatures)', () => {
  const utf8Signature = referenceSignature(RAW, TIME, Buffer.from(SECURITY_KEY, 'utf8'));
  const otherSignature = referenceSignature(RAW, TIME, Buffer.from('not-our-key', 'utf8'));

  const base = {
    rawBody: RAW,
    transmissionTime: TIME,
    securityKeys: [SECURITY_KEY],
    keyEncoding: 'utf8' as const,
    toleranceSec: 300,
    now: NOW,
  };

  it('computes HMAC over rawBody + ":" + transmission-time with the key as UTF-8 bytes by default', () => {
    expect(computePayoutSignature(RAW, TIME, SECURITY_KEY).toString('base64')).toBe(utf8Signature);
  });

  it('hex encoding decodes the 64-hex key first and gives a different MAC', () => {
    const hexSignature = referenceSignature(RAW, TIME, Buffer.from(SECURITY_KEY, 'hex'));
    expect(computePayoutSignature(RAW, TIME, SECURITY_KEY, 'hex').toString('base64')).toBe(hexSignature);
    expect(hexSignature).not.toBe(utf8Signature);
    expect(verifyPayoutSignature({ ...base, keyEncoding: 'hex', signatureHeader: `v1:${hexSignature}` })).toEqual({
      valid: true,
    });
    expect(verifyPayoutSignature({ ...base, keyEncoding: 'hex', signatureHeader: `v1:${utf8Signature}` })).toEqual({
      valid: false,
      reason: 'mismatch',
    });
  });

  it('accepts a match in either header value and with either configured key', () => {
    expect(verifyPayoutSignature({ ...base, signatureHeader: `v1:${otherSignature},v1:${utf8Signature}` })).toEqual({
      valid: true,
    });
    expect(verifyPayoutSignature({ ...base, signatureHeader: `v1:${utf8Signature},v1:${otherSignature}` })).toEqual({
      valid: true,
    });
    expect(
      verifyPayoutSignature({
        ...base,
        securityKeys: [ROTATED_KEY, SECURITY_KEY],
        signatureHeader: `v1:${utf8Signature}`,
      }),
    ).toEqual({ valid: true });
  });

  it('rejects a tampered body, a different time, an unknown key and a missing v1: scheme', () => {
    const tampered = Buffer.from(RAW.toString().replace('COMPLETED', 'FAILED'));
    expect(verifyPayoutSignature({ ...base, rawBody: tampered, signatureHeader: `v1:${utf8Signature}` })).toEqual({
      valid: false,
      reason: 'mismatch',
    });
    expect(
      verifyPayoutSignature({
        ...base,
        transmissionTime: '2024-09-05T12:19:22+09:00',
        signatureHeader: `v1:${utf8Signature}`,
      }),
    ).toEqual({ valid: false, reason: 'mismatch' });
    expect(
      verifyPayoutSignature({ ...base, securityKeys: [ROTATED_KEY], signatureHeader: `v1:${utf8Signature}` }),
    ).toEqual({
      valid: false,
      reason: 'mismatch',
    });
    expect(verifyPayoutSignature({ ...base, signatureHeader: utf8Signature })).toEqual({
      valid: false,
      reason: 'mismatch',
    });
  });

  it('rejects deliveries outside the tolerance window, and refuses without keys or headers', () => {
    const late = new Date(Date.parse(TIME) + 301_000);
    expect(verifyPayoutSignature({ ...base, now: late, signatureHeader: `v1:${utf8Signature}` })).toEqual({
      valid: false,
      reason: 'stale',
    });
    expect(verifyPayoutSignature({ ...base, securityKeys: [], signatureHeader: `v1:${utf8Signature}` })).toEqual({
      valid: false,
      reason: 'no-keys',
    });
    expect(verifyPayoutSignature({ ...base, signatureHeader: undefined })).toEqual({
      valid: false,
      reason: 'missing-header',
    });
    expect(
      verifyPayoutSignature({ ...base, transmissionTime: 'yesterday', signatureHeader: `v1:${utf8Signature}` }),
    ).toEqual({
      valid: false,
      reason: 'bad-time',
    });
  });

  it('parses the docs header sample into two 32-byte MACs', () => {
    const parsed = parsePayoutSignatureHeader(
      'v1:TvgZ2rrdPJvzhDBOej8UMybv0SHufgwdiv6+OzANJd4=,v1:/CSvw0DpqBaCVxUAEbzG2Q/7O9V6epYWyKzwavm4MU4=',
    );
    expect(parsed.map((mac) => mac.length)).toEqual([32, 32]);
    expect(parsed[0].toString('base64')).toBe('TvgZ2rrdPJvzhDBOej8UMybv0SHufgwdiv6+OzANJd4=');
  });
});

describe('parseTossWebhook (docs/gateways/toss.md#trust-rules)', () => {
  const verification = {
    payoutSecurityKeys: [SECURITY_KEY],
    payoutKeyEncoding: 'utf8' as const,
    payoutToleranceSec: 300,
  };
  const request = (body: string, headers: Record<string, string> = {}) => ({
    headers,
    rawBody: Buffer.from(body),
    body: undefined,
  });

  it('PAYMENT_STATUS_CHANGED (docs sample) -> read-back with a dedupe key of paymentKey, status and lastTransactionKey', () => {
    const body = JSON.stringify({
      eventType: 'PAYMENT_STATUS_CHANGED',
      createdAt: '2022-01-01T00:00:00.000000',
      data: {
        mId: 'tosspayments',
        version: '2022-11-16',
        lastTransactionKey: 'B7103F204998813B889C77C043D09502',
        paymentKey: 'tviva20240213121757MvuS8',
        orderId: 'order-0001',
        status: 'DONE',
        secret: 'ps_eqRGgYO1r57E4Z541ZMW3QnN2Eya',
        card: {
          issuerCode: '61',
          acquirerCode: '31',
          number: '48902300****406*',
          installmentPlanMonths: 0,
          amount: 10000,
        },
      },
    });
    const parsed = parseTossWebhook(request(body), verification, NOW);
    expect(parsed).toMatchObject({
      // Unsigned: the key ends with a digest of the body, so a re-posted copy with a field changed is another event.
      dedupeKey: expect.stringMatching(
        /^toss:PAYMENT_STATUS_CHANGED:tviva20240213121757MvuS8:DONE:B7103F204998813B889C77C043D09502:[0-9a-f]{32}$/,
      ),
      eventType: 'PAYMENT_STATUS_CHANGED',
      paymentKey: 'tviva20240213121757MvuS8',
      orderId: 'order-0001',
      verification: 'read-back',
    });
    expect(JSON.stringify(parsed.payload)).not.toContain('ps_eqRGgYO1r57E4Z541ZMW3QnN2Eya');
    expect(JSON.stringify(parsed.payload)).toContain('48902300****406*');
  });

  it('DEPOSIT_CALLBACK (flat, no eventType) -> payment-secret with the secret handed to the core', () => {
    const body = JSON.stringify({
      createdAt: '2022-01-01T00:00:00.000000',
      secret: 'ps_eqRGgYO1r57E4Z541ZMW3QnN2Eya',
      status: 'DONE',
      transactionKey: '9FF15E1A29D0E77C218F57262BFA4986',
      orderId: 'order-0002',
    });
    const parsed = parseTossWebhook(request(body), verification, NOW);
    expect(parsed).toMatchObject({
      dedupeKey: expect.stringMatching(
        /^toss:DEPOSIT_CALLBACK:order-0002:DONE:9FF15E1A29D0E77C218F57262BFA4986:[0-9a-f]{32}$/,
      ),
      eventType: 'DEPOSIT_CALLBACK',
      orderId: 'order-0002',
      verification: 'payment-secret',
      secret: 'ps_eqRGgYO1r57E4Z541ZMW3QnN2Eya',
    });
    expect(JSON.stringify(parsed.payload)).not.toContain('ps_eqRGgYO1r57E4Z541ZMW3QnN2Eya');
  });

  it('BILLING_DELETED -> none, billingKey returned, never in the dedupe key or payload', () => {
    const billingKey = 'wm60xF900HXZRzReBluSSgJriVX7d7rS0oyslw4zRwg';
    const body = JSON.stringify({
      eventType: 'BILLING_DELETED',
      createdAt: '2024-12-01T00:00:00.000000',
      data: { billingKey, reason: '삭제 API 요청' },
    });
    const parsed = parseTossWebhook(request(body), verification, NOW);
    expect(parsed.verification).toBe('none');
    expect(parsed.billingKey).toBe(billingKey);
    expect(parsed.dedupeKey).toMatch(/^toss:BILLING_DELETED:[0-9a-f]{32}$/);
    expect(parsed.dedupeKey).not.toContain(billingKey);
    expect(JSON.stringify(parsed.payload)).not.toContain(billingKey);
    expect(parseTossWebhook(request(body), verification, NOW).dedupeKey).toBe(parsed.dedupeKey);
  });

  it('payout.changed verifies the HMAC signature and rejects forgeries', () => {
    const signature = referenceSignature(RAW, TIME, Buffer.from(SECURITY_KEY, 'utf8'));
    const headers = {
      'tosspayments-webhook-signature': `v1:${signature},v1:${signature}`,
      'tosspayments-webhook-transmission-time': TIME,
      'tosspayments-webhook-transmission-id': 'whtrans_a01j70335nkqqeg0zwzz2r4py9z',
    };
    const parsed = parseTossWebhook(request(RAW.toString(), headers), verification, NOW);
    expect(parsed).toMatchObject({
      eventType: 'payout.changed',
      verification: 'signature',
      dedupeKey: 'toss:payout.changed:evt_01',
    });

    const forged = RAW.toString().replace('COMPLETED', 'FAILED');
    expect(() => parseTossWebhook(request(forged, headers), verification, NOW)).toThrow(SignatureMismatchError);
    expect(() => parseTossWebhook(request(RAW.toString(), {}), verification, NOW)).toThrow(SignatureMismatchError);
    expect(() =>
      parseTossWebhook(request(RAW.toString(), headers), { ...verification, payoutSecurityKeys: [] }, NOW),
    ).toThrow(SignatureMismatchError);
  });

  it('malformed bodies are InvalidInputError', () => {
    expect(() => parseTossWebhook(request('not json'), verification, NOW)).toThrow(InvalidInputError);
    expect(() => parseTossWebhook(request('[1,2]'), verification, NOW)).toThrow(InvalidInputError);
    expect(() => parseTossWebhook(request('{"hello":"world"}'), verification, NOW)).toThrow(InvalidInputError);
    expect(() =>
      parseTossWebhook(request('{"eventType":"PAYMENT_STATUS_CHANGED","data":{"status":"DONE"}}'), verification, NOW),
    ).toThrow(InvalidInputError);
    expect(() =>
      parseTossWebhook({ headers: {}, rawBody: Buffer.alloc(0), body: undefined }, verification, NOW),
    ).toThrow(InvalidInputError);
  });

  it('replies 200 with an empty body when accepted, 401 when rejected', () => {
    expect(tossWebhookReply('accepted')).toEqual({ status: 200, body: '', contentType: 'application/json' });
    expect(tossWebhookReply('rejected')).toEqual({ status: 401, body: '', contentType: 'application/json' });
  });
});
