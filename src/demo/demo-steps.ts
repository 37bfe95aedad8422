import type { OrderView } from '../shop/shop.views';
import { DemoFailure, expectEqual, type ShopClient, type ShopErrorBody } from './demo-client';
import type { DemoReport, StepLine } from './demo-report';

/** What every gateway's demo flows need: the shop's REST API and the report they print to. */
export interface DemoStepContext {
  shop: ShopClient;
  report: DemoReport;
}

/** `POST /checkout` answer: the stored order and what the front end hands to the gateway's window / SDK / form. */
export interface CheckoutResponse {
  order: OrderView;
  checkout: {
    gateway: string;
    kind: string;
    actionUrl?: string;
    method?: string;
    fields: Record<string, unknown>;
    paymentKey?: string;
  };
}

/** Runs one step: prints ✓ with its outcome line, or ✗ with the reason and rethrows (the demo stops there). */
export async function step<T>(
  ctx: DemoStepContext,
  label: string,
  run: () => Promise<[T, Omit<StepLine, 'label'>]>,
): Promise<T> {
  try {
    const [value, line] = await run();
    ctx.report.ok({ label, ...line });
    return value;
  } catch (error) {
    ctx.report.failed(label, error);
    throw error;
  }
}

/** Fails the step unless every listed field of the order has the expected value. */
export function expectOrder(order: OrderView, expected: Partial<OrderView>): void {
  for (const [key, value] of Object.entries(expected)) {
    expectEqual(order[key as keyof OrderView], value as never, `order.${key}`);
  }
}

/**
 * The order right after the gateway's delivery about it was acknowledged (its simulator idle, the delivery answered
 * 2xx). Read once, with no waiting: the library acknowledges a webhook only once its event is applied, because the
 * acknowledgement ends the gateway's retries. Another state here is a delivery that was acknowledged without being
 * applied, which no amount of waiting would excuse; the failure lists the deliveries the simulator made.
 */
export async function orderAfterDelivery(
  ctx: DemoStepContext,
  paymentId: string,
  expected: Partial<OrderView>,
  deliveries: string,
): Promise<OrderView> {
  const order = (await ctx.shop.expect<OrderView>('GET', `/orders/${paymentId}`, 200)).body;
  try {
    expectOrder(order, expected);
  } catch (error) {
    if (!(error instanceof DemoFailure)) throw error;
    throw new DemoFailure(`${error.message} after the delivery was acknowledged (deliveries: ${deliveries})`);
  }
  return order;
}

/** Fails the step unless the shop refused with this error code, naming this field. */
export function expectRefused(body: unknown, code: string, field: string | null): ShopErrorBody {
  const error = body as ShopErrorBody;
  expectEqual(error.code, code, 'error.code');
  expectEqual(error.field, field, 'error.field');
  return error;
}
