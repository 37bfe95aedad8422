import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { GatewayDeclinedError, InvalidInputError, PaymentsError, PaymentsService } from 'nestjs-kr-payments';
import { GatewayParamPipe, UuidParamPipe } from './shop.validation';
import { toOrderView, type OrderView } from './shop.views';
import {
  AppsInTossReturnQueryDto,
  CheckoutFormDto,
  RefundFormDto,
  TossFailQueryDto,
  TossSuccessQueryDto,
} from './storefront.dto';
import { prepareInput, storefrontGateways, windowStep, type StorefrontGateway } from './storefront.gateways';
import { sendPage } from './storefront.html';
import { checkoutPage, formPostPage, orderPage, ordersPage, problemPage } from './storefront.pages';

/** As the JSON confirm: a confirm still in flight elsewhere is an error page, never a page saying "paid". */
const CONFIRM = { onPending: 'throw' } as const;
/** Without spaces: Apps-in-Toss refuses refund reasons with spaces. */
const REFUND_REASON = '구매자요청';

/**
 * A checkout a person can click: server-rendered pages over the same PaymentsService the JSON routes use. The browser
 * goes from the product form to the gateway's (simulated) payment window and comes back to a route that confirms
 * through the library, then lands on the order page (303, so a reload never confirms twice). Every outcome the
 * library refuses (declined, abandoned, amount mismatch …) is a page saying so, with the order as it stands.
 */
@ApiTags('storefront')
@ApiProduces('text/html')
@Controller('shop')
export class StorefrontController {
  constructor(private readonly payments: PaymentsService) {}

  @Get('checkout')
  checkout(@Res() res: Response): void {
    sendPage(res, 200, () => checkoutPage(storefrontGateways()));
  }

  /** Prepares the order through the library, then sends the browser into the gateway's window. */
  @Post('checkout/:gateway')
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  async pay(
    @Param('gateway', GatewayParamPipe) gatewayId: string,
    @Body() form: CheckoutFormDto,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const gateway = offered(gatewayId);
    const shopUrl = shopUrlOf(req);
    await this.rendering(res, async () => {
      const { checkout } = await this.payments.prepare(prepareInput(gateway.id, form, shopUrl));
      const step = windowStep(gateway, checkout, shopUrl);
      if (step.kind === 'redirect') res.redirect(303, step.url);
      else sendPage(res, 200, (nonce) => formPostPage(nonce, gateway.label, step.url, step.fields));
    });
  }

  /** Toss's successUrl: confirm with what the window appended. */
  @Get('checkout/toss/success')
  async tossSuccess(@Query() query: TossSuccessQueryDto, @Res() res: Response): Promise<void> {
    await this.rendering(res, async () => {
      const { orderId, amount, paymentKey } = query;
      const paid = await this.payments.confirm({ gateway: 'toss', orderId, amount, paymentKey }, CONFIRM);
      res.redirect(303, `/shop/orders/${paid.id}`);
    });
  }

  /** Toss's failUrl: nothing to confirm; the order stays READY (the repair job closes abandoned checkouts). */
  @Get('checkout/toss/fail')
  async tossFail(@Query() query: TossFailQueryDto, @Res() res: Response): Promise<void> {
    const order = query.orderId ? await this.findOrder('toss', query.orderId) : undefined;
    sendPage(res, 200, () =>
      problemPage('Payment not completed', `Toss: ${query.code} ${query.message ?? ''}`.trim(), order),
    );
  }

  /** The returnUrl NicePay's and KISPG's windows POST their (signed) result to; the library verifies it. */
  @Post('checkout/:gateway/return')
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiBody({
    description: "The payment window's result, verbatim in the gateway's own field names (its signature covers them).",
    schema: { type: 'object', additionalProperties: { type: 'string' } },
  })
  async windowReturn(
    @Param('gateway', GatewayParamPipe) gateway: string,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ): Promise<void> {
    if (gateway !== 'nicepay' && gateway !== 'kispg')
      throw new InvalidInputError('gateway', 'must be nicepay or kispg (the gateways that POST to returnUrl)');
    // Which order, for the page shown when the result is refused (a KISPG failure names none).
    const orderId = body.orderId ?? body.ordNo;
    await this.rendering(
      res,
      async () => {
        const paid = await this.payments.confirmReturn(gateway, body, CONFIRM);
        res.redirect(303, `/shop/orders/${paid.id}`);
      },
      typeof orderId === 'string' ? { gateway, orderId } : undefined,
    );
  }

