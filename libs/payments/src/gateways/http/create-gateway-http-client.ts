import type { GatewayContext } from '../payment-gateway-module';
import { GatewayHttpClient, type GatewayTlsOptions, type HttpTimeouts } from './gateway-http-client';

/** What an adapter factory resolved for its HTTP client (everything else is the shared client's default). */
export interface GatewayHttpSettings {
  /** Gateway name as registered: the log context (`KrPayments:<gateway>`) and the name in transport errors. */
  gateway: string;
  baseUrl: string;
  timeouts: HttpTimeouts;
  logBodies: boolean;
  /** The gateway's own sensitive keys, on top of the shared list, dropped from logs and `scrubbedBody`. */
  sensitiveKeys?: readonly string[];
  /** mTLS client certificate (Apps-in-Toss authenticates every call with one, docs/gateways/apps-in-toss.md). */
  tls?: GatewayTlsOptions;
}

/**
 * The one GatewayHttpClient an adapter factory builds: timeouts, the core's logger, scrubbed logging, mTLS where the
 * gateway needs it. Only connectMs/readMs reach the client; per-call read timeouts (Toss's slowReadMs) stay with the
 * adapter's wire client.
 */
export function createGatewayHttpClient(settings: GatewayHttpSettings, context: GatewayContext): GatewayHttpClient {
  return new GatewayHttpClient({
    gateway: settings.gateway,
    baseUrl: settings.baseUrl,
    timeouts: { connectMs: settings.timeouts.connectMs, readMs: settings.timeouts.readMs },
    tls: settings.tls,
    logger: context.logger,
    sensitiveKeys: settings.sensitiveKeys ? [...settings.sensitiveKeys] : undefined,
    logBodies: settings.logBodies,
    onCall: context.onGatewayCall,
  });
}
