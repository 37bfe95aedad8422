import fc from 'fast-check';
import {
  SENSITIVE_KEYS,
  scrub,
  scrubCardNumbers,
  scrubHeaders,
  scrubText,
} from '../../libs/payments/src/gateways/http/scrub';

// Well-known test PANs (Luhn-valid): Visa, Amex, Mastercard 2-series, UnionPay, a Korean domestic (9xxx) number.
const VISA = '4111111111111111';
const AMEX = '378282246310005';
const MC2 = '2223003122003222';
const UNIONPAY = '6243030000000001';
const KR_DOMESTIC = '9410123412341237';

describe('SENSITIVE_KEYS', () => {
  it('holds normalized (lower-case, no _ or -) names for credentials, card data, billing keys and identity numbers', () => {
    for (const key of [
      'authorization',
      'secretkey',
      'secret',
      'merchantkey',
      'password',
      'cardpassword',
      'cardnumber',
      'cardno',
      'billingkey',
      'bid',
      'authkey',
      'encdata',
      'signdata',
      'customeridentitynumber',
      'identitynumber',
      'registrationnumber',
      'accountnumber',
      'tlskey',
      'privatekey',
      'cvc',
      'cardexpirationyear',
      'cardexpirationmonth',
      'expyear',
      'expmonth',
      'expireyymm',
    ]) {
      expect(SENSITIVE_KEYS.has(key)).toBe(true);
    }
    // A masked card number under `number` (Toss card.number) is legitimate data, decided by value instead.
    expect(SENSITIVE_KEYS.has('number')).toBe(false);
    for (const key of SENSITIVE_KEYS) expect(key).toBe(key.toLowerCase().replace(/[_-]/g, ''));
  });
});

