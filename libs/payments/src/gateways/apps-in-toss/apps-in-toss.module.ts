import { createGatewayHttpClient } from '../http/create-gateway-http-client';
import type { PaymentGateway } from '../gateway.port';
import { PaymentGatewayModule, type GatewayContext } from '../payment-gateway-module';
import { AppsInTossClient, APPS_IN_TOSS_USER_KEY_HEADER } from './apps-in-toss.client';
import { credentialProblems, loadAppsInTossCredentials } from './apps-in-toss.crypto';
import { APPS_IN_TOSS_GATEWAY } from './apps-in-toss.errors';
import { AppsInTossGateway } from './apps-in-toss.gateway';
import { AppsInTossGatewayOptions, resolveAppsInTossOptions } from './apps-in-toss.types';

const OPTIONS_PREFIX = `gateways.${APPS_IN_TOSS_GATEWAY}`;
/**
 * Warn at boot when the certificate expires sooner than this: Toss refuses an expired certificate at the handshake,
 * and a new one has to be issued in the console and rolled out first (docs/gateways/apps-in-toss.md#rotation-without-restart).
 */
const EXPIRY_WARNING_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * Apps-in-Toss TossPay as a gateway module: PaymentsModule validates the `gateways.appsInToss` block with
 * `AppsInTossGatewayOptions` and `validateOptions`, then provides the adapter built by `createGateway`.
 * See docs/gateways/apps-in-toss.md.
 */
@PaymentGatewayModule<AppsInTossGatewayOptions>()
export class AppsInTossGatewayModule {
  static readonly gatewayName = APPS_IN_TOSS_GATEWAY;
  static readonly optionsClass = AppsInTossGatewayOptions;

  /**
   * Cross-field checks class-validator cannot express. Problems name the field as `gateways.appsInToss.<field>` and
   * never quote a certificate or key:
   * - `tlsCert` / `tlsKey` / `ca` load (PEM, `\n`-escaped PEM or file) and parse, the key matches the certificate
   *   (X509Certificate.checkPrivateKey) and the certificate has not expired;
   * - `payBaseUrl` is https: the client certificate is the only authentication, and it is only presented over TLS.
   * (docs/gateways/apps-in-toss.md#certificate-forms)
   */
  static validateOptions(options: AppsInTossGatewayOptions): string[] {
    const problems = credentialProblems(
      { tlsCert: options.tlsCert, tlsKey: options.tlsKey, ca: options.ca },
      OPTIONS_PREFIX,
    );
    if (options.payBaseUrl !== undefined && !/^https:\/\//i.test(options.payBaseUrl)) {
      problems.push(
        `${OPTIONS_PREFIX}.payBaseUrl: must be an https URL (the client certificate is the authentication)`,
      );
    }
    return problems;
  }

  static createGateway(options: AppsInTossGatewayOptions, context: GatewayContext): PaymentGateway {
    return createAppsInTossGateway(options, context);
  }
}

/**
 * Builds the adapter: credentials loaded once → one GatewayHttpClient whose undici dispatcher carries them (every call
 * presents the certificate; `rotateCertificate` swaps the dispatcher) → AppsInTossClient → AppsInTossGateway. Typed as
 * the concrete adapter so tests and hosts can reach `certificate()` / `rotateCertificate()` without a cast.
 */
export function createAppsInTossGateway(options: AppsInTossGatewayOptions, context: GatewayContext): AppsInTossGateway {
  const resolved = resolveAppsInTossOptions(options);
  const now = context.clock.now();
  const credentials = loadAppsInTossCredentials(
    { tlsCert: options.tlsCert, tlsKey: options.tlsKey, ca: options.ca },
    now,
  );
  const http = createGatewayHttpClient(
    {
      gateway: APPS_IN_TOSS_GATEWAY,
      baseUrl: resolved.payBaseUrl,
      timeouts: resolved.timeouts,
      tls: { cert: credentials.cert, key: credentials.key, ...(credentials.ca ? { ca: credentials.ca } : {}) },
      logBodies: resolved.logBodies,
      // The buyer's Toss user key is a pseudonymous personal identifier: no log line needs it (the payment id and
      // orderNo identify the call), so it is redacted like a credential.
      sensitiveKeys: [APPS_IN_TOSS_USER_KEY_HEADER],
    },
    context,
  );
  if (credentials.validTo.getTime() - now.getTime() < EXPIRY_WARNING_MS) {
    context.logger.warn(
      `client certificate ${credentials.fingerprint256} expires at ${credentials.validTo.toISOString()}; re-issue it in the Apps-in-Toss console and call rotateCertificate`,
      `KrPayments:${APPS_IN_TOSS_GATEWAY}`,
    );
  }
  return new AppsInTossGateway(resolved, {
    client: new AppsInTossClient(http),
    http,
    credentials,
    clock: context.clock,
    logger: context.logger,
  });
}
