import type { LoggerService } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { FieldCipher, type EncryptionOptions } from './crypto/field-cipher';
import type { PaymentsClock } from './domain/clock';
import { PaymentsConfigurationError } from './domain/errors';
import { flattenValidationErrors } from './domain/validation';
import type { PaymentGatewayModuleClass } from './gateways/payment-gateway-module';
import type { GatewaysOptions } from './gateways/shipped-gateways';
import { DEFAULT_READY_TTL_MS, DEFAULT_RECOVERY_MARGIN_MS } from './jobs/recovery-timing';
import { SourceAllowlist } from './webhooks/source-allowlist';

export type { GatewaysOptions } from './gateways/shipped-gateways';

/** Options of `PaymentsModule.forRoot` / `forRootAsync`. */
export interface PaymentsModuleOptions {
  /**
   * One block per enabled gateway; a gateway is enabled by having its block. Typed: a misspelt key does not compile
   * (and fails boot when the options come from untyped config).
   */
  gateways: GatewaysOptions;
  /** At-rest encryption of billing keys and cash-receipt identity numbers (AES-256-GCM key ring). */
  encryption: EncryptionOptions;
  webhooks?: WebhooksOptions;
  /** Background jobs of the library (all off unless enabled). */
  jobs?: JobsOptions;
  /** Injectable wall clock (tests). */
  clock?: PaymentsClock;
  /** Logger for the library (default: Nest's Logger). */
  logger?: LoggerService;
}

export interface RepairJobOptions {
  /**
   * Run the repair job on a timer (needs `ScheduleModule.forRoot()` from @nestjs/schedule in your app). Every
   * instance may enable it: a PostgreSQL advisory lock lets one run at a time, and every rule is safe to repeat.
   * Default false; `PaymentsService.syncStuckPayments()` runs it on demand either way.
   */
  enabled?: boolean;
  /** Time between runs. Default 60 s. */
  intervalMs?: number;
  /** Payments per run. Default 100. */
  batchSize?: number;
  /** Added to a gateway's longest call before a row in flight counts as stuck. Default 30 s. */
  marginMs?: number;
  /** A READY payment nobody confirmed for this long is EXPIRED (abandoned checkout). Default 24 h. */
  readyTtlMs?: number;
}

export interface JobsOptions {
  repair?: RepairJobOptions;
}

export interface WebhooksOptions {
  /** Controller path prefix; deliveries go to `POST /<pathPrefix>/<gateway>`. Default 'payments/webhooks'. */
  pathPrefix?: string;
  /** Register the webhook controller at all. Default true. */
  enabled?: boolean;
  /**
   * Source-IP allowlists per gateway: addresses or CIDR blocks. Overrides the gateway's own default
   * list (NicePay and KISPG ship their documented sources; `[]` turns it off). Without either, any source is accepted.
   * Requires a correct `trust proxy` setting in the app when behind a load balancer.
   */
  ipAllowlist?: Record<string, string[]>;
}

export interface ResolvedPaymentsOptions {
  gateways: Record<string, object>;
  encryption: EncryptionOptions;
  webhooks: Required<Pick<WebhooksOptions, 'pathPrefix' | 'enabled'>> & { ipAllowlist: Record<string, string[]> };
  jobs: { repair: Required<RepairJobOptions> };
  clock?: PaymentsClock;
  logger?: LoggerService;
}

export const DEFAULT_WEBHOOK_PATH_PREFIX = 'payments/webhooks';

/**
 * Validates the options once at boot. Every problem names its field; all problems are reported together so a
 * misconfigured deployment is fixed in one round. Gateway blocks are validated by their module's options class
 * (whitelist + forbidNonWhitelisted: a misspelt key is an error, not silently ignored) and cross-field rules.
 */
