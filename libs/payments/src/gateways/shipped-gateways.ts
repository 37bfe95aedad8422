import { AppsInTossGatewayModule } from './apps-in-toss/apps-in-toss.module';
import type { AppsInTossGatewayOptions } from './apps-in-toss/apps-in-toss.types';
import { KispgGatewayModule } from './kispg/kispg.module';
import type { KispgGatewayOptions } from './kispg/kispg.types';
import { NicePayGatewayModule } from './nicepay/nicepay.module';
import type { NicePayGatewayOptions } from './nicepay/nicepay.types';
import type { PaymentGatewayModuleClass } from './payment-gateway-module';
import { TossGatewayModule } from './toss/toss.module';
import type { TossGatewayOptions } from './toss/toss.types';

/**
 * The gateways the library ships. This file is the one junction between the core and the gateway folders: the core
 * itself imports only the port. Adding a shipped gateway = its folder + one entry here + one key below; a host app
 * adds its own gateway through `PaymentsModule.forRoot({ ..., gatewayModules: [MyGatewayModule] })` instead.
 */
export const SHIPPED_GATEWAY_MODULES: readonly PaymentGatewayModuleClass[] = [
  TossGatewayModule,
  NicePayGatewayModule,
  KispgGatewayModule,
  AppsInTossGatewayModule,
] as readonly PaymentGatewayModuleClass[];

/**
 * One options block per gateway; a gateway is enabled by having its block. Typed, so a misspelt key is a compile
 * error. A host app that registers its own gateway module adds its key by declaration merging:
 *
 * ```ts
 * declare module 'nestjs-kr-payments' {
 *   interface GatewaysOptions { inicis?: InicisGatewayOptions }
 * }
 * ```
 */
export interface GatewaysOptions {
  toss?: TossGatewayOptions;
  nicepay?: NicePayGatewayOptions;
  kispg?: KispgGatewayOptions;
  appsInToss?: AppsInTossGatewayOptions;
}
