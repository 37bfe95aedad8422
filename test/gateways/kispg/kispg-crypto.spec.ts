import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { InvalidInputError, SignatureMismatchError } from '../../../libs/payments/src/domain/errors';
import {
  formatKispgEdiDate,
  kispgEncData,
  kispgHashMatches,
  parseKispgDateTime,
  verifyKispgHash,
} from '../../../libs/payments/src/gateways/kispg/kispg.crypto';
import { kispgWebhookReply, parseKispgWebhook } from '../../../libs/payments/src/gateways/kispg/kispg.webhook';

const MID = 'kistest00m';
const KEY = '2d6ECGhR1pg/1QGE1lcRI4awsWEgshjEyI8UgYslLPJSuNeyPTkdrT8XWARezvDTUJClWQWhjxzBbu7AsuLZqg==';

describe('KISPG encData (docs/gateways/kispg.md#request-signing)', () => {
  // Known answers computed outside Node (Python hashlib.sha256(...).hexdigest()), from the guide's example dates.
  it.each([
    [MID, '20210327121212', '1004', KEY, 'c358f32d2d97deca3fd2f08071d70159217bcc9f92e48b9017321ab616237bb2'],
    [MID, '20210324121212', '1004', KEY, '0d602dcd8638877f282ac2927633427ed8bf4321e4b62255e97db46738eb4449'],
    ['kis000001m', '20210327121212', '10000', KEY, 'b684e15056b86129cde1a6f5af8fb051772c9a07c88d404fb95c1df79a5dcb87'],
  ])('sha256(%s + %s + %s + key) = %s', (mid, ediDate, amount, key, expected) => {
    expect(kispgEncData(mid, ediDate, amount, key)).toBe(expected);
  });

  it('hashes the amount exactly as sent: "1004" and "1004.0" differ', () => {
    expect(kispgEncData(MID, '20210327121212', '1004.0', KEY)).toBe(
      'd15549187ffa65a3d614f8da09067da05fb3c57aacba729eb122ed23376ca57d',
    );
    expect(kispgEncData(MID, '20210327121212', '1004.0', KEY)).not.toBe(
      kispgEncData(MID, '20210327121212', '1004', KEY),
    );
  });

  it('equals an independent lowercase-hex SHA-256 of the plain concatenation for any input', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z0-9]{10}$/),
        fc.stringMatching(/^[0-9]{14}$/),
        fc.stringMatching(/^[1-9][0-9]{0,14}$/),
        fc.string({ minLength: 1, maxLength: 100, unit: 'binary' }),
        (mid, ediDate, amount, key) => {
          const reference = createHash('sha256')
            .update(Buffer.from(mid + ediDate + amount + key, 'utf8'))
            .digest('hex');
          expect(kispgEncData(mid, ediDate, amount, key)).toBe(reference);
          expect(reference).toMatch(/^[0-9a-f]{64}$/);
        },
      ),
    );
  });

  it('verifies in constant time, tolerating hex case, refusing anything else', () => {
    const hash = kispgEncData(MID, '20210327121212', '1004', KEY);
    const parts = { mid: MID, ediDate: '20210327121212', amount: '1004', merchantKey: KEY };
    expect(verifyKispgHash(hash, parts)).toBe(true);
    expect(verifyKispgHash(hash.toUpperCase(), parts)).toBe(true);
    expect(verifyKispgHash(hash, { ...parts, amount: '1005' })).toBe(false);
    expect(verifyKispgHash(hash, { ...parts, ediDate: '20210327121213' })).toBe(false);
    expect(verifyKispgHash(hash, { ...parts, merchantKey: `${KEY}x` })).toBe(false);
    expect(verifyKispgHash(hash.slice(0, 63), parts)).toBe(false);
    expect(verifyKispgHash(`${hash}00`, parts)).toBe(false);
    expect(verifyKispgHash('zz'.repeat(32), parts)).toBe(false);
    expect(verifyKispgHash('', parts)).toBe(false);
    expect(verifyKispgHash(undefined, parts)).toBe(false);
    expect(verifyKispgHash(12345, parts)).toBe(false);
    expect(kispgHashMatches(hash, '')).toBe(false);
  });
});

