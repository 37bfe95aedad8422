import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { NicePayGatewayModule } from '../../../libs/payments/src/gateways/nicepay/nicepay.module';
import {
  NICEPAY_PRODUCTION_BASE_URL,
  NICEPAY_SANDBOX_BASE_URL,
  NicePayGatewayOptions,
  resolveNicePayOptions,
} from '../../../libs/payments/src/gateways/nicepay/nicepay.types';

const SECRET = '9eb85607103646da9f9c02b128f2e5ee';

function options(values: Partial<NicePayGatewayOptions>): NicePayGatewayOptions {
  return plainToInstance(NicePayGatewayOptions, {
    clientId: 'S2_af4543a0be4d49a98122e01ec2059a56',
    secretKey: SECRET,
    ...values,
  });
}

describe('nicepay options (docs/gateways/nicepay.md#configuration-reference)', () => {
  it('defaults: host from the key prefix, 5 s / 30 s timeouts, basic, A2, netcancel, NicePay webhook IPs, signed', () => {
    const resolved = resolveNicePayOptions(options({}));
    expect(resolved).toEqual({
      clientId: 'S2_af4543a0be4d49a98122e01ec2059a56',
      secretKey: SECRET,
      baseUrl: NICEPAY_SANDBOX_BASE_URL,
      timeouts: { connectMs: 5000, readMs: 30000 },
      authMode: 'basic',
      tokenRefreshMarginMs: 60000,
      encMode: 'A2',
      unknownApprovalPolicy: 'netcancel',
      webhookAllowedSources: ['121.133.126.86', '121.133.126.87'],
      logBodies: false,
      signRequests: true,
    });
    expect(resolveNicePayOptions(options({ clientId: 'R2_0123456789abcdef' })).baseUrl).toBe(
      NICEPAY_PRODUCTION_BASE_URL,
    );
    expect(resolveNicePayOptions(options({ webhookAllowedSources: [] })).webhookAllowedSources).toEqual([]);
  });

  it.each([
    [{ clientId: 'S2_abc', baseUrl: 'http://127.0.0.1:4010' }, []],
    [{ clientId: 'S1_abc' }, []],
    [{ clientId: 'R2_abc' }, []],
    [{ clientId: 'R2_abc', baseUrl: `${NICEPAY_PRODUCTION_BASE_URL}/` }, []],
    [{ clientId: 'af0d116236df437f831483ee9c500bc4', baseUrl: NICEPAY_SANDBOX_BASE_URL }, []],
  ])('accepts %j', (values, problems) => {
    expect(NicePayGatewayModule.validateOptions(options(values))).toEqual(problems);
  });

  it('refuses webhook sources the guard could not match (a bad address or prefix fails boot, not the first webhook)', () => {
    expect(
      NicePayGatewayModule.validateOptions(
        options({ webhookAllowedSources: ['121.133.126.64/27', '999.1.1.1', '10.0.0.0/40'] }),
      ),
    ).toEqual([
      'gateways.nicepay.webhookAllowedSources[1]: 999.1.1.1: not an IP address or CIDR block',
      'gateways.nicepay.webhookAllowedSources[2]: 10.0.0.0/40: prefix must be 0–32',
    ]);
  });

  it.each([
    [{ clientId: 'S2_abc', baseUrl: NICEPAY_PRODUCTION_BASE_URL }, /sandbox .* cannot use the production host/],
    [
      { clientId: 'R2_abc', baseUrl: NICEPAY_SANDBOX_BASE_URL },
      /production .* must use https:\/\/api\.nicepay\.co\.kr/,
    ],
    [{ clientId: 'R1_abc', baseUrl: 'http://127.0.0.1:4010' }, /production .* must use/],
    [{ clientId: 'af0d116236df437f831483ee9c500bc4' }, /baseUrl: required/],
  ])('rejects %j', (values, message) => {
    const problems = NicePayGatewayModule.validateOptions(options(values));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^gateways\.nicepay\.baseUrl: /);
    expect(problems[0]).toMatch(message);
    expect(problems[0]).not.toContain(SECRET);
  });

  it('class-validator rejects bad keys and enum values, naming the field', () => {
    const errors = validateSync(
      options({
        secretKey: 'not-hex',
        authMode: 'oauth' as never,
        encMode: 'CBC' as never,
        unknownApprovalPolicy: 'x' as never,
      }),
      {
        whitelist: true,
        forbidNonWhitelisted: true,
      },
    );
    expect(errors.map((error) => error.property).sort()).toEqual([
      'authMode',
      'encMode',
      'secretKey',
      'unknownApprovalPolicy',
    ]);
    expect(validateSync(options({ webhookAllowedSources: ['121.133.126.64/27', '::1'] }))).toEqual([]);
    // Entries are checked by NicePayGatewayModule.validateOptions with the webhook guard's own rules.
    expect(NicePayGatewayModule.validateOptions(options({ webhookAllowedSources: ['not an ip'] }))).toEqual([
      'gateways.nicepay.webhookAllowedSources[0]: not an ip: not an IP address or CIDR block',
    ]);
  });
});
