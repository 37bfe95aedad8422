import type { LoggerService } from '@nestjs/common';
import { resolveBillingOptions, type BillingOptions, type ResolvedBillingOptions } from './billing/billing-options';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { FieldCipher, type EncryptionOptions } from './crypto/field-cipher';
import { resolveEventsOptions, type EventsOptions, type ResolvedEventsOptions } from './events/events-options';
import type { PaymentsClock } from './domain/clock';
import { PaymentsConfigurationError } from './domain/errors';
import { flattenValidationErrors } from './domain/validation';
import {
  resolveReconciliationOptions,
  type ReconciliationOptions,
  type ResolvedReconciliationOptions,
} from './reconciliation/reconciliation-options';
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
  /** The recurring-billing engine (subscriptions); its sweep is off unless `billing.enabled`. */
  billing?: BillingOptions;
  /** Daily reconciliation against the gateways' records; its schedule is off unless `reconciliation.enabled`. */
  reconciliation?: ReconciliationOptions;
  /** Money events through a transactional outbox to @nestjs/event-emitter; off unless `events.enabled`. */
  events?: EventsOptions;
  /** How library errors reach HTTP clients. */
  http?: HttpOptions;
  /** Injectable wall clock (tests). */
  clock?: PaymentsClock;
  /** Logger for the library (default: Nest's Logger). */
  logger?: LoggerService;
}

