import type { GatewayDefinition } from './gateway.definition';
import { TossGatewayDefinition } from './toss/toss.module';
import { KispgGatewayDefinition } from './kispg/kispg.module';
import { AppsInTossGatewayDefinition } from './apps-in-toss/apps-in-toss.module';
import { NicePayGatewayDefinition } from './nicepay/nicepay.module';

/**
 * Every gateway the library ships, by options key. The only file outside a gateway folder that imports one:
 * adding a gateway is its folder plus one line here.
 */
export const GATEWAY_DEFINITIONS: ReadonlyMap<string, GatewayDefinition> = new Map<string, GatewayDefinition>([
  ['toss', TossGatewayDefinition as unknown as GatewayDefinition],
  ['nicepay', NicePayGatewayDefinition as unknown as GatewayDefinition],
  ['kispg', KispgGatewayDefinition as unknown as GatewayDefinition],
  ['appsInToss', AppsInTossGatewayDefinition as unknown as GatewayDefinition],
]);
