import type { GatewayDefinition } from './gateway.definition';
import { TossGatewayDefinition } from './toss/toss.module';

/**
 * Every gateway the library ships, by options key. The only file outside a gateway folder that imports one:
 * adding a gateway is its folder plus one line here.
 */
export const GATEWAY_DEFINITIONS: ReadonlyMap<string, GatewayDefinition> = new Map<string, GatewayDefinition>([
  ['toss', TossGatewayDefinition as unknown as GatewayDefinition],
]);
