import {
  DuplicateOrderError,
  GatewayConfigurationError,
  GatewayDeclinedError,
  GatewayRequestError,
  GatewayUnavailableError,
  PaymentNotFoundError,
} from '../../../libs/payments/src/domain/errors';
import {
  appsInTossErrorFromResponse,
  readFailure,
} from '../../../libs/payments/src/gateways/apps-in-toss/apps-in-toss.errors';
import { parseKstTime } from '../../../libs/payments/src/gateways/apps-in-toss/apps-in-toss.mapping';
import { fail } from './apps-in-toss-scripted';

describe('Apps-in-Toss envelopes and error mapping (docs/gateways/apps-in-toss.md#error-mapping)', () => {
  it('reads errorCode/reason from every documented shape', () => {
    expect(readFailure(400, fail('INVALID_PARAMETER'))).toEqual({
      resultType: 'FAIL',
      errorCode: 'INVALID_PARAMETER',
      reason: '요청에 실패했습니다.',
    });
    expect(readFailure(400, { resultType: 'FAIL', error: 'invalid_grant' }).errorCode).toBe('invalid_grant');
    expect(readFailure(400, { resultType: 'FAIL', error: { reason: 'r', description: 'd' } })).toMatchObject({
      errorCode: 'FAIL',
      reason: 'r',
    });
    expect(readFailure(400, { resultType: 'FAIL', error: { message: 'm' } }).reason).toBe('m');
    expect(readFailure(200, { resultType: 'HTTP_TIMEOUT' })).toMatchObject({
      resultType: 'HTTP_TIMEOUT',
      errorCode: 'HTTP_TIMEOUT',
    });
    expect(readFailure(502, '<html>bad gateway</html>')).toMatchObject({
      resultType: 'HTTP_502',
      errorCode: 'HTTP_502',
    });
    // TossPay's legacy failure fields inside the body (unverified whether Toss ever sends them; read to be safe)
    expect(
      readFailure(200, {
        resultType: 'FAIL',
        success: { code: -1, errorCode: 'REJECT_CARD_COMPANY', msg: '카드사 거절' },
      }),
    ).toMatchObject({
      errorCode: 'REJECT_CARD_COMPANY',
      reason: '카드사 거절',
    });
    expect(readFailure(200, { resultType: 'FAIL', success: { code: 7 } }).errorCode).toBe('CODE_7');
  });

  it('a card number inside a gateway reason is scrubbed before it reaches an error', () => {
    const error = appsInTossErrorFromResponse(400, fail('REJECT_CARD_COMPANY', '카드 4111 1111 1111 1111 거절'), {
      operation: 'execute-payment',
    });
    expect(error.gatewayMessage).not.toContain('4111 1111 1111 1111');
    expect(error.gatewayMessage).toContain('[CARD]');
  });

  it.each([
    ['HTTP_TIMEOUT', 200],
    ['NETWORK_ERROR', 200],
    ['INTERRUPTED', 200],
    ['INTERNAL_ERROR', 500],
  ])('%s → GatewayUnavailableError(requestSent=true): the outcome is unknown', (resultType, status) => {
    const error = appsInTossErrorFromResponse(status, { resultType }, { operation: 'execute-payment', orderId: 'o-1' });
    expect(error).toBeInstanceOf(GatewayUnavailableError);
    expect((error as GatewayUnavailableError).requestSent).toBe(true);
    expect(error.gatewayCode).toBe(resultType);
  });

  it('maps FAIL codes onto the typed errors, keeping errorCode and reason', () => {
    const duplicate = appsInTossErrorFromResponse(400, fail('PAYMENT_EXISTING_PAYMENT', '이미 존재하는 결제'), {
      operation: 'make-payment',
      orderId: 'order-1',
    });
    expect(duplicate).toBeInstanceOf(DuplicateOrderError);
    expect(duplicate).toMatchObject({
      code: 'DUPLICATE_ORDER',
      gatewayCode: 'PAYMENT_EXISTING_PAYMENT',
      gatewayMessage: '이미 존재하는 결제',
      field: 'orderId',
    });
    expect(duplicate.message).toContain('order-1');

    const config = appsInTossErrorFromResponse(400, fail('COMMON_INVALID_API_KEY'), { operation: 'make-payment' });
    expect(config).toBeInstanceOf(GatewayConfigurationError);
    expect(config.gatewayCode).toBe('COMMON_INVALID_API_KEY');

    expect(appsInTossErrorFromResponse(400, fail('INVALID_PARAMETER'), { operation: 'make-payment' })).toBeInstanceOf(
      GatewayRequestError,
    );
    expect(appsInTossErrorFromResponse(404, fail('NOT_FOUND'), { operation: 'get-payment-status' })).toBeInstanceOf(
      PaymentNotFoundError,
    );
    expect(
      appsInTossErrorFromResponse(404, fail('SOMETHING_ELSE'), { operation: 'get-payment-status' }),
    ).toBeInstanceOf(PaymentNotFoundError);

    const maintenance = appsInTossErrorFromResponse(400, fail('COMMON_BREAK_TIME_OF_BANK', '은행 점검 시간'), {
      operation: 'execute-payment',
    });
    expect(maintenance).toBeInstanceOf(GatewayDeclinedError);
    expect(maintenance).toMatchObject({ gatewayCode: 'COMMON_BREAK_TIME_OF_BANK', retryable: true });

    const notApproved = appsInTossErrorFromResponse(400, fail('EXECUTE_PAY_NOT_APPROVED'), {
      operation: 'execute-payment',
    });
    expect(notApproved).toBeInstanceOf(GatewayDeclinedError);
    expect(notApproved.retryable).toBe(false);

    // an unknown FAIL code is a definitive refusal; an unknown 5xx is not
    expect(appsInTossErrorFromResponse(400, fail('NEW_CODE_2027'), { operation: 'refund-payment' })).toBeInstanceOf(
      GatewayDeclinedError,
    );
    const outage = appsInTossErrorFromResponse(503, '<html>maintenance</html>', { operation: 'refund-payment' });
    expect(outage).toBeInstanceOf(GatewayUnavailableError);
    expect((outage as GatewayUnavailableError).requestSent).toBe(true);
  });

  it('a 404 is "no such payment" only in Toss\'s envelope: a 404 page (proxy, wrong payBaseUrl) is an unknown outcome', () => {
    // The core ends stuck payments on PAYMENT_NOT_FOUND, so it must come from Toss, not from whatever answered 404.
    for (const body of ['<html><body>404 Not Found</body></html>', undefined, { message: 'Not Found' }]) {
      const error = appsInTossErrorFromResponse(404, body, { operation: 'get-payment-status', orderId: 'o-1' });
      expect(error).toBeInstanceOf(GatewayUnavailableError);
      expect(error).toMatchObject({ requestSent: true, gatewayCode: 'HTTP_404' });
    }
    expect(
      appsInTossErrorFromResponse(404, fail('PAYMENT_NOT_FOUND'), { operation: 'get-payment-status', orderId: 'o-1' }),
    ).toBeInstanceOf(PaymentNotFoundError);
  });

  it('parseKstTime reads KST wall-clock and the unspecified status formats', () => {
    expect(parseKstTime('2025-04-17 12:32:10')?.toISOString()).toBe('2025-04-17T03:32:10.000Z');
    expect(parseKstTime('2025-04-17T12:32:10')?.toISOString()).toBe('2025-04-17T03:32:10.000Z');
    expect(parseKstTime('20250417123210')?.toISOString()).toBe('2025-04-17T03:32:10.000Z');
    expect(parseKstTime('2025-04-17T12:32:10+09:00')?.toISOString()).toBe('2025-04-17T03:32:10.000Z');
    expect(parseKstTime('2025-04-17T03:32:10Z')?.toISOString()).toBe('2025-04-17T03:32:10.000Z');
    expect(parseKstTime(1744860730000)?.toISOString()).toBe('2025-04-17T03:32:10.000Z');
    expect(parseKstTime(1744860730)?.toISOString()).toBe('2025-04-17T03:32:10.000Z');
    for (const bad of [null, undefined, '', 'yesterday', '2025-13-45 99:99:99', {}])
      expect(parseKstTime(bad)).toBeNull();
  });
});
