import { GatewayNotConfiguredError } from '../domain/errors';
import type { GatewayName, PaymentGateway } from './gateway.port';

/** The configured gateways by name. The core asks this registry, never a gateway folder. */
export class GatewayRegistry {
  private readonly gateways = new Map<string, PaymentGateway>();

  constructor(gateways: Iterable<PaymentGateway>) {
    for (const gateway of gateways) this.gateways.set(gateway.name, gateway);
  }

  get(name: GatewayName): PaymentGateway {
    const gateway = this.gateways.get(name);
    if (!gateway) throw new GatewayNotConfiguredError(name);
    return gateway;
  }

  has(name: string): boolean {
    return this.gateways.has(name);
  }

  names(): string[] {
    return [...this.gateways.keys()];
  }

  all(): PaymentGateway[] {
    return [...this.gateways.values()];
  }
}
