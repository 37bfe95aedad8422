/**
 * Compile-time checks, run by `npm run typecheck` (not by jest): the gateway options are typed, so a misspelt
 * gateway key or option is a compile error. Each `@ts-expect-error` fails the typecheck if the error goes away.
 */
import { PaymentsModule, type PaymentsModuleOptions } from 'nestjs-kr-payments';

const encryption = { keys: { k1: Buffer.alloc(32, 7).toString('base64') }, activeKeyId: 'k1' };

export const wellTyped: PaymentsModuleOptions = {
  gateways: { toss: { secretKey: 'test_sk_x', clientKey: 'test_ck_x' }, nicepay: { clientId: 'S2_x', secretKey: 'y' } },
  encryption,
};

export const misspeltGateway: PaymentsModuleOptions = {
  // @ts-expect-error 'tosss' is not a gateway
  gateways: { tosss: { secretKey: 'test_sk_x', clientKey: 'test_ck_x' } },
  encryption,
};

export const misspeltOption: PaymentsModuleOptions = {
  // @ts-expect-error 'secretkey' is not a Toss option (it is 'secretKey')
  gateways: { toss: { secretkey: 'test_sk_x', clientKey: 'test_ck_x' } },
  encryption,
};

export const misspeltInForRoot = PaymentsModule.forRoot({
  // @ts-expect-error 'kisgp' is not a gateway
  gateways: { kisgp: { mid: 'm', merchantKey: 'k' } },
  encryption,
});
