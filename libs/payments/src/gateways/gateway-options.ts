import { SourceAllowlist } from '../webhooks/source-allowlist';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import type { HttpTimeouts } from './http/gateway-http-client';

/**
 * The `timeouts` block every gateway's options accept, validated at boot (whitelist + forbidNonWhitelisted). Each
 * gateway names its own subclass (`TossTimeoutOptions`, `KispgTimeoutOptions` ...) so its options class keeps its own
 * export; Toss adds `slowReadMs` because its billing charge and list endpoints can take up to 60 s. The values feed
 * GatewayHttpClient's `HttpTimeouts`; 600 s caps a typo without refusing any timeout a gateway documents.
 */
export class GatewayTimeoutOptions {
  /** TCP connect + TLS handshake (with the client certificate where the gateway uses mTLS). */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(600_000)
  connectMs?: number;

  /** Time to the response headers, and the longest pause between body chunks. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(600_000)
  readMs?: number;
}

/** The configured timeouts with the gateway's own defaults filled in (each gateway's are in docs/gateways/<g>.md). */
export function resolveGatewayTimeouts(
  options: GatewayTimeoutOptions | undefined,
  defaults: HttpTimeouts,
): HttpTimeouts {
  return {
    connectMs: options?.connectMs ?? defaults.connectMs,
    readMs: options?.readMs ?? defaults.readMs,
  };
}

/**
 * Boot problems of a gateway's `webhookAllowedSources` (IPs or CIDR blocks), in the words the guard will match them
 * with (webhooks/source-allowlist.ts): an entry the guard could not compile must fail boot, not the first webhook.
 */
export function allowedSourceProblems(gateway: string, sources: readonly string[] | undefined): string[] {
  return (sources ?? []).flatMap((source, index) =>
    SourceAllowlist.problems([String(source)]).map(
      (problem) => `gateways.${gateway}.webhookAllowedSources[${index}]: ${problem}`,
    ),
  );
}