export function resolvePaymentsOptions(
  options: PaymentsModuleOptions | undefined,
  gatewayModules: readonly PaymentGatewayModuleClass[],
): ResolvedPaymentsOptions {
  if (!options || typeof options !== 'object') {
    throw new PaymentsConfigurationError(['options: must be an object']);
  }
  const problems: string[] = [];
  const allowedTop = new Set(['gateways', 'encryption', 'webhooks', 'jobs', 'clock', 'logger']);
  for (const key of Object.keys(options)) {
    if (!allowedTop.has(key)) problems.push(`${key}: unknown option`);
  }
  const gateways = resolveGatewayBlocks(options.gateways, gatewayModules, problems);
  problems.push(...encryptionProblems(options.encryption));
  const webhooks = resolveWebhooks(options.webhooks ?? {}, problems);
  const jobs = resolveJobs(options.jobs ?? {}, problems);
  if (problems.length > 0) throw new PaymentsConfigurationError(problems);
  return { gateways, encryption: options.encryption, webhooks, jobs, clock: options.clock, logger: options.logger };
}

function resolveGatewayBlocks(
  blocks: GatewaysOptions | undefined,
  gatewayModules: readonly PaymentGatewayModuleClass[],
  problems: string[],
): Record<string, object> {
  const modules = new Map(gatewayModules.map((module) => [module.gatewayName, module]));
  const supported = [...modules.keys()].join(', ');
  const gateways: Record<string, object> = {};
  if (!blocks || typeof blocks !== 'object') {
    problems.push('gateways: must be an object with at least one gateway block');
    return gateways;
  }
  const entries = Object.entries(blocks).filter(([, block]) => block !== undefined && block !== null);
  if (entries.length === 0) problems.push(`gateways: configure at least one of ${supported}`);
  for (const [name, block] of entries) {
    const module = modules.get(name);
    if (!module) {
      problems.push(`gateways.${name}: unknown gateway (supported: ${supported})`);
    } else if (typeof block !== 'object' || Array.isArray(block)) {
      problems.push(`gateways.${name}: must be an object`);
    } else {
      const instance = plainToInstance(module.optionsClass, block as object);
      const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
      const blockProblems = flattenValidationErrors(errors, `gateways.${name}`).map(
        (p) => `${p.field}: ${p.problems.join('; ')}`,
      );
      if (blockProblems.length === 0) blockProblems.push(...(module.validateOptions?.(instance) ?? []));
      if (blockProblems.length === 0) gateways[name] = instance;
      problems.push(...blockProblems);
    }
  }
  return gateways;
}

function encryptionProblems(encryption: EncryptionOptions | undefined): string[] {
  if (!encryption) {
    return ['encryption: required (keys + activeKeyId) to store billing keys and identity numbers encrypted'];
  }
  const problems = FieldCipher.validateOptions(encryption);
  const { keys, lookupKey, lookupKeyId } = encryption;
  if (problems.length === 0 && Object.keys(keys ?? {}).length > 1 && !lookupKey && !lookupKeyId) {
    // Without a pinned lookup key the HMAC lookup columns would be derived from the active key and change at the
    // first rotation, silently breaking lookups of existing rows.
    problems.push(
      'encryption.lookupKeyId: required once the key ring has more than one key (pin it to the first key id)',
    );
  }
  return problems;
}

function resolveWebhooks(webhooks: WebhooksOptions, problems: string[]): ResolvedPaymentsOptions['webhooks'] {
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
  return {
    pathPrefix: String(pathPrefix).replace(/^\/+|\/+$/g, ''),
    enabled: webhooks.enabled ?? true,
    ipAllowlist,
  };
}

function resolveJobs(jobs: JobsOptions, problems: string[]): ResolvedPaymentsOptions['jobs'] {
  const repair = jobs.repair ?? {};
  const resolved = {
    enabled: repair.enabled ?? false,
    intervalMs: repair.intervalMs ?? 60_000,
    batchSize: repair.batchSize ?? 100,
    marginMs: repair.marginMs ?? DEFAULT_RECOVERY_MARGIN_MS,
    readyTtlMs: repair.readyTtlMs ?? DEFAULT_READY_TTL_MS,
  };
  if (typeof resolved.enabled !== 'boolean') problems.push('jobs.repair.enabled: must be a boolean');
  const limits: Array<[keyof typeof resolved, number]> = [
    ['intervalMs', 1_000],
    ['batchSize', 1],
    ['marginMs', 0],
    ['readyTtlMs', 60_000],
  ];
  for (const [field, min] of limits) {
    const value = resolved[field];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
      problems.push(`jobs.repair.${field}: must be an integer >= ${min}`);
    }
  }
  return { repair: resolved };
}