export interface HttpOptions {
  /**
   * Register PaymentsExceptionFilter app-wide (APP_FILTER): every PaymentsError thrown in a request is answered with
   * its `httpStatus` and a JSON body instead of Nest's 500. It catches nothing else. Default true; turn it off to
   * handle PaymentsError yourself, or to apply the filter by hand
   * (`app.useGlobalFilters(new PaymentsExceptionFilter())`).
   */
  exceptionFilter?: boolean;
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

export interface RetentionJobOptions {
  /** Delete old webhook inbox rows on a timer (needs `ScheduleModule.forRoot()`). Default false. */
  enabled?: boolean;
  /** Time between runs. Default 1 h. */
  intervalMs?: number;
  /** PROCESSED and IGNORED deliveries are kept this many days. Default 90. */
  processedDays?: number;
  /** REJECTED deliveries (failed authentication or read-back) are kept this many days. Default 7. */
  rejectedDays?: number;
  /** Rows per DELETE statement. Default 1,000. */
  batchSize?: number;
}

export interface JobsOptions {
  repair?: RepairJobOptions;
  retention?: RetentionJobOptions;
}

export interface WebhooksOptions {
  /** Controller path prefix; deliveries go to `POST /<pathPrefix>/<gateway>`. Default 'payments/webhooks'. */
  pathPrefix?: string;
  /** Register the webhook controller at all. Default true. */
  enabled?: boolean;
  /**
   * Source-address allowlists per gateway: addresses or CIDR blocks. Overrides the gateway's own default list (Toss,
   * NicePay and KISPG ship the addresses they publish). `[]` accepts any source, and says so in a warning at boot.
   * The source is the TCP peer, or X-Forwarded-For only behind `trustedProxies`; Express's `trust proxy` plays no part.
   */
  ipAllowlist?: Record<string, string[]>;
  /**
   * Your own reverse proxies / load balancers (addresses or CIDR blocks). Only a request whose TCP peer is one of them
   * has its X-Forwarded-For read, from the right: the right-most address that is not one of them is the source.
   * Default []: the TCP peer is the source, whatever the request's headers say.
   */
  trustedProxies?: string[];
  /**
   * Budget of rejected deliveries (failed source, signature or read-back checks) per source address and instance:
   * past it, that source is answered 429 before anything is parsed, stored or read back. Default `{ burst: 60,
   * perMinute: 30 }`; `false` turns it off. Genuine gateways are almost never rejected, so they never meet it.
   */
  rejectedPerSource?: RejectionBudgetOptions | false;
}

export interface RejectionBudgetOptions {
  /** Rejections a source may have in a burst. Default 60. */
  burst?: number;
  /** Rejections per minute a source earns back. Default 30. */
  perMinute?: number;
}

/** The webhook options with their defaults. */
export interface ResolvedWebhooksOptions {
  pathPrefix: string;
  enabled: boolean;
  ipAllowlist: Record<string, string[]>;
  trustedProxies: string[];
  rejectedPerSource: Required<RejectionBudgetOptions> | false;
}

export interface ResolvedPaymentsOptions {
  gateways: Record<string, object>;
  encryption: EncryptionOptions;
  webhooks: ResolvedWebhooksOptions;
  jobs: { repair: Required<RepairJobOptions>; retention: Required<RetentionJobOptions> };
  billing: ResolvedBillingOptions;
  reconciliation: ResolvedReconciliationOptions;
  events: ResolvedEventsOptions;
  http: Required<HttpOptions>;
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
  const allowedTop = new Set([
    'gateways',
    'encryption',
    'webhooks',
    'jobs',
    'billing',
    'reconciliation',
    'events',
    'http',
    'clock',
    'logger',
  ]);
  for (const key of Object.keys(options)) {
    if (!allowedTop.has(key)) problems.push(`${key}: unknown option`);
  }
  const gateways = resolveGatewayBlocks(options.gateways, gatewayModules, problems);
  problems.push(...encryptionProblems(options.encryption));
  const webhooks = resolveWebhooks(options.webhooks ?? {}, problems);
  const jobs = resolveJobs(options.jobs ?? {}, problems);
  const billing = resolveBillingOptions(options.billing ?? {}, problems);
  const reconciliation = resolveReconciliationOptions(options.reconciliation ?? {}, Object.keys(gateways), problems);
  const events = resolveEventsOptions(options.events ?? {}, problems);
  const http = resolveHttp(options.http ?? {}, problems);
  if (problems.length > 0) throw new PaymentsConfigurationError(problems);
  return {
    gateways,
    encryption: options.encryption,
    webhooks,
    jobs,
    billing,
    reconciliation,
    events,
    http,
    clock: options.clock,
    logger: options.logger,
  };
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

function resolveWebhooks(webhooks: WebhooksOptions, problems: string[]): ResolvedWebhooksOptions {
  const pathPrefix = webhooks.pathPrefix ?? DEFAULT_WEBHOOK_PATH_PREFIX;
  if (typeof pathPrefix !== 'string' || !/^[A-Za-z0-9_\-/]+$/.test(pathPrefix) || pathPrefix.includes('//')) {
    problems.push('webhooks.pathPrefix: must be a URL path like "payments/webhooks"');
  }
  const ipAllowlist = webhooks.ipAllowlist ?? {};
  if (typeof ipAllowlist !== 'object' || Array.isArray(ipAllowlist)) {
    problems.push('webhooks.ipAllowlist: must be an object of gateway name -> addresses or CIDR blocks');
  } else {
    for (const [name, ips] of Object.entries(ipAllowlist)) {
      problems.push(...addressListProblems(`webhooks.ipAllowlist.${name}`, ips));
    }
  }
  const trustedProxies = webhooks.trustedProxies ?? [];
  problems.push(...addressListProblems('webhooks.trustedProxies', trustedProxies));
  return {
    pathPrefix: String(pathPrefix).replace(/^\/+|\/+$/g, ''),
    enabled: webhooks.enabled ?? true,
    ipAllowlist,
    trustedProxies,
    rejectedPerSource: resolveRejectionBudget(webhooks.rejectedPerSource, problems),
  };
}

function resolveHttp(http: HttpOptions, problems: string[]): Required<HttpOptions> {
  if (typeof http !== 'object' || http === null || Array.isArray(http)) {
    problems.push('http: must be an object like { exceptionFilter: false }');
    return { exceptionFilter: true };
  }
  for (const key of Object.keys(http)) {
    if (key !== 'exceptionFilter') problems.push(`http.${key}: unknown option`);
  }
  const exceptionFilter = http.exceptionFilter ?? true;
  if (typeof exceptionFilter !== 'boolean') problems.push('http.exceptionFilter: must be a boolean');
  return { exceptionFilter };
}

function resolveRejectionBudget(
  budget: RejectionBudgetOptions | false | undefined,
  problems: string[],
): Required<RejectionBudgetOptions> | false {
  if (budget === false) return false;
  if (budget !== undefined && (typeof budget !== 'object' || budget === null || Array.isArray(budget))) {
    problems.push('webhooks.rejectedPerSource: must be { burst, perMinute } or false');
    return false;
  }
  const resolved = { burst: budget?.burst ?? 60, perMinute: budget?.perMinute ?? 30 };
  for (const [field, value] of Object.entries(resolved)) {
    if (!Number.isSafeInteger(value) || value < 1) {
      problems.push(`webhooks.rejectedPerSource.${field}: must be an integer >= 1`);
    }
  }
  return resolved;
}

/** An array of IP addresses / CIDR blocks, checked with the rules the guard compiles them with. */
function addressListProblems(field: string, entries: unknown): string[] {
  if (!Array.isArray(entries) || entries.some((entry) => typeof entry !== 'string' || entry.length === 0)) {
    return [`${field}: must be an array of IP addresses or CIDR blocks`];
  }
  return SourceAllowlist.problems(entries as string[]).map((problem) => `${field}: ${problem}`);
}

function resolveJobs(jobs: JobsOptions, problems: string[]): ResolvedPaymentsOptions['jobs'] {
  const repairIn = jobs.repair ?? {};
  const retentionIn = jobs.retention ?? {};
  const repair = {
    enabled: repairIn.enabled ?? false,
    intervalMs: repairIn.intervalMs ?? 60_000,
    batchSize: repairIn.batchSize ?? 100,
    marginMs: repairIn.marginMs ?? DEFAULT_RECOVERY_MARGIN_MS,
    readyTtlMs: repairIn.readyTtlMs ?? DEFAULT_READY_TTL_MS,
  };
  const retention = {
    enabled: retentionIn.enabled ?? false,
    intervalMs: retentionIn.intervalMs ?? 60 * 60_000,
    processedDays: retentionIn.processedDays ?? 90,
    rejectedDays: retentionIn.rejectedDays ?? 7,
    batchSize: retentionIn.batchSize ?? 1_000,
  };
  checkJob('jobs.repair', repair, { intervalMs: 1_000, batchSize: 1, marginMs: 0, readyTtlMs: 60_000 }, problems);
  checkJob(
    'jobs.retention',
    retention,
    { intervalMs: 1_000, processedDays: 1, rejectedDays: 1, batchSize: 1 },
    problems,
  );
  return { repair, retention };
}

/** `enabled` must be a boolean and every listed number an integer at or above its minimum. */
function checkJob(
  prefix: string,
  job: { enabled: unknown } & Record<string, unknown>,
  minimums: Record<string, number>,
  problems: string[],
): void {
  if (typeof job.enabled !== 'boolean') problems.push(`${prefix}.enabled: must be a boolean`);
  for (const [field, min] of Object.entries(minimums)) {
    const value = job[field];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
      problems.push(`${prefix}.${field}: must be an integer >= ${min}`);
    }
  }
}
