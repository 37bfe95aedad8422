import {
  ConfigurableModuleBuilder,
  Inject,
  Logger,
  Module,
  type DynamicModule,
  type LoggerService,
  type OnApplicationShutdown,
  type Provider,
  type Type,
} from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { BillingAttemptStore } from './billing/billing-attempt.store';
import { BillingCharger } from './billing/billing-charger';
import { BillingEngine } from './billing/billing-engine';
import { BillingSettlement } from './billing/billing-settlement';
import { BillingSweep } from './billing/billing-sweep';
import { BillingScheduler } from './billing/billing.scheduler';
import { BillingService } from './billing/billing.service';
import { BillingKeyStore } from './billing-keys/billing-key.store';
import { BillingKeysService } from './billing-keys/billing-keys.service';
import { CashReceiptStore } from './cash-receipts/cash-receipt.store';
import { CashReceiptsService } from './cash-receipts/cash-receipts.service';
import { EncryptionKeyVerifier } from './crypto/encryption-key-verifier';
import { FieldCipher } from './crypto/field-cipher';
import { systemClock } from './domain/clock';
import { GatewayRegistry } from './gateways/gateway-registry';
import { PaymentsExceptionFilter } from './http/payments-exception.filter';
import type { PaymentGateway } from './gateways/gateway.port';
import {
  gatewayProviderModule,
  paymentGatewayToken,
  type PaymentGatewayModuleClass,
} from './gateways/payment-gateway-module';
import { SHIPPED_GATEWAY_MODULES } from './gateways/shipped-gateways';
import { ApprovalRecovery } from './jobs/approval-recovery';
import { RecoveryTiming } from './jobs/recovery-timing';
import { RepairScheduler } from './jobs/repair.scheduler';
import { RetentionScheduler } from './jobs/retention.scheduler';
import { WebhookRetention } from './jobs/webhook-retention';
import { StuckPaymentsRepair } from './jobs/stuck-payments.repair';
import { CancelLedger } from './ledger/cancel-ledger';
import { PaymentLedger } from './ledger/payment-ledger';
import { PreparedSql } from './database/prepared-sql';
import { WebhookSecrets } from './ledger/webhook-secrets';
import { resolvePaymentsOptions, type PaymentsModuleOptions, type ResolvedPaymentsOptions } from './payments.options';
import { PaymentsService } from './payments.service';
import { assertSupportedPeers } from './peer-dependencies';
import { PAYMENTS_CLOCK, PAYMENTS_DATA_SOURCE, PAYMENTS_LOGGER, PAYMENTS_RESOLVED_OPTIONS } from './payments.tokens';
import { ApprovalRunner } from './payments/approval-runner';
import { CheckoutService } from './payments/checkout.service';
import { GatewayCalls } from './operations/gateway-calls';
import { PaymentsMetrics } from './operations/payments-metrics';
import { PaymentsHealth } from './operations/payments-health';
import { PaymentSearch } from './payments/payment-search';
import { PaymentSyncService } from './payments/payment-sync.service';
import { OutboxDispatcher } from './events/outbox-dispatcher';
import { PaymentsOutbox } from './events/outbox';
import { ReconciliationService } from './reconciliation/reconciliation.service';
import { ReconciliationScheduler } from './reconciliation/reconciliation.scheduler';
import { RefundsService } from './refunds/refunds.service';
import { WebhookGuard } from './webhooks/webhook.guard';
import { WebhookRejectionBudget } from './webhooks/rejection-limiter';
import { createWebhookControllerClass, setWebhookControllerPath } from './webhooks/webhooks.controller';
import { WebhooksService } from './webhooks/webhooks.service';

export interface PaymentsModuleExtras {
  /** Register as a global module. Default false. */
  isGlobal?: boolean;
  /** Name of the TypeORM DataSource to use (`TypeOrmModule.forRoot({ name })`); default: the default DataSource. */
  dataSourceName?: string;
  /**
   * Gateway modules of the host app's own (a gateway the library does not ship), next to the shipped ones. Each is
   * enabled by its block under `gateways.<gatewayName>`. See docs/adding-a-gateway.md.
   */
  gatewayModules?: PaymentGatewayModuleClass[];
}