describe('ediDate in Asia/Seoul', () => {
  it.each([
    // UTC day boundaries: KST is 9 hours ahead, so 15:00Z is already tomorrow in Seoul.
    ['2024-12-31T14:59:59.999Z', '20241231235959'],
    ['2024-12-31T15:00:00.000Z', '20250101000000'],
    ['2024-02-28T15:00:00.000Z', '20240229000000'], // leap day
    ['2024-06-30T23:59:59.000Z', '20240701085959'],
    ['2024-07-01T00:00:00.000Z', '20240701090000'],
    ['2021-03-27T03:12:12.000Z', '20210327121212'], // the guide's example date
  ])('%s -> %s', (instant, expected) => {
    expect(formatKispgEdiDate(new Date(instant))).toBe(expected);
  });

  it('does not depend on the host time zone and always gives 14 digits', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true }),
        (date) => {
          const ediDate = formatKispgEdiDate(date);
          expect(ediDate).toMatch(/^[0-9]{14}$/);
          // Independent reference: Intl in Asia/Seoul.
          const parts = Object.fromEntries(
            new Intl.DateTimeFormat('en-GB', {
              timeZone: 'Asia/Seoul',
              year: 'numeric',
              month: '2-digit',
              day: '2-digit',
              hour: '2-digit',
              minute: '2-digit',
              second: '2-digit',
              hourCycle: 'h23',
            })
              .formatToParts(date)
              .map((part) => [part.type, part.value]),
          );
          expect(ediDate).toBe(`${parts.year}${parts.month}${parts.day}${parts.hour}${parts.minute}${parts.second}`);
          // Round trip to the second.
          expect(parseKispgDateTime(ediDate)?.getTime()).toBe(Math.floor(date.getTime() / 1000) * 1000);
        },
      ),
    );
  });

  it('rejects an invalid date instead of producing garbage', () => {
    expect(() => formatKispgEdiDate(new Date('nope'))).toThrow(RangeError);
  });

  it('parses KST wall-clock values and refuses impossible ones', () => {
    expect(parseKispgDateTime('20250101000000')?.toISOString()).toBe('2024-12-31T15:00:00.000Z');
    expect(parseKispgDateTime('20250101')?.toISOString()).toBe('2024-12-31T15:00:00.000Z');
    expect(parseKispgDateTime('20240230120000')).toBeNull();
    expect(parseKispgDateTime('20241301000000')).toBeNull();
    expect(parseKispgDateTime('2024123112')).toBeNull();
    expect(parseKispgDateTime('')).toBeNull();
    expect(parseKispgDateTime(undefined)).toBeNull();
  });
});

