import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PAYMENTS_ENTITIES, PAYMENTS_MIGRATIONS, PaymentsModule, type PaymentsModuleOptions } from 'nestjs-kr-payments';
import { paymentsOptionsFromConfig } from './payments.config';
import { ShopModule } from './shop/shop.module';

export interface AppModuleOptions {
  /** The library's clock. Default: the system clock; the demo passes a manual one to walk subscriptions through months. */
  clock?: PaymentsModuleOptions['clock'];
}

/**
 * The example shop, wired the way an application would wire nestjs-kr-payments: its own DataSource carrying the
 * library's entities and migrations, and PaymentsModule configured from the environment (.env.example).
 */
@Module({})
export class AppModule {
  static forRoot(options: AppModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true }),
        TypeOrmModule.forRootAsync({
          imports: [ConfigModule],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({
            type: 'postgres' as const,
            url: config.getOrThrow<string>('DATABASE_URL'),
            entities: [...PAYMENTS_ENTITIES],
            migrations: [...PAYMENTS_MIGRATIONS],
            migrationsRun: true,
            // Same table as ormconfig.ts, so `npm run migration:run` and the app agree on what has been applied.
            migrationsTableName: 'kr_payments_migrations',
            synchronize: false,
            logging: false,
          }),
        }),
        PaymentsModule.forRootAsync({
          // Global, so feature modules (ShopModule) can inject PaymentsService without importing the configured module.
          isGlobal: true,
          imports: [ConfigModule],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({
            ...paymentsOptionsFromConfig(config),
            ...(options.clock ? { clock: options.clock } : {}),
          }),
        }),
        ShopModule,
      ],
    };
  }
}
