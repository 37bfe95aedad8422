import type { LoggerService } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { FieldCipher, type EncryptionOptions } from './crypto/field-cipher';
import type { PaymentsClock } from './domain/clock';
import { PaymentsConfigurationError } from './domain/errors';
import { flattenValidationErrors } from './domain/validation';
import type { GatewayDefinition } from './gateways/gateway.definition';
import { SourceAllowlist } from './webhooks/source-allowlist';

/** Options of `PaymentsModule.forRoot` / `forRootAsync` (DESIGN.md §2). */
export interface PaymentsModuleOptions {
  /** One block per enabled gateway; a gateway is enabled by having its block. Keys: toss, nicepay, kispg, appsInToss. */
  gateways: Record<string, object | undefined>;
  /** At-rest encryption of billing keys and cash-receipt identity numbers (AES-256-GCM key ring). */
  encryption: EncryptionOptions;
  webhooks?: WebhooksOptions;
  /** Injectable wall clock (tests). */
  clock?: PaymentsClock;
  /** Logger for the library (default: Nest's Logger). */
  logger?: LoggerService;
}

export interface WebhooksOptions {
  /** Controller path prefix; deliveries go to `POST /<pathPrefix>/<gateway>`. Default 'payments/webhooks'. */
  pathPrefix?: string;
  /** Register the webhook controller at all. Default true. */
  enabled?: boolean;
  /**
   * Source-IP allowlists per gateway: addresses or CIDR blocks (e.g. toss.md §1.7). Overrides the gateway's own default
   * list (NicePay and KISPG ship their documented sources; `[]` turns it off). Without either, any source is accepted.
   * Requires a correct `trust proxy` setting in the app when behind a load balancer.
   */
  ipAllowlist?: Record<string, string[]>;
}

export interface ResolvedPaymentsOptions {
  gateways: Record<string, object>;
  encryption: EncryptionOptions;
  webhooks: Required<Pick<WebhooksOptions, 'pathPrefix' | 'enabled'>> & { ipAllowlist: Record<string, string[]> };
  clock?: PaymentsClock;
  logger?: LoggerService;
}

export const DEFAULT_WEBHOOK_PATH_PREFIX = 'payments/webhooks';

/**
 * Validates the options once at boot. Every problem names its field; all problems are reported together so a
 * misconfigured deployment is fixed in one round. Gateway blocks are validated by their own DTO class
 * (whitelist + forbidNonWhitelisted: a misspelt key is an error, not silently ignored) and cross-field rules.
 */
export function resolvePaymentsOptions(
  options: PaymentsModuleOptions | undefined,
  definitions: ReadonlyMap<string, GatewayDefinition>,
): ResolvedPaymentsOptions {
  const problems: string[] = [];
  if (!options || typeof options !== 'object') {
    throw new PaymentsConfigurationError(['options: must be an object']);
  }
  const allowedTop = new Set(['gateways', 'encryption', 'webhooks', 'clock', 'logger']);
  for (const key of Object.keys(options)) {
    if (!allowedTop.has(key)) problems.push(`${key}: unknown option`);
  }

  const gateways: Record<string, object> = {};
  if (!options.gateways || typeof options.gateways !== 'object') {
    problems.push('gateways: must be an object with at least one gateway block');
  } else {
    const entries = Object.entries(options.gateways).filter(([, block]) => block !== undefined && block !== null);
    if (entries.length === 0) problems.push(`gateways: configure at least one of ${[...definitions.keys()].join(', ')}`);
    for (const [name, block] of entries) {
      const definition = definitions.get(name);
      if (!definition) {
        problems.push(`gateways.${name}: unknown gateway (supported: ${[...definitions.keys()].join(', ')})`);
        continue;
      }
      if (typeof block !== 'object' || Array.isArray(block)) {
        problems.push(`gateways.${name}: must be an object`);
        continue;
      }
      const instance = plainToInstance(definition.optionsClass, block);
      const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
      const blockProblems = flattenValidationErrors(errors, `gateways.${name}`).map(
        (p) => `${p.field}: ${p.problems.join('; ')}`,
      );
      problems.push(...blockProblems);
      if (blockProblems.length === 0) {
        problems.push(...(definition.validate?.(instance) ?? []));
        gateways[name] = instance;
      }
    }
  }

  if (!options.encryption) {
    problems.push('encryption: required (keys + activeKeyId) to store billing keys and identity numbers encrypted');
  } else {
    const cipherProblems = FieldCipher.validateOptions(options.encryption);
    problems.push(...cipherProblems);
    const { keys, lookupKey, lookupKeyId } = options.encryption;
    if (cipherProblems.length === 0 && Object.keys(keys ?? {}).length > 1 && !lookupKey && !lookupKeyId) {
      // Without a pinned lookup key the HMAC lookup columns would be derived from the active key and change at
      // the first rotation, silently breaking lookups of existing rows.
      problems.push('encryption.lookupKeyId: required once the key ring has more than one key (pin it to the first key id)');
    }
  }

  const webhooks = options.webhooks ?? {};
  const pathPrefix = webhooks.pathPrefix ?? DEFAULT_WEBHOOK_PATH_PREFIX;
  if (typeof pathPrefix !== 'string' || !/^[A-Za-z0-9_\-/]+$/.test(pathPrefix) || pathPrefix.includes('//')) {
    problems.push('webhooks.pathPrefix: must be a URL path like "payments/webhooks"');
  }
  const ipAllowlist = webhooks.ipAllowlist ?? {};
  for (const [name, ips] of Object.entries(ipAllowlist)) {
    if (!Array.isArray(ips) || ips.some((ip) => typeof ip !== 'string' || ip.length === 0)) {
      problems.push(`webhooks.ipAllowlist.${name}: must be an array of IP addresses or CIDR blocks`);
    } else {
      problems.push(...SourceAllowlist.problems(ips).map((p) => `webhooks.ipAllowlist.${name}: ${p}`));
    }
  }

  if (problems.length > 0) throw new PaymentsConfigurationError(problems);
  return {
    gateways,
    encryption: options.encryption,
    webhooks: {
      pathPrefix: pathPrefix.replace(/^\/+|\/+$/g, ''),
      enabled: webhooks.enabled ?? true,
      ipAllowlist,
    },
    clock: options.clock,
    logger: options.logger,
  };
}
