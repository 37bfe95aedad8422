import type { ConfigService } from '@nestjs/config';
import type { PaymentsModuleOptions } from 'nestjs-kr-payments';

/**
 * Builds the PaymentsModule options from environment variables (see .env.example). PaymentsModule validates the
 * result again at boot and names the option that is wrong; the checks here only cover the env-var formats, and
 * name the variable, never its value (they hold secrets).
 */
export function paymentsOptionsFromConfig(config: ConfigService): PaymentsModuleOptions {
  const ipAllowlist = listOf(config.get<string>('TOSS_WEBHOOK_IP_ALLOWLIST'));
  const lookupKeyId = config.get<string>('PAYMENTS_LOOKUP_KEY_ID') || undefined;
  return {
    gateways: {
      toss: {
        secretKey: config.getOrThrow<string>('TOSS_SECRET_KEY'),
        clientKey: config.getOrThrow<string>('TOSS_CLIENT_KEY'),
        // Unset = https://api.tosspayments.com; the demo points it at the in-repo simulator.
        ...(config.get<string>('TOSS_BASE_URL') ? { baseUrl: config.get<string>('TOSS_BASE_URL') } : {}),
      },
    },
    encryption: {
      keys: parseKeyRing(config.getOrThrow<string>('PAYMENTS_ENCRYPTION_KEYS')),
      activeKeyId: config.getOrThrow<string>('PAYMENTS_ACTIVE_KEY_ID'),
      ...(lookupKeyId ? { lookupKeyId } : {}),
    },
    // An empty list means "accept any source" (the simulator posts from 127.0.0.1); production sets Toss's IPs.
    webhooks: ipAllowlist.length > 0 ? { ipAllowlist: { toss: ipAllowlist } } : {},
  };
}

/** `k1:<base64>,k2:<base64>` → { k1: '<base64>', k2: '<base64>' }. Base64 never contains ':' or ','. */
export function parseKeyRing(value: string): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const entry of listOf(value)) {
    const separator = entry.indexOf(':');
    if (separator <= 0 || separator === entry.length - 1) {
      throw new Error('PAYMENTS_ENCRYPTION_KEYS: each entry must look like <keyId>:<base64 of 32 bytes>, comma-separated');
    }
    const keyId = entry.slice(0, separator);
    if (keyId in keys) throw new Error(`PAYMENTS_ENCRYPTION_KEYS: key id "${keyId}" appears twice`);
    keys[keyId] = entry.slice(separator + 1);
  }
  if (Object.keys(keys).length === 0) throw new Error('PAYMENTS_ENCRYPTION_KEYS: at least one <keyId>:<base64> entry is required');
  return keys;
}

function listOf(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}
