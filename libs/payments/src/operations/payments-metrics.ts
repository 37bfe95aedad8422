import { Injectable } from '@nestjs/common';
import { Counter, Registry } from 'prom-client';

/**
 * The library's Prometheus registry (its own, never prom-client's global one, so it cannot collide with the host's
 * metrics: merge it with `Registry.merge` or serve `PaymentsHealth.metrics()`), with the counters the money paths
 * increment. Gateway-call series and the database gauges register here too (GatewayCalls, PaymentsHealth).
 */
@Injectable()
export class PaymentsMetrics {
  readonly registry = new Registry();

  /** Status changes the ledger committed (counted after the commit). */
  readonly transitions = new Counter({
    name: 'kr_payments_payment_transitions_total',
    help: 'Payment status changes committed by the ledger',
    labelNames: ['gateway', 'from', 'to'] as const,
    registers: [this.registry],
  });

  /** What became of each webhook delivery. */
  readonly webhooks = new Counter({
    name: 'kr_payments_webhooks_total',
    help: 'Webhook deliveries by outcome (processed, ignored, rejected, duplicate, failed, refused at the guard)',
    labelNames: ['gateway', 'outcome'] as const,
    registers: [this.registry],
  });

  /** Recurring-billing attempts settled, by verdict (PAID, SOFT_DECLINE, HARD_DECLINE, UNKNOWN, ...). */
  readonly billingAttempts = new Counter({
    name: 'kr_payments_billing_attempts_total',
    help: 'Recurring-billing attempts by verdict',
    labelNames: ['gateway', 'verdict'] as const,
    registers: [this.registry],
  });

  /** Stuck states the repair job worked on, by rule and by whether it ended them. */
  readonly repairs = new Counter({
    name: 'kr_payments_repairs_total',
    help: 'Repair job results by rule and outcome (settled, or error when it must run again)',
    labelNames: ['rule', 'outcome'] as const,
    registers: [this.registry],
  });
}
