import { Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { BillingController } from './billing.controller';
import { CashReceiptsController } from './cash-receipts.controller';
import { CheckoutController } from './checkout.controller';
import { PaymentsExceptionFilter } from './payments-exception.filter';
import { createShopValidationPipe } from './shop.validation';
import { SubscriptionsController } from './subscriptions.controller';

/**
 * The shop's REST API. PaymentsService and BillingService come from the global PaymentsModule registered in AppModule.
 * The pipe and the filter are app-wide (APP_PIPE / APP_FILTER, so any way of booting AppModule gets them): every
 * body is validated against its DTO, and every PaymentsError, including one thrown on the library's webhook route,
 * is answered with its own status and a JSON body instead of Nest's generic 500.
 */
@Module({
  controllers: [CheckoutController, BillingController, SubscriptionsController, CashReceiptsController],
  providers: [
    { provide: APP_PIPE, useFactory: createShopValidationPipe },
    { provide: APP_FILTER, useClass: PaymentsExceptionFilter },
  ],
})
export class ShopModule {}
