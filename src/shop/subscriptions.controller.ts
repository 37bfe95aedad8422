import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import {
  BillingService,
  CancelSubscriptionDto,
  ChangeSubscriptionAmountDto,
  CreateSubscriptionDto,
  ListSubscriptionsDto,
  RetrySubscriptionDto,
  SubscriptionRefDto,
} from 'nestjs-kr-payments';
import { BodyWithPath } from './body-with-path.decorator';
import { UuidParamPipe } from './shop.validation';
import { toCycleView, toSubscriptionView, type CycleView, type SubscriptionView } from './subscriptions.views';

const SUBSCRIPTION_FROM_PATH = { fromPath: ['subscriptionId'] };

/**
 * Subscriptions (정기결제) on a billing key issued through `POST /billing/keys`. Thin calls to BillingService: every
 * body is validated against the library's own DTO (the route's id merged in), so a bad field is a 400 naming it and
 * nothing is written; a wrong state (resume an ACTIVE subscription) is a 409. Charging itself runs in the billing
 * sweep (`billing.enabled`) or in whatever calls `BillingService.runDue()`, never in a request.
 */
@ApiTags('subscriptions')
@Controller('subscriptions')
export class SubscriptionsController {
  constructor(private readonly billing: BillingService) {}

  @Post()
  async create(@Body() body: CreateSubscriptionDto): Promise<SubscriptionView> {
    return toSubscriptionView(await this.billing.createSubscription(body));
  }

  /** `GET /subscriptions?customerKey=...`: the customer's subscriptions, oldest first. */
  @Get()
  async list(@Query() query: ListSubscriptionsDto): Promise<SubscriptionView[]> {
    return (await this.billing.listByCustomer(query)).map(toSubscriptionView);
  }

  @Get(':subscriptionId')
  async get(@Param('subscriptionId', UuidParamPipe) subscriptionId: string): Promise<SubscriptionView> {
    return toSubscriptionView(await this.billing.get(subscriptionId));
  }

  /** Every cycle, oldest first, with its attempts (declines, orderIds, the payment that paid it). */
  @Get(':subscriptionId/cycles')
  async cycles(@Param('subscriptionId', UuidParamPipe) subscriptionId: string): Promise<CycleView[]> {
    return (await this.billing.listCycles({ subscriptionId })).map(toCycleView);
  }

  /** Body: amount (taxFreeAmount). Charged from the next cycle; the current one keeps what it owes. */
  @Post(':subscriptionId/amount')
  @HttpCode(200)
  async changeAmount(
    @BodyWithPath(SUBSCRIPTION_FROM_PATH) input: ChangeSubscriptionAmountDto,
  ): Promise<SubscriptionView> {
    return toSubscriptionView(await this.billing.changeAmount(input));
  }

  @Post(':subscriptionId/pause')
  @HttpCode(200)
  async pause(@BodyWithPath(SUBSCRIPTION_FROM_PATH) input: SubscriptionRefDto): Promise<SubscriptionView> {
    return toSubscriptionView(await this.billing.pause(input));
  }

  @Post(':subscriptionId/resume')
  @HttpCode(200)
  async resume(@BodyWithPath(SUBSCRIPTION_FROM_PATH) input: SubscriptionRefDto): Promise<SubscriptionView> {
    return toSubscriptionView(await this.billing.resume(input));
  }

  /** Body: `{ atPeriodEnd: true }` runs out the paid period; without it the subscription ends now. */
  @Post(':subscriptionId/cancel')
  @HttpCode(200)
  async cancel(@BodyWithPath(SUBSCRIPTION_FROM_PATH) input: CancelSubscriptionDto): Promise<SubscriptionView> {
    return toSubscriptionView(await this.billing.cancel(input));
  }

  /**
   * Charges the unpaid cycle now (body: an optional new `billingKeyId` of the same customer, what a HARD decline
   * asks for) and answers the cycle as it stands after the attempt.
   */
  @Post(':subscriptionId/retry')
  @HttpCode(200)
  async retryNow(@BodyWithPath(SUBSCRIPTION_FROM_PATH) input: RetrySubscriptionDto): Promise<CycleView> {
    return toCycleView(await this.billing.retryNow(input));
  }
}
