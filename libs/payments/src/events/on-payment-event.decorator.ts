import { OnEvent } from '@nestjs/event-emitter';
import { paymentEventName, type PaymentEventType } from './payment-events';

/**
 * `@OnEvent('payments.<type>')` for a library event, type-checked against the event names. Handlers are awaited by
 * the dispatcher (`emitAsync`): one that throws gets the same event (same `id`) again later. A plain `@OnEvent` works
 * too, but @nestjs/event-emitter swallows its errors unless `suppressErrors: false` is set, so a failed handler would
 * count as delivered.
 */
export function OnPaymentEvent(type: PaymentEventType): MethodDecorator {
  return OnEvent(paymentEventName(type), { suppressErrors: false });
}
