import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { PaymentsMetrics } from './payments-metrics';

/** One HTTP call to a gateway, as the shared client saw it. */
export interface GatewayCallRecord {
  gateway: string;
  /** The adapter's name for the call (`confirm`, `cancel`, `getPayment`, ...). */
  operation: string;
  /** `answered` (any 2xx/3xx), `refused` (4xx), `failed` (5xx), `unavailable` (no answer: timeout, reset, refused). */
  outcome: 'answered' | 'refused' | 'failed' | 'unavailable';
  /** HTTP status, null when no answer came. */
  status: number | null;
  durationMs: number;
  at: Date;
}

export interface GatewayCallSummary {
  last: GatewayCallRecord;
  /** Calls of this gateway since boot, by outcome. */
  counts: Record<GatewayCallRecord['outcome'], number>;
}

/**
 * Every gateway call, kept in two forms: the last call and counts per gateway (for the health check: is Toss
 * answering right now?), and Prometheus series in the library's registry (PaymentsMetrics).
 */
@Injectable()
export class GatewayCalls {
  private readonly byGateway = new Map<string, GatewayCallSummary>();
  private readonly calls: Counter<'gateway' | 'operation' | 'outcome'>;
  private readonly latency: Histogram<'gateway' | 'operation'>;

  constructor(metrics: PaymentsMetrics) {
    this.calls = new Counter({
      name: 'kr_payments_gateway_calls_total',
      help: 'HTTP calls to payment gateways by outcome (answered, refused = 4xx, failed = 5xx, unavailable = no answer)',
      labelNames: ['gateway', 'operation', 'outcome'] as const,
      registers: [metrics.registry],
    });
    this.latency = new Histogram({
      name: 'kr_payments_gateway_call_seconds',
      help: 'Duration of HTTP calls to payment gateways',
      labelNames: ['gateway', 'operation'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers: [metrics.registry],
    });
  }

  record(call: GatewayCallRecord): void {
    this.calls.inc({ gateway: call.gateway, operation: call.operation, outcome: call.outcome });
    this.latency.observe({ gateway: call.gateway, operation: call.operation }, call.durationMs / 1_000);
    const summary = this.byGateway.get(call.gateway) ?? {
      last: call,
      counts: { answered: 0, refused: 0, failed: 0, unavailable: 0 },
    };
    summary.last = call;
    summary.counts[call.outcome] += 1;
    this.byGateway.set(call.gateway, summary);
  }

  summary(gateway: string): GatewayCallSummary | undefined {
    return this.byGateway.get(gateway);
  }
}

export function outcomeOf(status: number | null): GatewayCallRecord['outcome'] {
  if (status === null) return 'unavailable';
  if (status >= 500) return 'failed';
  if (status >= 400) return 'refused';
  return 'answered';
}
