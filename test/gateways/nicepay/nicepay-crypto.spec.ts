import { createDecipheriv } from 'node:crypto';
import {
  nicePayBasicAuthorization,
  nicePayBillingPlaintext,
  nicePayEdiDate,
  nicePayEncrypt,
  nicePayKstDate,
  nicePayPaymentSignature,
  nicePayReceiptSignature,
  nicePayReturnSignature,
  nicePaySha256,
  nicePaySignatureMatches,
  parseNicePayDate,
} from '../../../libs/payments/src/gateways/nicepay/nicepay.crypto';

/** Known answers from NicePay's official manual and samples (each recomputed independently). */
describe('nicepay crypto: known answers', () => {
  describe('Basic auth', () => {
    it.each([
      [
        'S2_af4543a0be4d49a98122e01ec2059a56',
        '9eb85607103646da9f9c02b128f2e5ee',
        'UzJfYWY0NTQzYTBiZTRkNDlhOTgxMjJlMDFlYzIwNTlhNTY6OWViODU2MDcxMDM2NDZkYTlmOWMwMmIxMjhmMmU1ZWU=',
      ],
      [
        'af0d116236df437f831483ee9c500bc4',
        '433a8421be754b34989048cf148a5ffc',
        'YWYwZDExNjIzNmRmNDM3ZjgzMTQ4M2VlOWM1MDBiYzQ6NDMzYTg0MjFiZTc1NGIzNDk4OTA0OGNmMTQ4YTVmZmM=',
      ],
      [
        '58e3b578555e45738d6b569e53d5ae54',
        '4f13ca267dfa4fc6964148bedcda15ef',
        'NThlM2I1Nzg1NTVlNDU3MzhkNmI1NjllNTNkNWFlNTQ6NGYxM2NhMjY3ZGZhNGZjNjk2NDE0OGJlZGNkYTE1ZWY=',
      ],
      [
        'S1_ce1bb1ebebc44fe1a3f7cec976c83ea7',
        '13e969a77a0545799242ccc3915243d3',
        'UzFfY2UxYmIxZWJlYmM0NGZlMWEzZjdjZWM5NzZjODNlYTc6MTNlOTY5YTc3YTA1NDU3OTkyNDJjY2MzOTE1MjQzZDM=',
      ],
    ])('%s', (clientId, secretKey, expected) => {
      expect(nicePayBasicAuthorization(clientId, secretKey)).toBe(`Basic ${expected}`);
    });
  });

  describe('returnUrl POST signature = sha256(authToken + clientId + amount + SK)', () => {
    it('README example', () => {
      expect(
        nicePayReturnSignature(
          'NICEUNTTB06096FF8F653AA366E7EEED1101AAAE',
          'S2_af4543a0be4d49a98122e01ec2059a56',
          '1004',
          '9eb85607103646da9f9c02b128f2e5ee',
        ),
      ).toBe('99ea68bf15681741e793ece56ab87891b9bdc94cd54abdcb55b2884f4336155a');
    });
    it('test.md example (unprefixed clientId)', () => {
      expect(
        nicePayReturnSignature(
          'NICEUNTT9FBBD87FD2393AFEE45A7DCA61C194AA',
          '58e3b578555e45738d6b569e53d5ae54',
          '1004',
          '4f13ca267dfa4fc6964148bedcda15ef',
        ),
      ).toBe('7cc95c592e2a12f0292e1a20d68dd9eb8132fd3c0af675b981a4c1c2ce63a93b');
    });
    it('hashes a numeric amount as its decimal text', () => {
      expect(
        nicePayReturnSignature(
          'NICEUNTTB06096FF8F653AA366E7EEED1101AAAE',
          'S2_af4543a0be4d49a98122e01ec2059a56',
          1004,
          '9eb85607103646da9f9c02b128f2e5ee',
        ),
      ).toBe('99ea68bf15681741e793ece56ab87891b9bdc94cd54abdcb55b2884f4336155a');
    });
  });

  describe('payment object signature = sha256(tid + amount + ediDate + SK)', () => {
    it('README approve response', () => {
      expect(
        nicePayPaymentSignature(
          'UT0000113m01012111051714341073',
          1004,
          '2021-11-05T17:14:35.150+0900',
          '9eb85607103646da9f9c02b128f2e5ee',
        ),
      ).toBe('63b251b31c909eebef1a9f4fcc19e77bdcb8f64fc1066a29670f8627186865cd');
    });
    it('test.md approve response', () => {
      expect(
        nicePayPaymentSignature(
          'UT0000113m01012110051656331001',
          '1004',
          '2021-10-05T16:56:34.447+0900',
          '4f13ca267dfa4fc6964148bedcda15ef',
        ),
      ).toBe('28c2e8bae912847541d4885db17648f963c7cc8e8249ff010097d6f1395df993');
    });
    it('the ediDate is hashed exactly as received (offset and milliseconds matter)', () => {
      const sk = '9eb85607103646da9f9c02b128f2e5ee';
      const exact = nicePayPaymentSignature('UT0000113m01012111051714341073', 1004, '2021-11-05T17:14:35.150+0900', sk);
      expect(
        nicePayPaymentSignature('UT0000113m01012111051714341073', 1004, '2021-11-05T17:14:35.150+09:00', sk),
      ).not.toBe(exact);
      expect(nicePayPaymentSignature('UT0000113m01012111051714341073', 1004, '2021-11-05T17:14:35+0900', sk)).not.toBe(
        exact,
      );
    });
  });

  it('cash receipt signature = sha256(tid + orderId + ediDate + SK)', () => {
    expect(nicePayReceiptSignature('T1', 'order-1', '2021-11-05T17:14:35.150+0900', 'k')).toBe(
      nicePaySha256('T1order-12021-11-05T17:14:35.150+0900k'),
    );
  });

  describe('billing encData', () => {
    const plaintext = 'cardNo=1234567890123456&expYear=25&expMonth=12&idNo=800101&cardPw=12';
    const secretKey = '2dcc2a0d63bf469490bb19a201be3735';

    it('builds the plaintext in the manual key order', () => {
      expect(
        nicePayBillingPlaintext({
          cardNo: '1234567890123456',
          expYear: '25',
          expMonth: '12',
          idNo: '800101',
          cardPw: '12',
        }),
      ).toBe(plaintext);
      expect(nicePayBillingPlaintext({ cardNo: '1234567890123456', expYear: '25', expMonth: '12' })).toBe(
        'cardNo=1234567890123456&expYear=25&expMonth=12',
      );
    });

    it('AES-128-ECB with the first 16 key characters', () => {
      expect(nicePayEncrypt(plaintext, secretKey, 'AES128')).toBe(
        '7c4b12eb43324290bd0e522900a892343f57e0d176cdadae757132c7f3cd442f023ef5c3ffa254ed04b6d47624d4c7847e8061f3be0d67adf1b463b46a542052cf47a5206bfd23945fc1851d426468f4',
      );
    });

    it('A2 = AES-256-CBC, key = the 32 characters, IV = the first 16', () => {
      expect(nicePayEncrypt(plaintext, secretKey, 'A2')).toBe(
        '6ecfe97e521bc67c3053d74a9dbdba53033d343fc9e8e38e730964b22ef2e4a59607171b00a9da977141b3f79fffa1e80a16c08bc58666b479f554a966a363414347e62f2621f8df220c7a4a545592d0',
      );
    });

    it('is not the pre-2023 AES-128-CBC value (the manual history trap)', () => {
      expect(nicePayEncrypt(plaintext, secretKey, 'AES128')).not.toBe(
        '2127975b6d82c36136ba8197a997a994f6c086ff75a6d35e514c54a1e686545e60b76f11bec706de1082e43dd74ae5c5f0709dc1eca6c3cd20e1c0e9e9b7a85c6505461c91c865d82072e41ba5284bd7',
      );
    });

    it('round-trips through the decipher a simulator uses', () => {
      const a2 = nicePayEncrypt(plaintext, secretKey, 'A2');
      const decipher = createDecipheriv('aes-256-cbc', Buffer.from(secretKey), Buffer.from(secretKey.slice(0, 16)));
      expect(Buffer.concat([decipher.update(Buffer.from(a2, 'hex')), decipher.final()]).toString('utf8')).toBe(
        plaintext,
      );
    });

    it('refuses a secret key that is not 32 characters', () => {
      expect(() => nicePayEncrypt(plaintext, 'short', 'A2')).toThrow(/32 characters/);
    });
  });

  describe('signature comparison', () => {
    const expected = '63b251b31c909eebef1a9f4fcc19e77bdcb8f64fc1066a29670f8627186865cd';
    it('accepts the value in either case', () => {
      expect(nicePaySignatureMatches(expected, expected)).toBe(true);
      expect(nicePaySignatureMatches(expected.toUpperCase(), expected)).toBe(true);
    });
    it('rejects a different, truncated, missing or non-string value', () => {
      expect(nicePaySignatureMatches(`${expected.slice(0, 63)}0`, expected)).toBe(false);
      expect(nicePaySignatureMatches(expected.slice(0, 32), expected)).toBe(false);
      expect(nicePaySignatureMatches('', expected)).toBe(false);
      expect(nicePaySignatureMatches(undefined, expected)).toBe(false);
      expect(nicePaySignatureMatches(12345, expected)).toBe(false);
    });
  });

  describe('timestamps', () => {
    it('ediDate is ISO 8601 in KST with milliseconds', () => {
      expect(nicePayEdiDate(new Date('2021-11-05T08:14:35.150Z'))).toBe('2021-11-05T17:14:35.150+09:00');
      expect(nicePayKstDate(new Date('2021-11-05T16:00:00.000Z'))).toBe('20211106');
    });
    it('parses NicePay timestamps, "0" and yyyyMMdd', () => {
      expect(parseNicePayDate('2021-11-05T17:14:35.150+0900')?.toISOString()).toBe('2021-11-05T08:14:35.150Z');
      expect(parseNicePayDate('2021-11-05T17:14:35.150+09:00')?.toISOString()).toBe('2021-11-05T08:14:35.150Z');
      expect(parseNicePayDate('20230214')?.toISOString()).toBe('2023-02-13T15:00:00.000Z');
      expect(parseNicePayDate('0')).toBeNull();
      expect(parseNicePayDate(null)).toBeNull();
      expect(parseNicePayDate('not a date')).toBeNull();
    });
  });
});
