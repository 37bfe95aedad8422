import { allowedSourceProblems } from '../gateway-options';
import type { PaymentGateway } from '../gateway.port';
import { createGatewayHttpClient } from '../http/create-gateway-http-client';
import { PaymentGatewayModule, type GatewayContext } from '../payment-gateway-module';
import { KispgClient, KISPG_SENSITIVE_KEYS } from './kispg.client';
import { KispgGateway } from './kispg.gateway';
import { KISPG_RESULT_CATEGORIES, KispgGatewayOptions, resolveKispgOptions } from './kispg.types';

/** Builds the adapter: shared HTTP client (timeouts, logs with encData/merchantKey scrubbed) -> KispgClient -> KispgGateway. */
export function createKispgGateway(options: KispgGatewayOptions, context: GatewayContext): KispgGateway {
  const resolved = resolveKispgOptions(options);
  if (resolved.returnHashFormula === 'none') {
    // Skipping the check leaves only the amount/ordNo comparison against a forged return body
    // (docs/gateways/kispg.md#unverified-facts-and-their-settings).
    context.logger.warn(
      'gateways.kispg.returnHashFormula is "none": the returnUrl auth result encData is NOT verified (amount and ordNo still are)',
      'KispgGateway',
    );
  }
  const http = createGatewayHttpClient(
    {
      gateway: 'kispg',
      baseUrl: resolved.baseUrl,
      timeouts: resolved.timeouts,
      logBodies: resolved.logBodies,
      sensitiveKeys: KISPG_SENSITIVE_KEYS,
    },
    context,
  );
  const client = new KispgClient(http, resolved.cancelPath);
  return new KispgGateway(resolved, {
    client,
    clock: context.clock,
    logger: context.logger,
    close: () => http.close(),
  });
}

/** KISPG as a gateway module of PaymentsModule: the `gateways.kispg` options block, its checks and the adapter. */
@PaymentGatewayModule<KispgGatewayOptions>()
export class KispgGatewayModule {
  static readonly gatewayName = 'kispg';
  static readonly optionsClass = KispgGatewayOptions;

  /**
   * Cross-field checks class-validator cannot express. Problems name the field as `gateways.kispg.<field>` and never
   * quote the merchant key.
   * - `webhookAllowedSources`: each entry an IP or an IP/prefix CIDR block (the webhook guard matches them).
   * - `resultCodeCategories`: codes of at most 10 letters/digits mapped to a known category
   *   (docs/gateways/kispg.md#result-codes).
   */
  static validateOptions(options: KispgGatewayOptions): string[] {
    const problems: string[] = [];
    problems.push(...allowedSourceProblems('kispg', options.webhookAllowedSources));
    const categories = options.resultCodeCategories;
    if (categories === undefined) return problems;
    for (const [code, category] of Object.entries(categories)) {
      if (!/^[A-Za-z0-9]{1,10}$/.test(code)) {
        problems.push(
          `gateways.kispg.resultCodeCategories: key "${code.slice(0, 20)}" must be a result code (1-10 letters/digits)`,
        );
      }
      if (!(KISPG_RESULT_CATEGORIES as readonly string[]).includes(category as string)) {
        problems.push(
          `gateways.kispg.resultCodeCategories.${code.slice(0, 20)}: must be one of ${KISPG_RESULT_CATEGORIES.join(', ')}`,
        );
      }
    }
    return problems;
  }

  static createGateway(options: KispgGatewayOptions, context: GatewayContext): PaymentGateway {
    return createKispgGateway(options, context);
  }
}