export const {
  ConfigurableModuleClass: PaymentsConfigurableModule,
  MODULE_OPTIONS_TOKEN: PAYMENTS_MODULE_OPTIONS,
  OPTIONS_TYPE: PAYMENTS_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: PAYMENTS_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<PaymentsModuleOptions>({ moduleName: 'KrPayments' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createPaymentsOptions')
  .setExtras<PaymentsModuleExtras>(
    { isGlobal: false, dataSourceName: undefined, gatewayModules: [] },
    (definition, extras) => withLibraryProviders(definition, extras),
  )
  .build();

/**
 * `PaymentsModule.forRoot(options)` or `PaymentsModule.forRootAsync({ useFactory | useClass | useExisting })`.
 * Options are validated when the module instantiates: a missing/malformed field, an unknown gateway, or a live
 * key pointed at a sandbox (and the reverse) fails startup with a message naming the field. Each gateway is a Nest
 * module of its own that provides its adapter; the configured ones are collected in GatewayRegistry.
 */
@Module({})
export class PaymentsModule extends PaymentsConfigurableModule {}

/** Holds the options and the host's DataSource; every gateway module and the core import it. */
@Module({})
class PaymentsContextModule {}

class GatewayLifecycle implements OnApplicationShutdown {
  constructor(@Inject(GatewayRegistry) private readonly registry: GatewayRegistry) {}
  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.registry.all().map((gateway) => gateway.close?.()));
  }
}

/** The per-aggregate services behind the PaymentsService facade (see docs/architecture.md). */
const LIBRARY_SERVICES: Provider[] = [
  PreparedSql,
  EncryptionKeyVerifier,
  PaymentLedger,
  CancelLedger,
  WebhookSecrets,
  PaymentSyncService,
  ApprovalRunner,
  CheckoutService,
  RefundsService,
  BillingKeyStore,
  BillingKeysService,
  CashReceiptStore,
  CashReceiptsService,
  RecoveryTiming,
  ApprovalRecovery,
  StuckPaymentsRepair,
  RepairScheduler,
  WebhookRetention,
  RetentionScheduler,
  ReconciliationService,
  ReconciliationScheduler,
  // Money events (events/): written with each change, published by the dispatcher.
  PaymentsOutbox,
  OutboxDispatcher,
  PaymentSearch,
  PaymentsHealth,
  PaymentsService,
  WebhooksService,
  WebhookGuard,
  WebhookRejectionBudget,
  GatewayLifecycle,
  // Recurring billing (billing/): the engine, its scheduler and the BillingService facade.
  BillingSweep,
  BillingAttemptStore,
  BillingCharger,
  BillingSettlement,
  BillingEngine,
  BillingScheduler,
  BillingService,
];

function withLibraryProviders(definition: DynamicModule, extras: PaymentsModuleExtras): DynamicModule {
  // forRoot/forRootAsync land here before Nest instantiates anything: a typeorm or Nest outside the tested ranges
  // stops the boot now instead of after TypeORM's connect retries.
  assertSupportedPeers();
  const controller: Type<unknown> = createWebhookControllerClass();
  const gatewayModules = registeredGatewayModules(extras.gatewayModules ?? []);
  const context = contextModule(definition, extras, controller, gatewayModules);
  return {
    module: definition.module,
    global: extras.isGlobal,
    imports: [context, ...gatewayModules.map((module) => gatewayProviderModule(module, context))],
    controllers: [...(definition.controllers ?? []), controller],
    providers: [
      {
        provide: GatewayRegistry,
        inject: gatewayModules.map((module) => paymentGatewayToken(module.gatewayName)),
        useFactory: (...adapters: Array<PaymentGateway | null>) =>
          new GatewayRegistry(adapters.filter((adapter): adapter is PaymentGateway => adapter !== null)),
      },
      {
        provide: FieldCipher,
        inject: [PAYMENTS_RESOLVED_OPTIONS],
        useFactory: (options: ResolvedPaymentsOptions) => new FieldCipher(options.encryption),
      },
      ...LIBRARY_SERVICES,
      {
        // App-wide, but it catches only PaymentsError: the host's own exceptions keep their handling. A factory that
        // gives null registers nothing (http.exceptionFilter: false), so the option can come from forRootAsync.
        provide: APP_FILTER,
        inject: [PAYMENTS_RESOLVED_OPTIONS, PAYMENTS_LOGGER],
        useFactory: (options: ResolvedPaymentsOptions, logger: LoggerService) =>
          options.http.exceptionFilter ? new PaymentsExceptionFilter(logger) : null,
      },
    ],
    exports: [
      PaymentsService,
      WebhooksService,
      WebhookRetention,
      BillingService,
      ReconciliationService,
      OutboxDispatcher,
      PaymentsHealth,
      GatewayRegistry,
      context,
    ],
  };
}

function registeredGatewayModules(custom: PaymentGatewayModuleClass[]): PaymentGatewayModuleClass[] {
  const all = [...SHIPPED_GATEWAY_MODULES, ...custom];
  const names = new Set<string>();
  for (const module of all) {
    if (typeof module?.gatewayName !== 'string' || typeof module.createGateway !== 'function') {
      throw new Error(`gatewayModules: ${String(module?.name)} is not a gateway module (see docs/adding-a-gateway.md)`);
    }
    if (names.has(module.gatewayName)) {
      throw new Error(`gatewayModules: a gateway named "${module.gatewayName}" is already registered`);
    }
    names.add(module.gatewayName);
  }
  return all;
}

/** The options (validated once), the DataSource, the clock and the logger, shared by the core and the gateways. */
function contextModule(
  definition: DynamicModule,
  extras: PaymentsModuleExtras,
  controller: Type<unknown>,
  gatewayModules: PaymentGatewayModuleClass[],
): DynamicModule {
  return {
    module: PaymentsContextModule,
    imports: definition.imports ?? [],
    providers: [
      ...(definition.providers ?? []),
      {
        provide: PAYMENTS_RESOLVED_OPTIONS,
        inject: [PAYMENTS_MODULE_OPTIONS],
        useFactory: (options: PaymentsModuleOptions): ResolvedPaymentsOptions => {
          const resolved = resolvePaymentsOptions(options, gatewayModules);
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
        provide: PAYMENTS_CLOCK,
        inject: [PAYMENTS_RESOLVED_OPTIONS],
        useFactory: (options: ResolvedPaymentsOptions) => options.clock ?? systemClock,
      },
      {
        provide: PAYMENTS_LOGGER,
        inject: [PAYMENTS_RESOLVED_OPTIONS],
        useFactory: (options: ResolvedPaymentsOptions) => options.logger ?? new Logger('KrPayments'),
      },
      // Shared with the gateway modules: their HTTP clients report every call here.
      PaymentsMetrics,
      GatewayCalls,
    ],
    exports: [
      PaymentsMetrics,
      GatewayCalls,
      PAYMENTS_MODULE_OPTIONS,
      PAYMENTS_RESOLVED_OPTIONS,
      PAYMENTS_DATA_SOURCE,
      PAYMENTS_CLOCK,
      PAYMENTS_LOGGER,
    ],
  };
}