  /** Where the simulated Apps-in-Toss approval page returns; approved → execute through the library. */
  @Get('checkout/appsInToss/return')
  async appsInTossReturn(@Query() query: AppsInTossReturnQueryDto, @Res() res: Response): Promise<void> {
    const lookup = { gateway: 'appsInToss', orderId: query.orderNo };
    await this.rendering(
      res,
      async () => {
        const order = await this.payments.getByOrderId(lookup.gateway, lookup.orderId);
        if (query.success !== 'true') {
          const detail = `Apps-in-Toss: not approved (${query.reason ?? 'no reason given'})`;
          sendPage(res, 200, () => problemPage('Payment not completed', detail, toOrderView(order)));
          return;
        }
        const { orderId, amount } = order;
        const paid = await this.payments.confirm(
          { gateway: lookup.gateway, orderId, amount, payToken: query.payToken },
          CONFIRM,
        );
        res.redirect(303, `/shop/orders/${paid.id}`);
      },
      lookup,
    );
  }

  @Get('orders')
  async orders(@Res() res: Response): Promise<void> {
    const page = await this.payments.list({ limit: 20 });
    sendPage(res, 200, () => ordersPage(page.items.map((payment) => toOrderView(payment))));
  }

  @Get('orders/:paymentId')
  async order(@Param('paymentId', UuidParamPipe) paymentId: string, @Res() res: Response): Promise<void> {
    const [payment, cancels] = await Promise.all([this.payments.get(paymentId), this.payments.listCancels(paymentId)]);
    sendPage(res, 200, () => orderPage(toOrderView(payment, cancels)));
  }

  /** Refunds what is left, through the library (which never refunds more than was paid). */
  @Post('orders/:paymentId/refund')
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  async refund(
    @Param('paymentId', UuidParamPipe) paymentId: string,
    @Body() form: RefundFormDto,
    @Res() res: Response,
  ): Promise<void> {
    await this.rendering(res, async () => {
      await this.payments.cancel({ paymentId, reason: REFUND_REASON, idempotencyKey: form.idempotencyKey });
      res.redirect(303, `/shop/orders/${paymentId}`);
    });
  }

  /** Runs `work`; a PaymentsError becomes a page with its status, what the gateway said, and the order if known. */
  private async rendering(
    res: Response,
    work: () => Promise<void>,
    lookup?: { gateway: string; orderId: string },
  ): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (!(error instanceof PaymentsError)) throw error;
      const order = lookup ? await this.findOrder(lookup.gateway, lookup.orderId) : undefined;
      const title = error instanceof GatewayDeclinedError ? 'Payment declined' : 'Payment not completed';
      const said = error.gatewayCode ? ` (${error.gatewayCode} ${error.gatewayMessage ?? ''})` : '';
      sendPage(res, error.httpStatus, () => problemPage(title, `${error.code}: ${error.message}${said}`, order));
    }
  }

  private async findOrder(gateway: string, orderId: string): Promise<OrderView | undefined> {
    try {
      return toOrderView(await this.payments.getByOrderId(gateway, orderId));
    } catch (error) {
      if (error instanceof PaymentsError) return undefined; // unknown or malformed orderId: show no order
      throw error;
    }
  }
}

function offered(gatewayId: string): StorefrontGateway {
  const gateway = storefrontGateways().find((candidate) => candidate.id === gatewayId);
  if (!gateway) throw new InvalidInputError('gateway', 'is not offered by this shop (no payment window configured)');
  return gateway;
}

/**
 * Where the windows send the browser back: this shop as the browser reached it. The Host header is the browser's
 * own; only a well-formed host[:port] is used.
 */
function shopUrlOf(req: Request): string {
  const host = req.get('host') ?? '';
  if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:]+\](:\d{1,5})?$/.test(host))
    throw new InvalidInputError('host', 'must be a host[:port]');
  return `${req.protocol}://${host}`;
}
