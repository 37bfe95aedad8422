import { createGatewayHttpClient } from '../gateway-module';
import type { GatewayContext, GatewayDefinition } from '../gateway.definition';
import type { PaymentGateway } from '../gateway.port';
import { TossClient, TOSS_SENSITIVE_KEYS } from './toss.client';
import { TossGateway } from './toss.gateway';
import {
  resolveTossOptions,
  TOSS_CLIENT_KEY_PATTERN,
  TOSS_PRODUCTION_BASE_URL,
  TOSS_SECRET_KEY_PATTERN,
  TossGatewayOptions,
} from './toss.types';

/**
 * Cross-field checks class-validator cannot express. Problems name the field as `gateways.toss.<field>` and never
 * quote a key.
 * - Test and live keys must not be mixed (toss.md §1.3: the key decides the environment).
 * - A live key only talks to the production host: Toss has no sandbox host (toss.md §1.1), so a live key pointed at a
 *   simulator or any other URL is a mistake that would send real secrets elsewhere. A test key may use any URL.
 */
export function validateTossOptions(options: TossGatewayOptions): string[] {
  const problems: string[] = [];
  const secretMode = TOSS_SECRET_KEY_PATTERN.exec(options.secretKey ?? '')?.[1];
  const clientMode = TOSS_CLIENT_KEY_PATTERN.exec(options.clientKey ?? '')?.[1];
  if (secretMode && clientMode && secretMode !== clientMode) {
    problems.push(
      `gateways.toss.clientKey: is a ${clientMode}_ key but secretKey is a ${secretMode}_ key; use keys of the same mode`,
    );
  }
  if (secretMode === 'live' || clientMode === 'live') {
    const baseUrl = (options.baseUrl ?? TOSS_PRODUCTION_BASE_URL).replace(/\/+$/, '');
    if (baseUrl !== TOSS_PRODUCTION_BASE_URL) {
      problems.push(`gateways.toss.baseUrl: live_ keys must use ${TOSS_PRODUCTION_BASE_URL} (got ${baseUrl})`);
    }
  }
  const webhook = options.webhook;
  if (webhook?.payoutKeyEncoding === 'hex') {
    (webhook.payoutSecurityKeys ?? []).forEach((key, index) => {
      if (typeof key !== 'string' || key.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(key)) {
        problems.push(`gateways.toss.webhook.payoutSecurityKeys[${index}]: must be a hex string when payoutKeyEncoding is 'hex'`);
      }
    });
  }
  return problems;
}

/** Builds the adapter: shared HTTP client (timeouts, logging with `secret` etc. scrubbed) -> TossClient -> TossGateway. */
export function createTossGateway(options: TossGatewayOptions, context: GatewayContext): TossGateway {
  const resolved = resolveTossOptions(options);
  const http = createGatewayHttpClient(
    { gateway: 'toss', baseUrl: resolved.baseUrl, timeouts: resolved.timeouts, logBodies: resolved.logBodies, sensitiveKeys: TOSS_SENSITIVE_KEYS },
    context,
  );
  const client = new TossClient(http, {
    secretKey: resolved.secretKey,
    readMs: resolved.timeouts.readMs,
    slowReadMs: resolved.timeouts.slowReadMs,
    acceptLanguage: resolved.acceptLanguage,
  });
  return new TossGateway(resolved, { client, clock: context.clock, logger: context.logger });
}

/** How Toss plugs into PaymentsModule (registered in gateways/gateway.registry.ts). */
export const TossGatewayDefinition: GatewayDefinition<TossGatewayOptions> = {
  name: 'toss',
  optionsClass: TossGatewayOptions,
  validate: validateTossOptions,
  create: (options: TossGatewayOptions, context: GatewayContext): PaymentGateway => createTossGateway(options, context),
};

export { TossGateway } from './toss.gateway';
export { TossClient, TOSS_SENSITIVE_KEYS } from './toss.client';
export { TossGatewayOptions, TossTimeoutOptions, TossWebhookOptions } from './toss.types';
