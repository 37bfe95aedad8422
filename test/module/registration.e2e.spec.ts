import { PaymentStatus, PaymentsConfigurationError } from 'nestjs-kr-payments';
import { TOSS_TEST_CLIENT_KEY, TOSS_TEST_SECRET_KEY, TossSimulator } from 'nestjs-kr-payments/testing';
import { URLS, bootPaymentsApp, TEST_ENCRYPTION, type RegistrationStyle } from '../support/harness';

/**
 * One e2e per registration style (as @nestjs/typeorm and @nestjs/throttler do): each boots a real app on its own
 * database, takes a Toss card payment through the simulator, and serves the webhook route at the configured prefix.
 */
describe('PaymentsModule registration styles', () => {
  let sim: TossSimulator;
  beforeAll(async () => {
    sim = await TossSimulator.start({ port: 0 });
  });
  afterAll(async () => {
    await sim.stop();
  });

  const styles: RegistrationStyle[] = ['forRoot', 'useFactory', 'useClass', 'useExisting'];
  it.each(styles)('%s: boots, confirms a payment, serves webhooks under the prefix', async (style) => {
    const prefix = `hooks/${style.toLowerCase()}`;
    const shop = await bootPaymentsApp(
      {
        gateways: { toss: { secretKey: TOSS_TEST_SECRET_KEY, clientKey: TOSS_TEST_CLIENT_KEY, baseUrl: sim.url } },
        encryption: TEST_ENCRYPTION,
        // Loopback allowed: Toss's own published addresses are the default list.
        webhooks: { pathPrefix: prefix, ipAllowlist: { toss: ['127.0.0.1'] } },
      },
      style,
    );
    try {
      const { payment, checkout } = await shop.payments.prepare({
        ...URLS,
        gateway: 'toss',
        amount: 15_000,
        orderName: `${style} order`,
      });
      expect(checkout.fields.clientKey).toBe(TOSS_TEST_CLIENT_KEY);
      expect(checkout.fields.orderId).toBe(payment.orderId);
      const window = sim.authenticatePayment({ orderId: payment.orderId, amount: 15_000, orderName: `${style} order` });
      const paid = await shop.payments.confirm({
        gateway: 'toss',
        orderId: payment.orderId,
        amount: 15_000,
        paymentKey: window.paymentKey,
      });
      expect(paid.status).toBe(PaymentStatus.PAID);
      expect(paid.balanceAmount).toBe(15_000);
      expect(paid.vat).toBe(1_364);

      // The route exists under the configured prefix (an empty body is a 400 from the guard, not a 404) ...
      const atPrefix = await fetch(`${shop.url}/${prefix}/toss`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(atPrefix.status).toBe(400);
      // ... and not under the default one.
      const atDefault = await fetch(`${shop.url}/payments/webhooks/toss`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(atDefault.status).toBe(404);
    } finally {
      await shop.close();
    }
  });
});

describe('PaymentsModule boot validation', () => {
  const valid = () => ({
    gateways: {
      toss: { secretKey: TOSS_TEST_SECRET_KEY, clientKey: TOSS_TEST_CLIENT_KEY, baseUrl: 'http://127.0.0.1:9' },
    },
    encryption: TEST_ENCRYPTION,
  });

  async function bootError(options: unknown): Promise<PaymentsConfigurationError> {
    try {
      const shop = await bootPaymentsApp(options as never, 'useFactory');
      await shop.close();
    } catch (error) {
      expect(error).toBeInstanceOf(PaymentsConfigurationError);
      return error as PaymentsConfigurationError;
    }
    throw new Error('boot unexpectedly succeeded');
  }

  it('names a missing secret key', async () => {
    const options = valid();
    delete (options.gateways.toss as Partial<typeof options.gateways.toss>).secretKey;
    const error = await bootError(options);
    expect(error.message).toContain('gateways.toss.secretKey');
  });

  it('names a malformed client key without echoing it', async () => {
    const options = valid();
    options.gateways.toss.clientKey = 'pk_not_a_toss_key';
    const error = await bootError(options);
    expect(error.message).toContain('gateways.toss.clientKey');
  });

  it('refuses a live key pointed at a non-production URL', async () => {
    const options = valid();
    options.gateways.toss.secretKey = 'live_sk_' + 'A'.repeat(24);
    options.gateways.toss.clientKey = 'live_ck_' + 'B'.repeat(24);
    const error = await bootError(options);
    expect(error.message).toContain('gateways.toss.baseUrl');
    expect(error.message).not.toContain('A'.repeat(24));
  });

  it('refuses mixed test and live keys', async () => {
    const options = valid();
    options.gateways.toss.clientKey = 'live_ck_' + 'B'.repeat(24);
    const error = await bootError(options);
    expect(error.message).toContain('gateways.toss.clientKey');
  });

  it('refuses an unknown gateway and an unknown option key', async () => {
    const error = await bootError({ ...valid(), gateways: { ...valid().gateways, paypal: { key: 'x' } } });
    expect(error.message).toContain('gateways.paypal: unknown gateway');
    const misspelt = valid() as { gateways: { toss: Record<string, unknown> } };
    misspelt.gateways.toss.secretkey = 'typo';
    const error2 = await bootError(misspelt);
    expect(error2.message).toContain('gateways.toss.secretkey');
  });

  it('refuses missing or malformed encryption keys', async () => {
    const error = await bootError({ gateways: valid().gateways });
    expect(error.message).toContain('encryption');
    const error2 = await bootError({ ...valid(), encryption: { keys: { k1: 'short' }, activeKeyId: 'k1' } });
    expect(error2.message).toContain('encryption.keys.k1');
  });

  it('refuses no gateway at all', async () => {
    const error = await bootError({ gateways: {}, encryption: TEST_ENCRYPTION });
    expect(error.message).toContain('gateways');
  });
});
