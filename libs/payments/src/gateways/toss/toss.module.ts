import { allowedSourceProblems } from '../gateway-options';
import { createGatewayHttpClient } from '../http/create-gateway-http-client';
import type { PaymentGateway } from '../gateway.port';
import { PaymentGatewayModule, type GatewayContext } from '../payment-gateway-module';
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
 * Toss Payments as a gateway module: PaymentsModule validates the `gateways.toss` block with `TossGatewayOptions` and
 * `validateOptions`, then provides the adapter built by `createGateway`. See docs/gateways/toss.md.
 */
@PaymentGatewayModule<TossGatewayOptions>()
export class TossGatewayModule {
  static readonly gatewayName = 'toss';
  static readonly optionsClass = TossGatewayOptions;

  /**
   * Cross-field checks class-validator cannot express. Problems name the field as `gateways.toss.<field>` and never
   * quote a key.
   * - Test and live keys must not be mixed: the key, not the host, decides the environment.
   * - A live key only talks to the production host. Toss has no sandbox host, so a live key pointed at a simulator
   *   or any other URL is a mistake that would send real secrets elsewhere. A test key may use any URL.
   * (docs/gateways/toss.md#transport-and-authentication)
   * - `webhookAllowedSources`: each entry an IP or an IP/prefix CIDR block (the webhook guard matches them).
   */
  static validateOptions(options: TossGatewayOptions): string[] {
    return [
      ...keyModeProblems(options),
      ...payoutKeyProblems(options),
      ...allowedSourceProblems('toss', options.webhookAllowedSources),
    ];
  }

  /** Shared HTTP client (timeouts, logging with `secret` etc. scrubbed) -> TossClient -> TossGateway. */
  static createGateway(options: TossGatewayOptions, context: GatewayContext): PaymentGateway {
    const resolved = resolveTossOptions(options);
    const http = createGatewayHttpClient(
      {
        gateway: 'toss',
        baseUrl: resolved.baseUrl,
        timeouts: resolved.timeouts,
        logBodies: resolved.logBodies,
        sensitiveKeys: TOSS_SENSITIVE_KEYS,
      },
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
}

function keyModeProblems(options: TossGatewayOptions): string[] {
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
  return problems;
}

/** With `payoutKeyEncoding: 'hex'` every payout key must decode; a typo would otherwise reject every payout webhook. */
function payoutKeyProblems(options: TossGatewayOptions): string[] {
  const webhook = options.webhook;
  if (webhook?.payoutKeyEncoding !== 'hex') return [];
  const problems: string[] = [];
  (webhook.payoutSecurityKeys ?? []).forEach((key, index) => {
    if (typeof key !== 'string' || key.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(key)) {
      problems.push(
        `gateways.toss.webhook.payoutSecurityKeys[${index}]: must be a hex string when payoutKeyEncoding is 'hex'`,
      );
    }
  });
  return problems;
}
