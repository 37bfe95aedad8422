import type { BillingOptions, GatewaysOptions, PaymentsModuleOptions } from 'nestjs-kr-payments';

/** What a billing worker process is started with (JSON in its environment, BILLING_WORKER_CONFIG). */
export interface WorkerConfig {
  /** The database every worker and the test's own app share. */
  databaseUrl: string;
  /** The worker's PostgreSQL application_name: how the test finds its backends in pg_stat_activity. */
  applicationName: string;
  gateways: GatewaysOptions;
  encryption: PaymentsModuleOptions['encryption'];
  billing: BillingOptions & { instanceId: string };
  /** The worker's ManualClock starts here (ISO); each command may move it. */
  now: string;
}

export const WORKER_CONFIG_ENV = 'BILLING_WORKER_CONFIG';

/** Test → worker. `pass` runs one BillingService.runDue(); `drain` runs passes until one finds nothing to do. */
export type WorkerCommand = { id: number; cmd: 'pass' | 'drain'; now: string };

/** One attempt a pass ran, as runDue reported it. */
export interface WorkerAttempt {
  orderId: string;
  cycleId: string;
  verdict: string;
}

/** Worker → test: `ready` once booted; then one `done` (or `failed`) per command, carrying its id. */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'done'; id: number; passes: number; attempts: WorkerAttempt[] }
  | { type: 'failed'; id: number; message: string };
