import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiTags } from '@nestjs/swagger';
import { CancelDto, PaymentsService, PrepareDto, type CheckoutParams, type ConfirmOptions } from 'nestjs-kr-payments';
import { BodyWithPath } from './body-with-path.decorator';
import { ConfirmCheckoutDto } from './shop.dto';
import { GatewayParamPipe, UuidParamPipe } from './shop.validation';
import { toCancelView, toOrderView, type CancelView, type OrderView } from './shop.views';

/**
 * A confirm answers 200 only with an approved order. Another confirm still in flight is a retryable 409
 * (PAYMENT_IN_PROGRESS), a lost gateway answer a retryable 503 (PAYMENT_OUTCOME_UNKNOWN), an order that ended unpaid
 * a 409 (PAYMENT_ALREADY_FINAL): a client never has to read `status` to know whether the buyer paid.
 */
const CONFIRM: ConfirmOptions = { onPending: 'throw' };

/**
 * One-time payments: prepare → (buyer in the gateway's window) → confirm, then refunds and lookups.
 * Every amount is integer KRW. The library decides every status; this controller only translates HTTP.
 */
@ApiTags('checkout')
@Controller()
export class CheckoutController {
  constructor(private readonly payments: PaymentsService) {}

  /**
   * Stores a READY payment and returns what the front end passes to the gateway's SDK (Toss:
   * `requestPayment(fields)`). A real shop computes `amount` from its own cart instead of trusting the client;
   * this example has no catalogue, so it takes the library's PrepareDto as it is.
   */
  @Post('checkout')
  async checkout(@Body() body: PrepareDto): Promise<{ order: OrderView; checkout: CheckoutParams }> {
    // `checkout` is already safe for the browser: the library strips server-only data (a VA's webhook secret).
    const { payment, checkout } = await this.payments.prepare(body);
    return { order: toOrderView(payment), checkout };
  }

  /**
   * Toss's successUrl page (and an Apps-in-Toss mini-app after checkoutPayment) posts here as JSON. Retries are safe:
   * a second confirm of a paid order returns it and never reaches the gateway again (compare-and-set on READY).
   */
  @Post('checkout/confirm')
  @HttpCode(200)
  async confirm(@Body() body: ConfirmCheckoutDto): Promise<OrderView> {
    const payment = await this.payments.confirm(
      {
        gateway: body.gateway ?? 'toss',
        orderId: body.orderId,
        amount: body.amount,
        paymentKey: body.paymentKey,
        payToken: body.payToken,
      },
      CONFIRM,
    );
    return toOrderView(payment);
  }

  /**
   * The returnUrl of redirect-form gateways (NicePay, KISPG): the payment window POSTs its result here
   * (form-urlencoded, the gateway's own field names). The library verifies the gateway's signature/hash and the
   * amount against the prepared payment before approving. A real shop would redirect the browser to an order page;
   * this example answers the order as JSON.
   */
  @Post('checkout/:gateway/return')
  @HttpCode(200)
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiBody({
    description: "The payment window's result, verbatim in the gateway's own field names (its signature covers them).",
    schema: { type: 'object', additionalProperties: { type: 'string' } },
  })
  async returnUrl(
    @Param('gateway', GatewayParamPipe) gateway: string,
    @Body() body: Record<string, unknown>,
  ): Promise<OrderView> {
    return toOrderView(await this.payments.confirmReturn(gateway, body, CONFIRM));
  }

  @Get('orders/:paymentId')
  async order(@Param('paymentId', UuidParamPipe) paymentId: string): Promise<OrderView> {
    const [payment, cancels] = await Promise.all([this.payments.get(paymentId), this.payments.listCancels(paymentId)]);
    return toOrderView(payment, cancels);
  }

  /** Full (no amount) or partial refund; the amount is reserved atomically, so refunds never exceed what was paid. */
  @Post('orders/:paymentId/cancel')
  @HttpCode(200)
  async cancel(
    @BodyWithPath({ fromPath: ['paymentId'], refused: ['gateway', 'orderId'] }) input: CancelDto,
  ): Promise<{ cancel: CancelView; order: OrderView }> {
    const cancel = await this.payments.cancel(input);
    const payment = await this.payments.get(cancel.paymentId);
    return { cancel: toCancelView(cancel), order: toOrderView(payment) };
  }

  /** Re-reads the payment at the gateway: how an UNKNOWN payment (lost answer) is resolved. */
  @Post('orders/:paymentId/sync')
  @HttpCode(200)
  async sync(@Param('paymentId', UuidParamPipe) paymentId: string): Promise<OrderView> {
    return toOrderView(await this.payments.sync(paymentId));
  }
}
