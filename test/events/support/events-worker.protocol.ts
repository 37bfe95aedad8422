import type { EventsOptions } from 'nestjs-kr-payments';

/** What the parent passes to an events worker (events-worker.ts), as JSON in the environment. */
export interface EventsWorkerConfig {
  databaseUrl: string;
  tossUrl: string;
  events: EventsOptions;
  hangInHandler: boolean;
  encryption: { keys: Record<string, string>; activeKeyId: string };
}

export const EVENTS_WORKER_ENV = 'KR_PAYMENTS_EVENTS_WORKER';
