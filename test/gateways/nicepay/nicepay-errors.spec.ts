import {
  GatewayConfigurationError,
  GatewayDeclinedError,
  GatewayRequestError,
  GatewayUnavailableError,
  NotFoundError,
  PaymentNotFoundError,
} from '../../../libs/payments/src/domain/errors';
import {
  classifyNicePayError,
  NICEPAY_ERROR_TABLE,
  nicePayErrorFromResult,
} from '../../../libs/payments/src/gateways/nicepay/nicepay.errors';

const payment = { operation: 'approve', resource: 'payment' as const, reference: 'order-1' };

describe('nicepay error table', () => {
  it('never lists 0000 (the only success) as an error', () => {
    expect(NICEPAY_ERROR_TABLE.has('0000')).toBe(false);
  });

  it.each([
    // auth / transport
    ['U104', 401, 'configuration'],
    ['U103', 403, 'configuration'],
    ['U304', 401, 'configuration'],
    ['U305', 401, 'configuration'],
    ['A224', 200, 'configuration'],
    ['U315', 200, 'configuration'],
    // validation, signatures, duplicates, amounts
    ['P007', 200, 'request'],
    ['U105', 200, 'request'],
    ['U312', 200, 'request'],
    ['A101', 200, 'request'],
    ['U112', 200, 'request'],
    ['U114', 200, 'request'],
    ['2201', 200, 'request'],
    ['A123', 200, 'request'],
    // not found
    ['U107', 404, 'not-found'],
    ['U126', 200, 'not-found'],
    ['A124', 200, 'not-found'],
    // refusals
    ['3011', 200, 'decline'],
    ['U123', 200, 'decline'],
    ['U128', 200, 'decline'],
    ['2020', 200, 'decline'],
    ['F201', 200, 'decline'],
    ['U115', 200, 'decline'],
    // temporary
    ['S999', 200, 'retryable'],
    ['9999', 200, 'retryable'],
  ])('%s (HTTP %d) is %s', (code, status, category) => {
    expect(classifyNicePayError(status, code)).toBe(category);
  });

  it('an unknown code is a decline with the code kept; without a code the HTTP status decides', () => {
    expect(classifyNicePayError(200, 'Z123')).toBe('decline');
    const error = nicePayErrorFromResult(200, { resultCode: 'Z123', resultMsg: '새 코드' }, payment);
    expect(error).toBeInstanceOf(GatewayDeclinedError);
    expect(error.gatewayCode).toBe('Z123');
    expect(error.gatewayMessage).toBe('새 코드');
    expect(classifyNicePayError(401, undefined)).toBe('configuration');
    // NicePay names what it does not have (U107, U121 ...); a bare 404 comes from in front of it and proves nothing.
    expect(classifyNicePayError(404, undefined)).toBe('retryable');
    expect(classifyNicePayError(404, 'U107')).toBe('not-found');
    expect(classifyNicePayError(502, undefined)).toBe('retryable');
    expect(classifyNicePayError(400, undefined)).toBe('request');
    expect(classifyNicePayError(500, 'Z123')).toBe('retryable');
  });

  it('maps categories to typed errors with retryable flags', () => {
    const unavailable = nicePayErrorFromResult(200, { resultCode: 'S999', resultMsg: '기타오류' }, payment);
    expect(unavailable).toBeInstanceOf(GatewayUnavailableError);
    expect((unavailable as GatewayUnavailableError).requestSent).toBe(true);
    expect(unavailable.retryable).toBe(true);
    expect(unavailable.gatewayCode).toBe('S999');

    const configuration = nicePayErrorFromResult(
      401,
      { resultCode: 'U104', resultMsg: '사용자 인증에 실패하였습니다.' },
      payment,
    );
    expect(configuration).toBeInstanceOf(GatewayConfigurationError);
    expect(configuration.retryable).toBe(false);

    const request = nicePayErrorFromResult(200, { resultCode: 'A123', resultMsg: '거래금액 불일치' }, payment);
    expect(request).toBeInstanceOf(GatewayRequestError);
    expect(request.retryable).toBe(false);
    expect(request.gatewayCode).toBe('A123');

    const decline = nicePayErrorFromResult(
      200,
      { resultCode: '2032', resultMsg: '취소금액이 취소가능금액보다 큼' },
      payment,
    );
    expect(decline).toBeInstanceOf(GatewayDeclinedError);
    expect(decline.retryable).toBe(false);

    const notFound = nicePayErrorFromResult(
      404,
      { resultCode: 'U107', resultMsg: '거래내역이 존재 하지 않습니다.' },
      payment,
    );
    expect(notFound).toBeInstanceOf(PaymentNotFoundError);
    expect(notFound.message).toContain('order-1');

    const billingNotFound = nicePayErrorFromResult(
      200,
      { resultCode: 'A124' },
      { operation: 'charge', resource: 'billing_key', reference: 'charge o-1' },
    );
    expect(billingNotFound).toBeInstanceOf(NotFoundError);
    expect(billingNotFound.code).toBe('BILLING_KEY_NOT_FOUND');
  });

  it('a non-JSON 5xx (a proxy page) is retryable with the HTTP status as code', () => {
    const error = nicePayErrorFromResult(502, '<html>Bad gateway</html>', payment);
    expect(error).toBeInstanceOf(GatewayUnavailableError);
    expect(error.gatewayCode).toBe('HTTP_502');
  });

  it('a 404 without a NicePay code is an unknown outcome, never "no such payment"', () => {
    const error = nicePayErrorFromResult(404, '<html>Not Found</html>', payment);
    expect(error).toBeInstanceOf(GatewayUnavailableError);
    expect(error).not.toBeInstanceOf(PaymentNotFoundError);
    expect((error as GatewayUnavailableError).requestSent).toBe(true);
    expect(error.gatewayCode).toBe('HTTP_404');
  });
});
