import { createGatewayHttpClient } from '../gateway-module';
import type { GatewayContext, GatewayDefinition } from '../gateway.definition';
import type { PaymentGateway } from '../gateway.port';
import { AppsInTossClient } from './apps-in-toss.client';
import { credentialProblems, loadAppsInTossCredentials } from './apps-in-toss.crypto';
import { APPS_IN_TOSS_GATEWAY } from './apps-in-toss.errors';
import { AppsInTossGateway } from './apps-in-toss.gateway';
import { AppsInTossGatewayOptions, resolveAppsInTossOptions } from './apps-in-toss.types';

const OPTIONS_PREFIX = `gateways.${APPS_IN_TOSS_GATEWAY}`;
/** Warn at boot when the certificate expires sooner than this (apps-in-toss.md §1.2: re-issue before expiry). */
const EXPIRY_WARNING_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * Cross-field checks class-validator cannot express. Problems name the field as `gateways.appsInToss.<field>` and
 * never quote a certificate or key:
 * - `tlsCert` / `tlsKey` / `ca` load (PEM, `\n`-escaped PEM or file) and parse, the key matches the certificate
 *   (X509Certificate.checkPrivateKey), the certificate has not expired (apps-in-toss.md §1.2);
 * - `payBaseUrl` is https: the client certificate is the only authentication, and it is only presented over TLS.
 */
export function validateAppsInTossOptions(options: AppsInTossGatewayOptions): string[] {
  const problems = credentialProblems({ tlsCert: options.tlsCert, tlsKey: options.tlsKey, ca: options.ca }, OPTIONS_PREFIX);
  if (options.payBaseUrl !== undefined && !/^https:\/\//i.test(options.payBaseUrl)) {
    problems.push(`${OPTIONS_PREFIX}.payBaseUrl: must be an https URL (mTLS, apps-in-toss.md §1.2)`);
  }
  return problems;
}

/**
 * Builds the adapter: credentials loaded once → one GatewayHttpClient whose undici dispatcher carries them (every call
 * presents the certificate; `rotateCertificate` swaps the dispatcher) → AppsInTossClient → AppsInTossGateway.
 */
export function createAppsInTossGateway(options: AppsInTossGatewayOptions, context: GatewayContext): AppsInTossGateway {
  const resolved = resolveAppsInTossOptions(options);
  const now = context.clock.now();
  const credentials = loadAppsInTossCredentials({ tlsCert: options.tlsCert, tlsKey: options.tlsKey, ca: options.ca }, now);
  const http = createGatewayHttpClient(
    {
      gateway: APPS_IN_TOSS_GATEWAY,
      baseUrl: resolved.payBaseUrl,
      timeouts: resolved.timeouts,
      tls: { cert: credentials.cert, key: credentials.key, ...(credentials.ca ? { ca: credentials.ca } : {}) },
      logBodies: resolved.logBodies,
      // The buyer's Toss user key is a pseudonymous personal identifier: no log line needs it (the payment id and
      // orderNo identify the call), so it is redacted like a credential.
      sensitiveKeys: ['x-toss-user-key'],
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

/** How Apps-in-Toss plugs into PaymentsModule (registered in gateways/gateway.definitions.ts). */
export const AppsInTossGatewayDefinition: GatewayDefinition<AppsInTossGatewayOptions> = {
  name: APPS_IN_TOSS_GATEWAY,
  optionsClass: AppsInTossGatewayOptions,
  validate: validateAppsInTossOptions,
  create: (options: AppsInTossGatewayOptions, context: GatewayContext): PaymentGateway => createAppsInTossGateway(options, context),
};

export { AppsInTossGateway } from './apps-in-toss.gateway';
export { AppsInTossGatewayOptions, AppsInTossTimeoutOptions } from './apps-in-toss.types';
