import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PAYMENTS_ENTITIES, PAYMENTS_MIGRATIONS, PaymentsModule, type PaymentsModuleOptions } from 'nestjs-kr-payments';

/**
 * A host app's root module as the README's "Use it in your app" writes it: configuration from the environment
 * through ConfigService, the library's entities and migrations in the app's own TypeORM DataSource, and the module
 * registered with forRootAsync. main.ts sets the environment before it loads this file.
 */
@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true }),
    TypeOrmModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        type: 'postgres',
        url: config.getOrThrow<string>('DATABASE_URL'),
        entities: [...PAYMENTS_ENTITIES],
        migrations: [...PAYMENTS_MIGRATIONS],
        migrationsRun: true,
      }),
    }),
    PaymentsModule.forRootAsync({
      isGlobal: true,
      imports: [ConfigModule],
      inject: [ConfigService],
      useFactory: (config: ConfigService): PaymentsModuleOptions => ({
        gateways: {
          toss: {
            secretKey: config.getOrThrow<string>('TOSS_SECRET_KEY'),
            clientKey: config.getOrThrow<string>('TOSS_CLIENT_KEY'),
            baseUrl: config.getOrThrow<string>('TOSS_BASE_URL'),
            // The simulator delivers webhooks from loopback, not from Toss's published addresses.
            webhookAllowedSources: ['127.0.0.1'],
          },
        },
        encryption: {
          keys: { k1: config.getOrThrow<string>('PAYMENTS_KEY_K1') },
          activeKeyId: 'k1',
          lookupKeyId: 'k1',
        },
      }),
    }),
  ],
})
export class AppModule {}
