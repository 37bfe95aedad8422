import {
  GatewayConfigurationError,
  GatewayDeclinedError,
  GatewayRequestError,
  GatewayUnavailableError,
  PaymentNotFoundError,
} from '../../../libs/payments/src/domain/errors';
import { approvalOutcome } from '../../../libs/payments/src/domain/approval-outcome';
import { PaymentStatus } from '../../../libs/payments/src/domain/payment-status';
import {
  classifyKispgResult,
  kispgErrorFromResult,
  kispgMalformed,
} from '../../../libs/payments/src/gateways/kispg/kispg.errors';
import { readCancelHistory } from '../../../libs/payments/src/gateways/kispg/kispg.cancel-data';
import { KispgGatewayModule } from '../../../libs/payments/src/gateways/kispg/kispg.module';
import { resolveKispgOptions, KispgGatewayOptions } from '../../../libs/payments/src/gateways/kispg/kispg.types';

const context = (
  operation: 'payment' | 'cancel' | 'order',
  categories: Record<string, never> | Record<string, string> = {},
) => ({
  operation,
  reference: 'order-0001',
  categories: categories as Record<string, 'decline'>,
});

describe('KISPG result codes → typed errors (docs/gateways/kispg.md#result-codes)', () => {
  it('unlisted codes: approval and cancel refusals are declines, query refusals are request errors', () => {
    expect(classifyKispgResult('9001', 'payment', {})).toBe('decline');
    expect(classifyKispgResult('9001', 'cancel', {})).toBe('decline');
    expect(classifyKispgResult('9001', 'order', {})).toBe('request');
  });

  it('keeps resultCd / resultMsg on the error and the payment goes FAILED on a decline', () => {
    const error = kispgErrorFromResult('3011', '한도초과', context('payment'));
    expect(error).toBeInstanceOf(GatewayDeclinedError);
    expect(error).toMatchObject({
      code: 'GATEWAY_DECLINED',
      gateway: 'kispg',
      gatewayCode: '3011',
      gatewayMessage: '한도초과',
      retryable: false,
    });
    expect(approvalOutcome(error).status).toBe(PaymentStatus.FAILED);
  });

  it('configured categories win: configuration → READY, retryable → UNKNOWN, not-found, request', () => {
    const categories = { SIM3: 'configuration', X1: 'retryable', SIM5: 'not-found', SIM10: 'request' };
    const ediDate = kispgErrorFromResult('SIM3', '전문요청일시 오류', context('payment', categories));
    expect(ediDate).toBeInstanceOf(GatewayConfigurationError);
    expect(ediDate).toMatchObject({ gatewayCode: 'SIM3', gatewayMessage: '전문요청일시 오류' });
    expect(approvalOutcome(ediDate).status).toBe(PaymentStatus.READY);

    const retry = kispgErrorFromResult('X1', '잠시 후 재시도', context('payment', categories));
    expect(retry).toBeInstanceOf(GatewayUnavailableError);
    expect((retry as GatewayUnavailableError).requestSent).toBe(true);
    expect(approvalOutcome(retry).status).toBe(PaymentStatus.UNKNOWN);

    expect(kispgErrorFromResult('SIM5', '거래 정보 없음', context('order', categories))).toBeInstanceOf(
      PaymentNotFoundError,
    );
    expect(kispgErrorFromResult('SIM10', '요청 항목 오류', context('cancel', categories))).toBeInstanceOf(
      GatewayRequestError,
    );
  });

  it('an answer without resultCd is still typed', () => {
    const error = kispgErrorFromResult(undefined, undefined, context('payment'));
    expect(error).toMatchObject({ gatewayCode: 'NO_RESULT_CODE', gatewayMessage: '' });
  });

  it('an unreadable 2xx is an unknown outcome, never a failure', () => {
    const error = kispgMalformed('payment', 'not a JSON object');
    expect(error.requestSent).toBe(true);
    expect(approvalOutcome(error).status).toBe(PaymentStatus.UNKNOWN);
  });

  it('does not treat inherited object keys as configured categories', () => {
    expect(classifyKispgResult('constructor', 'payment', {})).toBe('decline');
    expect(classifyKispgResult('toString', 'order', {})).toBe('request');
  });
});

