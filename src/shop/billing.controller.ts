import { Body, Controller, Delete, Get, Param, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ChargeBillingKeyDto, IssueBillingKeyDto, PaymentsService } from 'nestjs-kr-payments';
import { BodyWithPath } from './body-with-path.decorator';
import { UuidParamPipe } from './shop.validation';
import { toBillingKeyView, toOrderView, type BillingKeyView, type OrderView } from './shop.views';

/**
 * Recurring payments (자동결제). The billing key itself never leaves the library: it is stored encrypted and the
 * shop refers to it by our id.
 */
@ApiTags('billing keys')
@Controller('billing/keys')
export class BillingController {
  constructor(private readonly payments: PaymentsService) {}

  /** Toss: the billing-auth window's successUrl brings `customerKey` + `authKey` (see docs/gateways/toss.md). */
  @Post()
  async issue(@Body() body: IssueBillingKeyDto): Promise<BillingKeyView> {
    return toBillingKeyView(await this.payments.issueBillingKey(body));
  }

  @Get(':billingKeyId')
  async get(@Param('billingKeyId', UuidParamPipe) billingKeyId: string): Promise<BillingKeyView> {
    return toBillingKeyView(await this.payments.getBillingKey(billingKeyId));
  }

  @Post(':billingKeyId/charge')
  /** Body: amount, orderName, idempotencyKey (one per billing cycle, so a retried cycle never charges twice), ... */
  async charge(@BodyWithPath({ fromPath: ['billingKeyId'] }) input: ChargeBillingKeyDto): Promise<OrderView> {
    return toOrderView(await this.payments.chargeBillingKey(input));
  }

  @Delete(':billingKeyId')
  async remove(@Param('billingKeyId', UuidParamPipe) billingKeyId: string): Promise<BillingKeyView> {
    return toBillingKeyView(await this.payments.deleteBillingKey(billingKeyId));
  }
}
