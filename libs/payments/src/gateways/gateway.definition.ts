import type { LoggerService } from '@nestjs/common';
import type { GatewayName, PaymentGateway } from './gateway.port';

/** Wall clock used by gateways that sign timestamps (KISPG ediDate, NicePay ediDate). Injectable for tests. */
export interface GatewayClock {
  now(): Date;
}

/** What the core hands a gateway factory besides its own options block. */
export interface GatewayContext {
  logger: LoggerService;
  clock: GatewayClock;
}

/**
 * How a gateway plugs into PaymentsModule. Each gateway folder exports one of these from `<g>.module.ts`; the
 * registry (gateways/gateway.registry.ts) lists them. Adding a gateway = one folder + one registry line.
 */
export interface GatewayDefinition<TOptions extends object = object> {
  /** Key of the options block under `gateways` (e.g. 'toss'), also the webhook path segment. */
  readonly name: GatewayName;
  /** class-validator DTO class for the options block: validated at boot (whitelist + forbidNonWhitelisted). */
  readonly optionsClass: new () => TOptions;
  /**
   * Cross-field checks class-validator cannot express (live key with a sandbox URL, key/secret mode mismatch ...).
   * Each problem names the field as `gateways.<name>.<field>: <problem>`.
   */
  validate?(options: TOptions): string[];
  create(options: TOptions, context: GatewayContext): PaymentGateway;
}
