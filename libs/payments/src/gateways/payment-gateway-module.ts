import { Logger, Module, type DynamicModule, type LoggerService, type Type } from '@nestjs/common';
import { systemClock } from '../domain/clock';
import type { ResolvedPaymentsOptions } from '../payments.options';
import { PAYMENTS_RESOLVED_OPTIONS } from '../payments.tokens';
import type { PaymentGateway } from './gateway.port';
import { GatewayCalls, outcomeOf } from '../operations/gateway-calls';
import type { GatewayCallObservation } from './http/gateway-http-client';

/** Wall clock used by gateways that sign timestamps (KISPG ediDate, NicePay ediDate). Injectable for tests. */
export interface GatewayClock {
  now(): Date;
}

/** What the core hands a gateway factory besides its own options block. */
export interface GatewayContext {
  logger: LoggerService;
  clock: GatewayClock;
  /** Pass to the gateway's HTTP client (`createGatewayHttpClient` does): feeds the health check and the metrics. */
  onGatewayCall?: (call: GatewayCallObservation) => void;
}

/**
 * The static side of a gateway's Nest module. Each shipped gateway folder exports one (`TossGatewayModule`, ...), and a
 * host app writes its own for a gateway the library does not ship (see docs/adding-a-gateway.md):
 *
 * ```ts
 * @PaymentGatewayModule()
 * export class InicisGatewayModule {
 *   static readonly gatewayName = 'inicis';
 *   static readonly optionsClass = InicisGatewayOptions;
 *   static createGateway(options: InicisGatewayOptions, context: GatewayContext) { return new InicisGateway(options, context); }
 * }
 * ```
 *
 * PaymentsModule validates the `gateways.<gatewayName>` block with `optionsClass` (whitelist + forbidNonWhitelisted:
 * a misspelt key fails boot) and `validateOptions`, then imports the module, which provides the adapter under
 * `paymentGatewayToken(gatewayName)`.
 */
export interface PaymentGatewayModuleClass<TOptions extends object = object> extends Type<unknown> {
  /** Key of the options block under `gateways`, the value of `payments.gateway`, and the webhook path segment. */
  readonly gatewayName: string;
  /** class-validator DTO class for the options block. */
  readonly optionsClass: new () => TOptions;
  /**
   * Cross-field checks class-validator cannot express (a live key with a sandbox URL, ...). Each problem names the
   * field as `gateways.<name>.<field>: <problem>` and never quotes a secret.
   */
  validateOptions?(options: TOptions): string[];
  /** Builds the adapter from the validated options block. */
  createGateway(options: TOptions, context: GatewayContext): PaymentGateway;
}

/**
 * Marks a class as a gateway module: a Nest module whose static members satisfy `PaymentGatewayModuleClass` (checked
 * by the compiler where the decorator is applied).
 */
export function PaymentGatewayModule<TOptions extends object>() {
  return (target: PaymentGatewayModuleClass<TOptions>): void => {
    Module({})(target);
  };
}

/** The DI token a gateway module exports its adapter under (`null` when its options block is absent). */
export function paymentGatewayToken(gatewayName: string): string {
  return `KrPayments:gateway:${gatewayName}`;
}

/**
 * The dynamic module PaymentsModule imports for one gateway module: it reads the validated options from `context`
 * (the module holding the library's resolved options) and provides the adapter, or `null` when not configured.
 */
export function gatewayProviderModule(moduleClass: PaymentGatewayModuleClass, context: DynamicModule): DynamicModule {
  const name = moduleClass.gatewayName;
  return {
    module: moduleClass,
    imports: [context],
    providers: [
      {
        provide: paymentGatewayToken(name),
        inject: [PAYMENTS_RESOLVED_OPTIONS, GatewayCalls],
        useFactory: (options: ResolvedPaymentsOptions, calls: GatewayCalls): PaymentGateway | null => {
          const block = options.gateways[name];
          if (!block) return null;
          const clock = options.clock ?? systemClock;
          return moduleClass.createGateway(block, {
            logger: options.logger ?? new Logger(`KrPayments:${name}`),
            clock,
            onGatewayCall: (call) => calls.record({ ...call, outcome: outcomeOf(call.status), at: clock.now() }),
          });
        },
      },
    ],
    exports: [paymentGatewayToken(name)],
  };
}