describe('notification hash (hashStr = sha256(mid + ediDate + amt + key))', () => {
  const ediDate = '20230411101211';
  const base = {
    resultCd: '3001',
    resultMsg: '카드 결제 성공',
    mid: MID,
    tid: 'kistest00m01012304111010250264',
    ordNo: 'order-0001',
    amt: '1000',
    cancelYN: 'N',
    payMethod: 'CARD',
    ediDate,
    charSet: 'UTF-8',
  };
  const signed = { ...base, hashStr: createHash('sha256').update(`${MID}${ediDate}1000${KEY}`).digest('hex') };
  const options = { mid: MID, merchantKey: KEY, notificationHash: 'require' as const };
  const asForm = (fields: Record<string, string>) => ({
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    rawBody: Buffer.from(new URLSearchParams(fields).toString()),
    body: fields,
  });
  const asJson = (fields: Record<string, string>) => ({
    headers: { 'content-type': 'application/json' },
    rawBody: Buffer.from(JSON.stringify(fields)),
    body: fields,
  });

  it('accepts a correctly hashed form or JSON notification as a read-back event without the hash in its payload', () => {
    for (const request of [asForm(signed), asJson(signed)]) {
      const parsed = parseKispgWebhook(request, options);
      expect(parsed).toMatchObject({
        // The same fields as a form or as JSON: one key, ending with a digest of the fields.
        dedupeKey: expect.stringMatching(new RegExp(`^kispg:${base.tid}:3001:N:1000:[0-9a-f]{40}$`)),
        eventType: 'NOTI_3001',
        orderId: 'order-0001',
        paymentKey: base.tid,
        verification: 'read-back',
      });
      expect(JSON.stringify(parsed.payload)).not.toContain(signed.hashStr);
      expect(parsed.payload).toMatchObject({ charset: 'UTF-8', charSet: 'UTF-8' });
    }
    const keyOf = (fields: Record<string, string>) => parseKispgWebhook(asForm(fields), options).dedupeKey;
    expect(parseKispgWebhook(asJson(signed), options).dedupeKey).toBe(keyOf(signed));
    // The hash does not cover ordNo: a copy naming another order is another delivery, never the genuine one's key.
    expect(keyOf({ ...signed, ordNo: 'order-0002' })).not.toBe(keyOf(signed));
  });

  it('accepts encData in place of hashStr', () => {
    const { hashStr, ...rest } = signed;
    expect(parseKispgWebhook(asForm({ ...rest, encData: hashStr }), options).verification).toBe('read-back');
  });

  it('rejects a wrong hash, a changed amount, a foreign MID and (by default) a missing hash', () => {
    expect(() => parseKispgWebhook(asForm({ ...signed, hashStr: '0'.repeat(64) }), options)).toThrow(
      SignatureMismatchError,
    );
    expect(() => parseKispgWebhook(asForm({ ...signed, amt: '100000' }), options)).toThrow(SignatureMismatchError);
    expect(() => parseKispgWebhook(asForm(signed), { ...options, mid: 'kis000001m' })).toThrow(SignatureMismatchError);
    expect(() => parseKispgWebhook(asForm(base), options)).toThrow(SignatureMismatchError);
    expect(parseKispgWebhook(asForm(base), { ...options, notificationHash: 'verify-if-present' }).verification).toBe(
      'read-back',
    );
    // verify-if-present still refuses a wrong one
    expect(() =>
      parseKispgWebhook(asForm({ ...signed, hashStr: 'ab'.repeat(32) }), {
        ...options,
        notificationHash: 'verify-if-present',
      }),
    ).toThrow(SignatureMismatchError);
  });

  it('refuses bodies without tid / amount, and bodies that are not forms or objects', () => {
    const { tid: _tid, ...withoutTid } = signed;
    expect(() => parseKispgWebhook(asForm(withoutTid), options)).toThrow(InvalidInputError);
    expect(() => parseKispgWebhook(asForm({ ...signed, amt: '1,000' }), options)).toThrow(InvalidInputError);
    expect(() =>
      parseKispgWebhook(
        { headers: { 'content-type': 'application/json' }, rawBody: Buffer.from('[1,2]'), body: null },
        options,
      ),
    ).toThrow(InvalidInputError);
    expect(() =>
      parseKispgWebhook(
        { headers: { 'content-type': 'application/json' }, rawBody: Buffer.from('{oops'), body: null },
        options,
      ),
    ).toThrow(InvalidInputError);
  });

  it('keeps two partial-cancel notifications apart but a retry of one together', () => {
    const cancel = (canAmt: string, ccDnt: string) => {
      const fields = { ...base, resultCd: '2001', cancelYN: 'Y', canAmt, ccDnt };
      return parseKispgWebhook(asForm({ ...fields, hashStr: signed.hashStr }), options).dedupeKey;
    };
    expect(cancel('300', '20230411101521')).toBe(cancel('300', '20230411101521'));
    expect(cancel('300', '20230411101521')).not.toBe(cancel('200', '20230411101700'));
  });

  it('replies with the configured status/body, 400 FAIL when rejected', () => {
    const reply = { status: 200, body: 'OK', contentType: 'text/plain' };
    expect(kispgWebhookReply('accepted', reply)).toEqual(reply);
    expect(kispgWebhookReply('accepted', { status: 200, body: '0000', contentType: 'text/html' })).toEqual({
      status: 200,
      body: '0000',
      contentType: 'text/html',
    });
    expect(kispgWebhookReply('rejected', reply)).toEqual({ status: 400, body: 'FAIL', contentType: 'text/plain' });
  });
});
