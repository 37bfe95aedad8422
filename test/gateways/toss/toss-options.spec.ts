import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { TOSS_TEST_CLIENT_KEY, TOSS_TEST_SECRET_KEY } from '../../../libs/testing/src';
import { TossGateway } from '../../../libs/payments/src/gateways/toss/toss.gateway';
import { TossGatewayModule } from '../../../libs/payments/src/gateways/toss/toss.module';
import { TossGatewayOptions } from '../../../libs/payments/src/gateways/toss/toss.types';
import { CapturingLogger } from '../../support/logger';

describe('TossGatewayOptions validation', () => {
  const validate = (plain: Record<string, unknown>) => {
    const options = plainToInstance(TossGatewayOptions, plain);
    const fieldErrors = validateSync(options, { whitelist: true, forbidNonWhitelisted: true }).map((e) => e.property);
    return { fieldErrors, crossErrors: fieldErrors.length === 0 ? TossGatewayModule.validateOptions(options) : [] };
  };

  it('accepts test keys on any URL and live keys on the production URL only', () => {
    expect(
      validate({ secretKey: TOSS_TEST_SECRET_KEY, clientKey: TOSS_TEST_CLIENT_KEY, baseUrl: 'http://127.0.0.1:4010' }),
    ).toEqual({ fieldErrors: [], crossErrors: [] });
    expect(validate({ secretKey: 'live_sk_abc123', clientKey: 'live_ck_abc123' })).toEqual({
      fieldErrors: [],
      crossErrors: [],
    });
    expect(
      validate({
        secretKey: 'live_gsk_abc123',
        clientKey: 'live_gck_abc123',
        baseUrl: 'https://api.tosspayments.com/',
      }),
    ).toEqual({ fieldErrors: [], crossErrors: [] });
    expect(
      validate({ secretKey: 'live_sk_abc123', clientKey: 'live_ck_abc123', baseUrl: 'http://127.0.0.1:4010' })
        .crossErrors,
    ).toEqual(['gateways.toss.baseUrl: live_ keys must use https://api.tosspayments.com (got http://127.0.0.1:4010)']);
  });

  it('rejects mixed modes without quoting the keys', () => {
    const { crossErrors } = validate({ secretKey: 'live_sk_hidden1', clientKey: 'test_ck_abc123' });
    expect(crossErrors).toContain(
      'gateways.toss.clientKey: is a test_ key but secretKey is a live_ key; use keys of the same mode',
    );
    expect(crossErrors.join('\n')).not.toContain('hidden1');
  });

  it('names the bad field', () => {
    expect(validate({ secretKey: 'sk_wrong', clientKey: TOSS_TEST_CLIENT_KEY }).fieldErrors).toEqual(['secretKey']);
    expect(validate({ secretKey: TOSS_TEST_SECRET_KEY, clientKey: TOSS_TEST_SECRET_KEY }).fieldErrors).toEqual([
      'clientKey',
    ]);
    expect(
      validate({ secretKey: TOSS_TEST_SECRET_KEY, clientKey: TOSS_TEST_CLIENT_KEY, baseUrl: 'ftp://x.example' })
        .fieldErrors,
    ).toEqual(['baseUrl']);
    expect(
      validate({ secretKey: TOSS_TEST_SECRET_KEY, clientKey: TOSS_TEST_CLIENT_KEY, timeouts: { readMs: -1 } })
        .fieldErrors,
    ).toEqual(['timeouts']);
    expect(
      validate({
        secretKey: TOSS_TEST_SECRET_KEY,
        clientKey: TOSS_TEST_CLIENT_KEY,
        webhook: { payoutSecurityKeys: ['a', 'b', 'c'] },
      }).fieldErrors,
    ).toEqual(['webhook']);
    expect(
      validate({
        secretKey: TOSS_TEST_SECRET_KEY,
        clientKey: TOSS_TEST_CLIENT_KEY,
        webhook: { payoutKeyEncoding: 'base64' },
      }).fieldErrors,
    ).toEqual(['webhook']);
    expect(
      validate({ secretKey: TOSS_TEST_SECRET_KEY, clientKey: TOSS_TEST_CLIENT_KEY, surprise: 1 }).fieldErrors,
    ).toEqual(['surprise']);
    expect(validate({ clientKey: TOSS_TEST_CLIENT_KEY }).fieldErrors).toEqual(['secretKey']);
    expect(
      validate({
        secretKey: TOSS_TEST_SECRET_KEY,
        clientKey: TOSS_TEST_CLIENT_KEY,
        webhook: { payoutKeyEncoding: 'hex', payoutSecurityKeys: ['not-hex'] },
      }).crossErrors,
    ).toEqual(["gateways.toss.webhook.payoutSecurityKeys[0]: must be a hex string when payoutKeyEncoding is 'hex'"]);
  });
});

describe('TossGatewayModule', () => {
  it('registers under `toss` with its options class and builds the Toss adapter', () => {
    expect(TossGatewayModule.gatewayName).toBe('toss');
    expect(TossGatewayModule.optionsClass).toBe(TossGatewayOptions);
    const options = plainToInstance(TossGatewayOptions, {
      secretKey: TOSS_TEST_SECRET_KEY,
      clientKey: TOSS_TEST_CLIENT_KEY,
    });
    const gateway = TossGatewayModule.createGateway(options, {
      logger: new CapturingLogger(),
      clock: { now: () => new Date() },
    });
    expect(gateway).toBeInstanceOf(TossGateway);
    expect(gateway.name).toBe('toss');
    expect(gateway.features).toEqual({ partialCancel: true, virtualAccount: true, netCancel: false });
  });
});