describe('scrub', () => {
  it('redacts sensitive keys at any depth, case- and separator-insensitively, without touching the input', () => {
    const input = {
      orderId: 'order-1',
      amount: 15000,
      secretKey: 'test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R',
      card_number: '4330123412341234',
      'Card-Password': '12',
      nested: {
        billingKey: 'Z_t5vOvQxrj4499PeiJcjen28-V2RyqgYTwN44Rdzk0=',
        list: [{ encData: 'abcdef0123' }, { BID: 'BIKYnictest00m1104191651325596' }],
      },
      cashReceipt: { type: '소득공제', customerIdentityNumber: '01012345678' },
    };
    const snapshot = JSON.parse(JSON.stringify(input));

    expect(scrub(input)).toEqual({
      orderId: 'order-1',
      amount: 15000,
      secretKey: '[REDACTED]',
      card_number: '[REDACTED]',
      'Card-Password': '[REDACTED]',
      nested: {
        billingKey: '[REDACTED]',
        list: [{ encData: '[REDACTED]' }, { BID: '[REDACTED]' }],
      },
      cashReceipt: { type: '소득공제', customerIdentityNumber: '[REDACTED]' },
    });
    expect(input).toEqual(snapshot);
  });

  it('keeps null and undefined under sensitive keys (they say "absent", not a secret)', () => {
    expect(scrub({ billingKey: null, secret: undefined, cardNumber: null })).toEqual({
      billingKey: null,
      secret: undefined,
      cardNumber: null,
    });
  });

  it('keeps masked card and account numbers, redacts unmasked ones under the same keys', () => {
    const scrubbed = scrub({
      card: { number: '43301234****123*', issuerCode: '61' },
      cardNum: '536112******1234',
      cardNo: '12345678****1234',
      accountNumber: '100******094',
      refundReceiveAccount: { bankCode: '20', accountNumber: '1002003004005', holderName: '홍길동' },
      cardNumber: '5361121234561234',
    });
    expect(scrubbed).toEqual({
      card: { number: '43301234****123*', issuerCode: '61' },
      cardNum: '536112******1234',
      cardNo: '12345678****1234',
      accountNumber: '100******094',
      refundReceiveAccount: { bankCode: '20', accountNumber: '[REDACTED]', holderName: '홍길동' },
      cardNumber: '[REDACTED]',
    });
  });

  it('replaces full card numbers inside any string, including separated forms, and keeps the rest of the text', () => {
    const scrubbed = scrub({
      orderName: `card ${VISA} order`,
      memo: `dash 4111-1111-1111-1111 space 4111 1111 1111 1111`,
      list: [`amex ${AMEX}`, `mc ${MC2}`, `cup ${UNIONPAY}`, `bc ${KR_DOMESTIC}`],
    });
    expect(scrubbed).toEqual({
      orderName: 'card [CARD] order',
      memo: 'dash [CARD] space [CARD]',
      list: ['amex [CARD]', 'mc [CARD]', 'cup [CARD]', 'bc [CARD]'],
    });
  });

  it('leaves digit strings that are not card numbers alone (Luhn failures, timestamps, tids, long ids)', () => {
    const value = {
      notLuhn: '4111111111111112',
      // Luhn-valid 14-digit timestamp: excluded by the IIN rule (2023 is outside Mastercard's 2221-2720).
      appDtm: '20230411101008',
      tid: 'ktest5599m01012304111010250264',
      longDigits: '41111111111111111111111',
      ediNo: '3040229491',
      userKey: 4200000000002,
    };
    expect(scrub(value)).toEqual(value);
  });

  it('adds caller-supplied keys (gateway-specific), matched the same way', () => {
    expect(scrub({ mbs_reserved: 'x', other: 'y' }, ['mbsReserved'])).toEqual({
      mbs_reserved: '[REDACTED]',
      other: 'y',
    });
  });

  it('survives cycles and very deep nesting', () => {
    const cyclic: Record<string, unknown> = { name: 'root', secret: 's' };
    cyclic.self = cyclic;
    cyclic.child = { parent: cyclic };
    expect(scrub(cyclic)).toEqual({
      name: 'root',
      secret: '[REDACTED]',
      self: '[Circular]',
      child: { parent: '[Circular]' },
    });

    let deep: Record<string, unknown> = { leaf: VISA };
    for (let i = 0; i < 50; i++) deep = { next: deep };
    let node = scrub(deep) as Record<string, unknown>;
    let levels = 0;
    while (typeof node.next === 'object' && node.next !== null) {
      node = node.next as Record<string, unknown>;
      levels++;
    }
    expect(levels).toBeLessThanOrEqual(20);
    expect(node.next).toBe('[Truncated]');
    expect(JSON.stringify(scrub(deep))).not.toContain(VISA);
  });

  it('copies shared (non-cyclic) references in full', () => {
    const shared = { cardNumber: VISA, bank: '88' };
    expect(scrub({ a: shared, b: shared })).toEqual({
      a: { cardNumber: '[REDACTED]', bank: '88' },
      b: { cardNumber: '[REDACTED]', bank: '88' },
    });
  });

  it('property: a Luhn-valid Visa number embedded anywhere never survives', () => {
    const luhnCheckDigit = (body: string): string => {
      let sum = 0;
      for (let i = 0; i < body.length; i++) {
        let digit = Number(body[body.length - 1 - i]);
        if (i % 2 === 0) {
          digit *= 2;
          if (digit > 9) digit -= 9;
        }
        sum += digit;
      }
      return String((10 - (sum % 10)) % 10);
    };
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 14, maxLength: 14 }),
        fc.string({ unit: fc.constantFrom('a', 'b', ' ', ':', '가') }),
        fc.string({ unit: fc.constantFrom('x', 'y', ' ', '/', '나') }),
        (digits, before, after) => {
          const body = `4${digits.join('')}`;
          const pan = body + luhnCheckDigit(body);
          const out = JSON.stringify(scrub({ text: `${before}${pan}${after}`, arr: [pan] }));
          expect(out).not.toContain(pan);
        },
      ),
    );
  });
});

