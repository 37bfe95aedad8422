import { paymentEventName, type PaymentEventType } from './payment-events';

/**
 * `@OnEvent('payments.<type>')` for a library event, type-checked against the event names. Handlers are awaited by
 * the dispatcher (`emitAsync`): one that throws gets the same event (same `id`) again later. A plain `@OnEvent` works
 * too, but @nestjs/event-emitter swallows its errors unless `suppressErrors: false` is set, so a failed handler would
 * count as delivered.
 */
export function OnPaymentEvent(type: PaymentEventType): MethodDecorator {
  // Loaded here, not at the top: @nestjs/event-emitter is an optional peer and the library's entry point re-exports
  // this decorator, so a top-level import would make every host install it. A decorator runs synchronously, hence
  // require (the package is ESM; Node >= 20.19, the supported floor, loads it with require).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { OnEvent } = require('@nestjs/event-emitter') as typeof import('@nestjs/event-emitter');
  return OnEvent(paymentEventName(type), { suppressErrors: false });
}