describe('cancelData is read by amounts, not by key names (its shape is undocumented)', () => {
  const tid = 'kistest00m01012304111010250264';

  it('reads the simulator-invented shape, other key names, nested JSON strings and bare amounts alike', () => {
    const invented = JSON.stringify([
      { canAmt: '500', canDtm: '20250101120000', canNo: '1' },
      { canAmt: '300', canDtm: '20250101120500', canNo: '2' },
    ]);
    expect(readCancelHistory(invented, tid)?.map((c) => c.amount)).toEqual([500, 300]);
    expect(readCancelHistory(JSON.stringify(invented), tid)?.map((c) => c.amount)).toEqual([500, 300]);
    expect(readCancelHistory([{ cancelAmount: 500 }, { cc_amt: '300', seq: '2' }], tid)?.map((c) => c.amount)).toEqual([
      500, 300,
    ]);
    expect(readCancelHistory({ list: [{ amt: '700' }] }, tid)?.map((c) => c.amount)).toEqual([700]);
    expect(readCancelHistory(['500', 300], tid)?.map((c) => c.amount)).toEqual([500, 300]);
    expect(readCancelHistory({ canAmt: '900', remainAmt: '100' }, tid)?.map((c) => c.amount)).toEqual([900]);
  });

  it('absent or empty means no cancels; unreadable means null (the caller falls back to trxStatus)', () => {
    expect(readCancelHistory(undefined, tid)).toEqual([]);
    expect(readCancelHistory('', tid)).toEqual([]);
    expect(readCancelHistory('[]', tid)).toEqual([]);
    expect(readCancelHistory('<xml/>', tid)).toBeNull();
    expect(readCancelHistory([{ when: '20250101120000' }], tid)).toBeNull();
    expect(readCancelHistory([{ a: '1' }], tid)).toBeNull();
    expect(readCancelHistory([{ amtA: '1', amtB: '2' }], tid)).toBeNull();
    expect(readCancelHistory(42, tid)).toBeNull();
    expect(readCancelHistory({ a: [1], b: [2] }, tid)).toBeNull();
  });

  it('gives each cancel a key derived from its content: stable across reads and list order, distinct for twins', () => {
    const a = { canAmt: '500', canDtm: '20250101120000', canNo: '1' };
    const b = { canAmt: '500', canDtm: '20250101120000', canNo: '2' };
    const first = readCancelHistory([a, b], tid) ?? [];
    const reversed = readCancelHistory([b, a], tid) ?? [];
    expect(new Set(first.map((c) => c.transactionKey)).size).toBe(2);
    expect(reversed.map((c) => c.transactionKey).sort()).toEqual(first.map((c) => c.transactionKey).sort());
    expect(first[0].transactionKey.startsWith(`${tid}:cancel:`)).toBe(true);
    expect(first[0].canceledAt?.toISOString()).toBe('2025-01-01T03:00:00.000Z');
    const twins = readCancelHistory([a, a], tid) ?? [];
    expect(twins[0].transactionKey).not.toBe(twins[1].transactionKey);
  });
});

describe('KISPG options', () => {
  const base = Object.assign(new KispgGatewayOptions(), { mid: 'kistest00m', merchantKey: 'k' });

  it('defaults follow the spec: production host, /v2/cancel, 15 s / 25 s, success codes, OK reply, KISPG source IPs, 1 h account grace', () => {
    const resolved = resolveKispgOptions(base);
    expect(resolved).toMatchObject({
      baseUrl: 'https://api.kispg.co.kr',
      cancelPath: '/v2/cancel',
      timeouts: { connectMs: 15_000, readMs: 25_000 },
      successCodes: { CARD: ['3001'], BANK: ['4000'], VACNT: ['4100'], PHONE: ['A000'] },
      cancelSuccessCodes: ['2001', '2211'],
      returnHashFormula: 'mid+ediDate+amt+merchantKey',
      approvalResponseHash: 'verify-if-present',
      notificationHash: 'require',
      webhookAllowedSources: ['1.233.179.201', '61.40.40.74'],
      notificationReply: { status: 200, body: 'OK', contentType: 'text/plain' },
      logBodies: false,
      vacntExpiryGraceMs: 3_600_000,
    });
  });

  it('cross-field validation names the field and never quotes the key', () => {
    const problems = KispgGatewayModule.validateOptions(
      Object.assign(new KispgGatewayOptions(), {
        ...base,
        merchantKey: 'super-secret-merchant-key',
        webhookAllowedSources: ['1.233.179.201', '10.0.0.0/8', '::1', 'not-an-ip', '10.0.0.0/99'],
        resultCodeCategories: { SIM3: 'configuration', 'bad code!': 'decline', SIM4: 'maybe' },
      }),
    );
    expect(problems).toEqual([
      'gateways.kispg.webhookAllowedSources[3]: not-an-ip: not an IP address or CIDR block',
      'gateways.kispg.webhookAllowedSources[4]: 10.0.0.0/99: prefix must be 0–32',
      'gateways.kispg.resultCodeCategories: key "bad code!" must be a result code (1-10 letters/digits)',
      'gateways.kispg.resultCodeCategories.SIM4: must be one of decline, configuration, request, retryable, not-found',
    ]);
    expect(problems.join('\n')).not.toContain('super-secret-merchant-key');
  });
});
