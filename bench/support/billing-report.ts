import { formatTable } from './results';
import type { GatewayChargeCount } from './billing-checks';

export const BILLING_TARGETS = { efficiency: 0.9, speedUp: 20 } as const;

/** Exactly the fields of bench/results/billing-run.json. */
export interface BillingRunResult {
  subscriptions: number;
  /** billing.concurrency of the engine run. */
  concurrency: number;
  /** runDue's limit per pass. */
  batchSize: number;
  /** Added by the simulator to every billing charge. */
  chargeLatencyMs: number;
  engine: {
    /** subscriptions × chargeLatencyMs / concurrency: no pool of that size can do better. */
    boundMs: number;
    elapsedMs: number;
    /** boundMs / elapsedMs (1 = the pool never waited for anything but the gateway). */
    efficiency: number;
    chargesPerSec: number;
    passes: number;
    /** From the first pass to the gateway's first charge: pool time spent before anything was sent. */
    firstChargeAfterMs: number | null;
    verdicts: Record<string, number>;
    nodeCpuMsPerCharge: number;
    postgresCpuMsPerCharge: number | null;
  };
  sequential: {
    /** How many subscriptions the naive loop charged (the full set unless BILLING_BENCH_SEQUENTIAL said otherwise). */
    subscriptions: number;
    elapsedMs: number;
    msPerCharge: number;
  };
  /** Per-charge time of the sequential loop over the engine's; elapsed over elapsed when both sets are the same size. */
  speedUp: number;
  /** Subscriptions the gateway charged more than once, both sets together: must be 0. */
  doubleCharges: number;
  gateway: { engine: GatewayChargeCount; sequential: GatewayChargeCount };
  targets: { efficiency: number; speedUp: number; efficiencyMet: boolean; speedUpMet: boolean };
  database: string;
  node: string;
  cpus: number;
  date: string;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const mark = (met: boolean) => (met ? 'ok' : 'MISS');

/** The headline table the issue asks for, then where the CPU went. */
export function billingReport(result: BillingRunResult): string {
  const { engine, sequential, targets } = result;
  const headline = formatTable(
    ['C', 'bound', 'elapsed', 'efficiency', 'sequential', 'speed-up', 'double charges'],
    [
      [
        String(result.concurrency),
        seconds(engine.boundMs),
        seconds(engine.elapsedMs),
        `${(engine.efficiency * 100).toFixed(1)} % (${mark(targets.efficiencyMet)}, ≥ ${targets.efficiency * 100} %)`,
        `${seconds(sequential.elapsedMs)} (${sequential.subscriptions})`,
        `${result.speedUp.toFixed(1)}× (${mark(targets.speedUpMet)}, ≥ ${targets.speedUp}×)`,
        String(result.doubleCharges),
      ],
    ],
  );
  const pg = engine.postgresCpuMsPerCharge === null ? 'n/a' : `${engine.postgresCpuMsPerCharge.toFixed(2)} ms`;
  const details = formatTable(
    ['metric', 'value'],
    [
      ['subscriptions (engine)', String(result.subscriptions)],
      ['charge latency at the simulator', `${result.chargeLatencyMs} ms`],
      ['runDue limit per pass', String(result.batchSize)],
      ['engine passes', String(engine.passes)],
      ['first charge after', engine.firstChargeAfterMs === null ? 'n/a' : `${engine.firstChargeAfterMs} ms`],
      ['engine charges/s', engine.chargesPerSec.toFixed(1)],
      [
        'engine verdicts',
        Object.entries(engine.verdicts)
          .map(([verdict, n]) => `${verdict} ${n}`)
          .join(', '),
      ],
      ['Node CPU per engine charge', `${engine.nodeCpuMsPerCharge.toFixed(2)} ms (simulator included)`],
      ['PostgreSQL CPU per engine charge', pg],
      ['sequential ms per charge', sequential.msPerCharge.toFixed(2)],
      [
        'gateway charge requests (engine / sequential)',
        `${result.gateway.engine.requests} / ${result.gateway.sequential.requests}`,
      ],
    ],
  );
  return `${headline}\n\n${details}`;
}
