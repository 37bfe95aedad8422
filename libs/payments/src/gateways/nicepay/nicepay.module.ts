import { allowedSourceProblems } from '../gateway-options';
import { createGatewayHttpClient } from '../http/create-gateway-http-client';
import { PaymentGatewayModule, type GatewayContext } from '../payment-gateway-module';
import { NicePayClient, NICEPAY_SENSITIVE_KEYS } from './nicepay.client';
import { NicePayGateway } from './nicepay.gateway';
import {
  NICEPAY_CLIENT_ID_PREFIX,
  NICEPAY_PRODUCTION_BASE_URL,
  NicePayGatewayOptions,
  nicePayKeyEnvironment,
  resolveNicePayOptions,
} from './nicepay.types';

/**
 * NicePay as a gateway module: PaymentsModule validates `gateways.nicepay` with `NicePayGatewayOptions` and
 * `validateOptions`, then provides the adapter `createGateway` builds (docs/gateways/nicepay.md#configuration-reference).
 */
@PaymentGatewayModule<NicePayGatewayOptions>()
export class NicePayGatewayModule {
  static readonly gatewayName = 'nicepay';
  static readonly optionsClass = NicePayGatewayOptions;

  /**
   * Cross-field checks class-validator cannot express. Problems name the field as `gateways.nicepay.<field>` and
   * never quote a key (docs/gateways/nicepay.md#keys-and-environments).
   * - The clientId prefix decides the environment: S1_/S2_ sandbox, R1_/R2_ production. Keys only work on their own
   *   host, so a sandbox key on the production host is a boot error; a sandbox key may use any other URL (a
   *   simulator). A production key only talks to the production host: pointing it anywhere else would send live
   *   credentials there.
   * - An unprefixed (older) clientId says nothing about its environment: baseUrl must be explicit.
   */
  static validateOptions(options: NicePayGatewayOptions): string[] {
    const problems: string[] = [];
    problems.push(...allowedSourceProblems('nicepay', options.webhookAllowedSources));
    const environment = nicePayKeyEnvironment(options.clientId);
    const baseUrl = options.baseUrl?.replace(/\/+$/, '');
    if (environment === null && typeof options.clientId === 'string' && baseUrl === undefined) {
      problems.push(
        'gateways.nicepay.baseUrl: required when clientId has no S1_/S2_/R1_/R2_ prefix (the prefix selects the host)',
      );
    }
    if (environment === 'sandbox' && baseUrl === NICEPAY_PRODUCTION_BASE_URL) {
      problems.push(
        `gateways.nicepay.baseUrl: a sandbox (S1_/S2_) clientId cannot use the production host ${NICEPAY_PRODUCTION_BASE_URL}`,
      );
    }
    if (environment === 'production' && baseUrl !== undefined && baseUrl !== NICEPAY_PRODUCTION_BASE_URL) {
      problems.push(
        `gateways.nicepay.baseUrl: a production (R1_/R2_) clientId must use ${NICEPAY_PRODUCTION_BASE_URL} (got ${baseUrl})`,
      );
    }
    return problems;
  }

  /** Builds the adapter: shared HTTP client (timeouts, scrubbed logging) -> NicePayClient -> NicePayGateway. */
  static createGateway(options: NicePayGatewayOptions, context: GatewayContext): NicePayGateway {
    const resolved = resolveNicePayOptions(options);
    if (NICEPAY_CLIENT_ID_PREFIX.exec(resolved.clientId)?.[2] === '1') {
      // S1_/R1_ keys are Client-approval keys, which approve inside the payment window; this adapter runs the
      // Server-approval flow, which needs an S2_/R2_ key. Not fatal: the key type is the merchant's contract.
      context.logger.warn?.(
        'gateways.nicepay.clientId is a Client-approval (S1_/R1_) key; the Server-approval flow this adapter uses needs an S2_/R2_ key',
        'NicePayGateway',
      );
    }
    const http = createGatewayHttpClient(
      {
        gateway: 'nicepay',
        baseUrl: resolved.baseUrl,
        timeouts: resolved.timeouts,
        logBodies: resolved.logBodies,
        sensitiveKeys: NICEPAY_SENSITIVE_KEYS,
      },
      context,
    );
    const client = new NicePayClient(http, {
      clientId: resolved.clientId,
      secretKey: resolved.secretKey,
      authMode: resolved.authMode,
      tokenRefreshMarginMs: resolved.tokenRefreshMarginMs,
      signRequests: resolved.signRequests,
      clock: context.clock,
    });
    return new NicePayGateway(resolved, {
      client,
      clock: context.clock,
      logger: context.logger,
      closeTransport: () => http.close(),
    });
  }
}
