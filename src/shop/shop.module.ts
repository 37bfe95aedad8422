import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { APP_PIPE } from '@nestjs/core';
import { BillingController } from './billing.controller';
import { CashReceiptsController } from './cash-receipts.controller';
import { CheckoutController } from './checkout.controller';
import { OperationsController } from './operations.controller';
import { createShopValidationPipe } from './shop.validation';
import { StorefrontController } from './storefront.controller';
import { SubscriptionsController } from './subscriptions.controller';

/**
 * The shop's REST API, and its storefront pages (/shop/checkout, /shop/orders) a person can click through.
 * PaymentsService and BillingService come from the global PaymentsModule registered in AppModule.
 * The pipe is app-wide (APP_PIPE, so any way of booting AppModule gets it): every body is validated against its DTO.
 * No exception filter here: PaymentsModule registers its PaymentsExceptionFilter app-wide, so every PaymentsError
 * (the pipe's InvalidInputError and one thrown on the library's webhook route included) is answered with its own
 * status and JSON body instead of Nest's generic 500.
 */
@Module({
  imports: [TerminusModule],
  controllers: [
    CheckoutController,
    BillingController,
    SubscriptionsController,
    CashReceiptsController,
    OperationsController,
    StorefrontController,
  ],
  providers: [{ provide: APP_PIPE, useFactory: createShopValidationPipe }],
})
export class ShopModule {}
