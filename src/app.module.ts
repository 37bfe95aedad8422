import { Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
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

/**
 * The shop's OpenAPI document: Swagger UI at `GET /docs`, the JSON at `GET /docs-json`. Every request body is one of
 * the library's DTOs (or the two in shop.dto.ts), whose fields carry `@ApiField` descriptions, so the document lists
 * each field with its rules. Call before `listen`: routes added after Nest's not-found handler would never be reached.
 */
export function setupApiDocs(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('nestjs-kr-payments example shop')
    .setDescription(
      'One-time payments, refunds, billing keys, subscriptions and cash receipts over Toss, NicePay, KISPG and ' +
        'Apps-in-Toss. Every amount is integer KRW. A refused input is a 400 whose body names the field.',
    )
    .setVersion('1')
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, config));
}