describe('scrubCardNumbers', () => {
  it('keeps masked numbers', () => {
    expect(scrubCardNumbers('43301234****123* and 536112******1234')).toBe('43301234****123* and 536112******1234');
  });
});

describe('scrubText', () => {
  it('redacts Basic and Bearer credentials', () => {
    expect(scrubText('Authorization: Basic dGVzdF9za196WExrS0V5cE5BcldtbzUwblgzbG1lYXhZRzVSOg==')).toBe(
      'Authorization: Basic [REDACTED]',
    );
    expect(scrubText('sent Bearer 6d0a7caa5279aa00ff11 to api')).toBe('sent Bearer [REDACTED] to api');
  });

  it('redacts Toss secret-key-looking strings (test_sk_, live_sk_, test_gsk_, live_gsk_, test_ak_)', () => {
    expect(
      scrubText(
        'keys test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R live_sk_abc123DEF test_gsk_docs_OaPz8L5KdmQXkzRz3y47BMw6 test_ak_ZORzdMaqN3wQd5k6ygr5AkYXQGwy',
      ),
    ).toBe('keys [REDACTED] [REDACTED] [REDACTED] [REDACTED]');
    // Client keys are public (they ship to the browser): kept.
    expect(scrubText('test_ck_D5GePWvyJnrK0W0k6q8gLzN97Eoq')).toBe('test_ck_D5GePWvyJnrK0W0k6q8gLzN97Eoq');
  });

  it('redacts sensitive key=value pairs in query and form strings, keeps the others', () => {
    expect(
      scrubText('/v1/payments/find/o1?orderDate=20240101&signData=abcdef&ediDate=2024-01-01T00%3A00%3A00%2B09%3A00'),
    ).toBe('/v1/payments/find/o1?orderDate=20240101&signData=[REDACTED]&ediDate=2024-01-01T00%3A00%3A00%2B09%3A00');
    expect(scrubText('mid=kistest00m&merchant_key=2d6ECGhR1pg&goodsAmt=1004&card-no=4330123412341234')).toBe(
      'mid=kistest00m&merchant_key=[REDACTED]&goodsAmt=1004&card-no=[REDACTED]',
    );
  });

  it('redacts sensitive "key": value pairs in JSON snippets', () => {
    expect(scrubText('body {"billingKey":"Z_t5vOvQ","amount":4900,"cardPw":12,"authKey":null}')).toBe(
      'body {"billingKey":"[REDACTED]","amount":4900,"cardPw":"[REDACTED]","authKey":null}',
    );
  });

  it('replaces card numbers in free text', () => {
    expect(scrubText(`declined card ${VISA} (4111-1111-1111-1111)`)).toBe('declined card [CARD] ([CARD])');
  });

  it('leaves ordinary text as is', () => {
    const text =
      'confirm POST /v1/payments/confirm: connection refused (ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:4242)';
    expect(scrubText(text)).toBe(text);
  });
});

describe('scrubHeaders', () => {
  it('lower-cases names, redacts credentials, joins arrays, drops undefined', () => {
    expect(
      scrubHeaders({
        Authorization: 'Basic dGVzdF9za196WExrS0V5cE5BcldtbzUwblgzbG1lYXhZRzVSOg==',
        'Content-Type': 'application/json',
        'Set-Cookie': ['a=1', 'b=2'],
        Cookie: 'session=abc',
        'Idempotency-Key': 'confirm:7f3c',
        'X-Forwarded-For': ['10.0.0.1', '10.0.0.2'],
        'X-Missing': undefined,
      }),
    ).toEqual({
      authorization: '[REDACTED]',
      'content-type': 'application/json',
      'set-cookie': '[REDACTED]',
      cookie: '[REDACTED]',
      'idempotency-key': 'confirm:7f3c',
      'x-forwarded-for': '10.0.0.1, 10.0.0.2',
    });
  });

  it('scrubs credentials hidden in other header values', () => {
    expect(scrubHeaders({ 'X-Debug': `proxy Bearer abcdefghijkl card ${VISA}` })).toEqual({
      'x-debug': 'proxy Bearer [REDACTED] card [CARD]',
    });
  });
});

