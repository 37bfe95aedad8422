import type { ConfigService } from '@nestjs/config';
import type { PaymentsModuleOptions } from 'nestjs-kr-payments';

/**
 * Builds the PaymentsModule options from environment variables (see .env.example). PaymentsModule validates the
 * result again at boot and names the option that is wrong; the checks here only cover the env-var formats, and
 * name the variable, never its value (they hold secrets).
 */
export function paymentsOptionsFromConfig(config: ConfigService): PaymentsModuleOptions {
  const lookupKeyId = config.get<string>('PAYMENTS_LOOKUP_KEY_ID') || undefined;
  const gateways: PaymentsModuleOptions['gateways'] = {};
  const ipAllowlist: Record<string, string[]> = {};
  const optional = (name: string): string | undefined => config.get<string>(name) || undefined;

  // A gateway is enabled by its credentials being set; each block is validated again by PaymentsModule at boot.
  if (optional('TOSS_SECRET_KEY')) {
    gateways.toss = {
      secretKey: config.getOrThrow<string>('TOSS_SECRET_KEY'),
      clientKey: config.getOrThrow<string>('TOSS_CLIENT_KEY'),
      // Unset = https://api.tosspayments.com; the demo points it at the in-repo simulator.
      ...(optional('TOSS_BASE_URL') ? { baseUrl: optional('TOSS_BASE_URL') } : {}),
    };
  }
  if (optional('NICEPAY_CLIENT_ID')) {
    gateways.nicepay = {
      clientId: config.getOrThrow<string>('NICEPAY_CLIENT_ID'),
      secretKey: config.getOrThrow<string>('NICEPAY_SECRET_KEY'),
      // Unset = chosen by the clientId prefix: S1_/S2_ sandbox-api.nicepay.co.kr, R1_/R2_ api.nicepay.co.kr.
      ...(optional('NICEPAY_BASE_URL') ? { baseUrl: optional('NICEPAY_BASE_URL') } : {}),
    };
  }
  if (optional('KISPG_MID')) {
    gateways.kispg = {
      mid: config.getOrThrow<string>('KISPG_MID'),
      merchantKey: config.getOrThrow<string>('KISPG_MERCHANT_KEY'),
      // Unset = https://api.kispg.co.kr (production); the test host is https://testapi.kispg.co.kr.
      ...(optional('KISPG_BASE_URL') ? { baseUrl: optional('KISPG_BASE_URL') } : {}),
    };
  }
  if (optional('APPS_IN_TOSS_TLS_CERT')) {
    gateways.appsInToss = {
      // PEM text, a `\n`-escaped PEM (as env vars usually hold it), or a file path.
      tlsCert: config.getOrThrow<string>('APPS_IN_TOSS_TLS_CERT'),
      tlsKey: config.getOrThrow<string>('APPS_IN_TOSS_TLS_KEY'),
      ...(optional('APPS_IN_TOSS_CA') ? { ca: optional('APPS_IN_TOSS_CA') } : {}),
      ...(optional('APPS_IN_TOSS_PAY_BASE_URL') ? { payBaseUrl: optional('APPS_IN_TOSS_PAY_BASE_URL') } : {}),
      testPayment: config.getOrThrow<string>('APPS_IN_TOSS_TEST_PAYMENT') === 'true',
    };
  }
  for (const [gateway, variable] of [
    ['toss', 'TOSS_WEBHOOK_IP_ALLOWLIST'],
    ['nicepay', 'NICEPAY_WEBHOOK_IP_ALLOWLIST'],
    ['kispg', 'KISPG_WEBHOOK_IP_ALLOWLIST'],
  ] as const) {
    // Unset: the gateway's default (Toss, NicePay and KISPG ship their published sources); `any` turns it off.
    const raw = config.get<string>(variable);
    if (raw !== undefined && raw !== '') ipAllowlist[gateway] = raw === 'any' ? [] : listOf(raw);
  }
  if (Object.keys(gateways).length === 0) {
    throw new Error(
      'No gateway configured: set TOSS_SECRET_KEY, NICEPAY_CLIENT_ID, KISPG_MID or APPS_IN_TOSS_TLS_CERT (see .env.example)',
    );
  }
  return {
    gateways,
    encryption: {
      keys: parseKeyRing(config.getOrThrow<string>('PAYMENTS_ENCRYPTION_KEYS')),
      activeKeyId: config.getOrThrow<string>('PAYMENTS_ACTIVE_KEY_ID'),
      ...(lookupKeyId ? { lookupKeyId } : {}),
    },
    // Behind a load balancer: its addresses, so X-Forwarded-For is read from it (and from nowhere else).
    webhooks: { ipAllowlist, trustedProxies: listOf(config.get<string>('WEBHOOK_TRUSTED_PROXIES')) },
  };
}

/** `k1:<base64>,k2:<base64>` → { k1: '<base64>', k2: '<base64>' }. Base64 never contains ':' or ','. */
export function parseKeyRing(value: string): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const entry of listOf(value)) {
    const separator = entry.indexOf(':');
    if (separator <= 0 || separator === entry.length - 1) {
      throw new Error(
        'PAYMENTS_ENCRYPTION_KEYS: each entry must look like <keyId>:<base64 of 32 bytes>, comma-separated',
      );
    }
    const keyId = entry.slice(0, separator);
    if (keyId in keys) throw new Error(`PAYMENTS_ENCRYPTION_KEYS: key id "${keyId}" appears twice`);
    keys[keyId] = entry.slice(separator + 1);
  }
  if (Object.keys(keys).length === 0)
    throw new Error('PAYMENTS_ENCRYPTION_KEYS: at least one <keyId>:<base64> entry is required');
  return keys;
}

function listOf(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}
