import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, Get, Module, NotFoundException, Param, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import * as library from 'nestjs-kr-payments';
import {
  PAYMENTS_ENTITIES,
  PAYMENTS_MIGRATIONS,
  PaymentsExceptionFilter,
  PaymentsModule,
  type PaymentsError,
  type PaymentsModuleOptions,
} from 'nestjs-kr-payments';
import { WebhookNotReadyError } from '../../libs/payments/src/webhooks/webhooks.service';
import { ShopModule } from '../../src/shop/shop.module';
import { CapturingLogger } from '../support/logger';

/** One row of the README's Errors table. */
export interface DocumentedError {
  code: string;
  className: string;
  httpStatus: number;
  retryable: boolean;
}

/** The rows of the table under `## Errors` in README.md: what users are promised. */
export function documentedErrors(): DocumentedError[] {
  const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
  const section = readme.slice(
    readme.indexOf('\n## Errors\n'),
    readme.indexOf('\n## ', readme.indexOf('\n## Errors\n') + 4),
  );
  const row = /^\| `([A-Z_<>]+)` \| `(\w+)` \| (\d{3}) \| (yes|no) \|/gm;
  return [...section.matchAll(row)].map(([, code, className, status, retryable]) => ({
    code,
    className,
    httpStatus: Number(status),
    retryable: retryable === 'yes',
  }));
}

const ID = '6d1f7a52-3f0e-4c2a-9a58-3f4f3b0c1d2e';

/** One instance of each error class, built the way the library builds it (the README row names the class). */
const EXAMPLES: Record<string, () => PaymentsError> = {
  InvalidInputError: () => new library.InvalidInputError('customer.email', 'must be an email'),
  AmountMismatchError: () => new library.AmountMismatchError(10_000, 1_000),
  OrderMismatchError: () => new library.OrderMismatchError('order-1', 'order-2'),
  DuplicateOrderError: () => new library.DuplicateOrderError('toss', 'order-1'),
  PaymentNotFoundError: () => new library.PaymentNotFoundError(ID),
  NotFoundError: () => new library.NotFoundError('billing_key', ID, { field: 'billingKeyId' }),
  InvalidTransitionError: () => new library.InvalidTransitionError('PAID', 'READY', ID),
  InvalidPaymentStateError: () => new library.InvalidPaymentStateError(ID, 'READY', 'cancel'),
  PaymentAlreadyFinalError: () => new library.PaymentAlreadyFinalError(ID, 'FAILED', 'REJECT_CARD_COMPANY'),
  PaymentInProgressError: () => new library.PaymentInProgressError(ID),
  CancelAmountExceedsBalanceError: () => new library.CancelAmountExceedsBalanceError(2_000, 1_000),
  GatewayDeclinedError: () => new library.GatewayDeclinedError('toss', 'REJECT_CARD_COMPANY', '카드사 거절'),
  GatewayUnavailableError: () => new library.GatewayUnavailableError('toss', 'read timeout', true),
  GatewayConfigurationError: () => new library.GatewayConfigurationError('toss', 'UNAUTHORIZED_KEY', 'bad key'),
  GatewayRequestError: () => new library.GatewayRequestError('toss', 'INVALID_REQUEST', 'bad request'),
  PaymentOutcomeUnknownError: () => new library.PaymentOutcomeUnknownError(ID, 'toss', 'READ_TIMEOUT'),
  PaymentNetCanceledError: () => new library.PaymentNetCanceledError(ID, 'nicepay'),
  SignatureMismatchError: () => new library.SignatureMismatchError('nicepay', 'approval answer'),
  ForeignPaymentKeyError: () => new library.ForeignPaymentKeyError('toss', 'order-1'),
  CancelConflictError: () => new library.CancelConflictError('toss'),
  CancelInProgressError: () => new library.CancelInProgressError(ID),
  IdempotencyKeyReusedError: () => new library.IdempotencyKeyReusedError('refund-1', 'amount'),
  PaymentKeyMismatchError: () => new library.PaymentKeyMismatchError('tid-1', 'tid-2', { gatewayCode: '0000' }),
  UnsupportedOperationError: () => new library.UnsupportedOperationError('kispg', 'cash receipts'),
  GatewayNotConfiguredError: () => new library.GatewayNotConfiguredError('nicepay'),
  PaymentsConfigurationError: () => new library.PaymentsConfigurationError(['gateways.toss.secretKey: required']),
  EncryptionError: () => new library.EncryptionError('unknown key id k9'),
  WebhookNotReadyError: () => new WebhookNotReadyError('toss', ID),
  InvalidSubscriptionStateError: () => new library.InvalidSubscriptionStateError(ID, 'ACTIVE', 'resume'),
};

export function exampleOf(className: string): PaymentsError {
  const make = EXAMPLES[className];
  if (!make) throw new Error(`README documents ${className}, which has no example in errors.e2e.support.ts`);
  return make();
}

/** Routes of a host app's own: a documented error, a plain Error, and one of Nest's HttpExceptions. */
@Controller('host')
class HostController {
  @Get('errors/:className')
  documented(@Param('className') className: string): never {
    throw exampleOf(className);
  }

  @Get('crash')
  crash(): never {
    throw new Error('host bug: cart total is NaN');
  }

  @Get('missing')
  missing(): never {
    throw new NotFoundException('no such cart');
  }
}

@Module({ controllers: [HostController] })
class HostModule {}

export interface TestApp {
  app: INestApplication;
  url: string;
  logger: CapturingLogger;
}

/**
 * A host app as a user writes it, with no exception filter of its own: TypeORM, PaymentsModule (global, so the
 * example shop's controllers can inject it), the example shop's REST API and the host's own routes.
 */
export async function bootHostApp(
  databaseUrl: string,
  options: PaymentsModuleOptions,
  configure: (app: INestApplication) => void = () => undefined,
): Promise<TestApp> {
  const logger = new CapturingLogger();
  @Module({
    imports: [
      TypeOrmModule.forRoot({
        type: 'postgres',
        url: databaseUrl,
        entities: [...PAYMENTS_ENTITIES],
        migrations: [...PAYMENTS_MIGRATIONS],
        migrationsRun: true,
        logging: false,
        retryAttempts: 0,
      }),
      PaymentsModule.forRoot({ ...options, logger, isGlobal: true }),
      ShopModule,
      HostModule,
    ],
  })
  class HostAppModule {}
  const app = await NestFactory.create(HostAppModule, { logger: false, abortOnError: false });
  configure(app);
  await app.listen(0, '127.0.0.1');
  return { app, url: `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`, logger };
}

/** `app.useGlobalFilters(new PaymentsExceptionFilter())`, as the README shows it. */
export const withGlobalFilter = (app: INestApplication): void => {
  app.useGlobalFilters(new PaymentsExceptionFilter());
};

export async function call(
  url: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Every key of a JSON value, however deep (object keys, and the keys inside arrays' objects). */
export function keysDeep(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((item) => keysDeep(item, into));
  else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      into.add(key);
      keysDeep(inner, into);
    }
  }
  return into;
}