describe('card numbers only where a card number can be', () => {
  it('masks full numbers in card-number fields, with or without a valid check digit, and keeps masked ones', () => {
    expect(
      scrub({
        card: { number: '4111-1111-1111-1111', issuerCode: '61' },
        billing: { card: { number: '1234 5678 1234 5678' } },
        cardBinNumber: '4111111111111111',
        cardNum4Print: '5361121234561234',
        masked: { card: { number: '43301234****123*' } },
        cardNumber: '4111 1111 1111 1111',
      }),
    ).toEqual({
      card: { number: '[CARD]', issuerCode: '61' },
      billing: { card: { number: '[CARD]' } },
      cardBinNumber: '[CARD]',
      cardNum4Print: '[CARD]',
      masked: { card: { number: '43301234****123*' } },
      cardNumber: '[REDACTED]',
    });
  });

  it('masks Luhn-valid numbers in free text, grouped by dashes or spaces, glued to words or punctuation', () => {
    expect(
      scrub({
        orderName: `카드${VISA} 결제`,
        failure: { message: `card 4111-1111-1111-1111 declined; retry with 4111 1111 1111 1111 or card:${AMEX}.` },
        lines: [`ab${MC2}xy`, `order-${KR_DOMESTIC}`],
      }),
    ).toEqual({
      orderName: '카드[CARD] 결제',
      failure: { message: 'card [CARD] declined; retry with [CARD] or card:[CARD].' },
      lines: ['ab[CARD]xy', 'order-[CARD]'],
    });
    expect(scrubText(`GET /v1/x?q=${VISA}&note=4111-1111-1111-1111`)).toBe('GET /v1/x?q=[CARD]&note=[CARD]');
  });

  it('keeps a Luhn-invalid 16-digit order number in free text', () => {
    // Acceptable on purpose: a number that fails the Luhn check is not a card number (every issued PAN passes it), and
    // the masked numbers gateways send (`43301234****123*`) are already masked. Masking every 16-digit run would
    // rewrite order numbers, tids and timestamps in messages that support staff need to read.
    const orderNumber = '4111111111111112';
    expect(scrubText(`order ${orderNumber} was not found`)).toBe(`order ${orderNumber} was not found`);
    expect(scrub({ resultMsg: `주문번호 ${orderNumber} 없음` })).toEqual({ resultMsg: `주문번호 ${orderNumber} 없음` });
  });

  it('never scans the fields a gateway signature covers, nor signature headers', () => {
    const signed = { tid: `t${VISA}x`, orderId: VISA, ediDate: '2025-08-15T12:00:00.000+09:00', mid: `m_${VISA}` };
    expect(scrub(signed)).toEqual(signed);
    expect(scrubText(`{"orderId":"${VISA}","orderName":"${VISA}"} tid=${VISA}`)).toBe(
      `{"orderId":"${VISA}","orderName":"[CARD]"} tid=${VISA}`,
    );
    const header = `v1:${Buffer.from(VISA.repeat(2)).toString('base64')}`;
    expect(scrubHeaders({ 'TossPayments-Webhook-Signature': header })).toEqual({
      'tosspayments-webhook-signature': header,
    });
  });

  it('reads the padded tail of a base64 token as padding, not as a sensitive key=value pair', () => {
    const token = 'AAAAAAAAAAAAAAAAAAAA/CI=';
    expect(scrubText(`signature ${token} did not verify`)).toBe(`signature ${token} did not verify`);
    expect(scrubText(`login ci=abc123&x=1`)).toBe('login ci=[REDACTED]&x=1');
  });
});
