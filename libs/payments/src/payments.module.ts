import {
  ConfigurableModuleBuilder,
  Inject,
  Logger,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
  type Provider,
  type Type,
} from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { FieldCipher } from './crypto/field-cipher';
import { systemClock } from './domain/clock';
import { GATEWAY_DEFINITIONS } from './gateways/gateway.definitions';
import { GatewayRegistry } from './gateways/gateway-registry';
import { PaymentsService } from './payments.service';
import { resolvePaymentsOptions, type PaymentsModuleOptions, type ResolvedPaymentsOptions } from './payments.options';
import { PAYMENTS_DATA_SOURCE, PAYMENTS_RESOLVED_OPTIONS } from './payments.tokens';
import { WebhookGuard } from './webhooks/webhook.guard';
import { createWebhookControllerClass, setWebhookControllerPath } from './webhooks/webhooks.controller';
import { WebhooksService } from './webhooks/webhooks.service';

export interface PaymentsModuleExtras {
  /** Register as a global module. Default false. */
  isGlobal?: boolean;
  /** Name of the TypeORM DataSource to use (`TypeOrmModule.forRoot({ name })`); default: the default DataSource. */
  dataSourceName?: string;
}

export const {
  ConfigurableModuleClass: PaymentsConfigurableModule,
  MODULE_OPTIONS_TOKEN: PAYMENTS_MODULE_OPTIONS,
  OPTIONS_TYPE: PAYMENTS_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: PAYMENTS_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<PaymentsModuleOptions>({ moduleName: 'KrPayments' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createPaymentsOptions')
  .setExtras<PaymentsModuleExtras>({ isGlobal: false, dataSourceName: undefined }, (definition, extras) =>
    withLibraryProviders(definition, extras),
  )
  .build();

/**
 * `PaymentsModule.forRoot(options)` or `PaymentsModule.forRootAsync({ useFactory | useClass | useExisting })`.
 * Options are validated when the module instantiates: a missing/malformed field, an unknown gateway, or a live
 * key pointed at a sandbox (and the reverse) fails startup with a message naming the field.
 * One provider per configured gateway is created from its GatewayDefinition and collected in GatewayRegistry.
 */
@Module({})
export class PaymentsModule extends PaymentsConfigurableModule {}

class GatewayLifecycle implements OnApplicationShutdown {
  constructor(@Inject(GatewayRegistry) private readonly registry: GatewayRegistry) {}
  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.registry.all().map((gateway) => gateway.close?.()));
  }
}

function withLibraryProviders(definition: DynamicModule, extras: PaymentsModuleExtras): DynamicModule {
  const controller: Type<unknown> = createWebhookControllerClass();
  const providers: Provider[] = [
    {
      provide: PAYMENTS_RESOLVED_OPTIONS,
      inject: [PAYMENTS_MODULE_OPTIONS],
      useFactory: (options: PaymentsModuleOptions): ResolvedPaymentsOptions => {
        const resolved = resolvePaymentsOptions(options, GATEWAY_DEFINITIONS);
        // Runs while the container instantiates, before Nest maps routes: the controller gets its prefix in time.
        setWebhookControllerPath(controller, resolved.webhooks.pathPrefix);
        return resolved;
      },
    },
    {
      provide: PAYMENTS_DATA_SOURCE,
      inject: [getDataSourceToken(extras.dataSourceName)],
      useFactory: (dataSource: DataSource) => dataSource,
    },
    {
      provide: GatewayRegistry,
      inject: [PAYMENTS_RESOLVED_OPTIONS],
      useFactory: (options: ResolvedPaymentsOptions) =>
        new GatewayRegistry(
          Object.entries(options.gateways).map(([name, gatewayOptions]) => {
            const gatewayDefinition = GATEWAY_DEFINITIONS.get(name);
            if (!gatewayDefinition) throw new Error(`unknown gateway ${name}`); // resolvePaymentsOptions already refused it
            return gatewayDefinition.create(gatewayOptions, {
              logger: options.logger ?? new Logger(`KrPayments:${name}`),
              clock: options.clock ?? systemClock,
            });
          }),
        ),
    },
    {
      provide: FieldCipher,
      inject: [PAYMENTS_RESOLVED_OPTIONS],
      useFactory: (options: ResolvedPaymentsOptions) => new FieldCipher(options.encryption),
    },
    GatewayLifecycle,
    PaymentsService,
    WebhooksService,
    WebhookGuard,
  ];
  return {
    ...definition,
    global: extras.isGlobal,
    controllers: [...(definition.controllers ?? []), controller],
    providers: [...(definition.providers ?? []), ...providers],
    exports: [...(definition.exports ?? []), PaymentsService, WebhooksService, GatewayRegistry, PAYMENTS_RESOLVED_OPTIONS],
  };
}
