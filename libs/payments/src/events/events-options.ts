/** `events` in the module options: the transactional outbox and its dispatcher (docs/architecture.md#events). */
export interface EventsOptions {
  /**
   * Write an outbox event with every money change and publish it through @nestjs/event-emitter (needs
   * `EventEmitterModule.forRoot()` in the app). Default false: nothing is written and nothing is published.
   */
  enabled?: boolean;
  /**
   * Publish on this instance. Default true. Set false on instances that should only write (every instance writes its
   * own changes' events; any number may dispatch: rows are claimed with SKIP LOCKED and a lease).
   */
  dispatch?: boolean;
  /** Also wake on PostgreSQL NOTIFY (one pooled connection held for LISTEN). Default true. */
  listen?: boolean;
  /** Poll for due events this often (catches retries and anything a lost NOTIFY missed). Default 1 s. */
  pollIntervalMs?: number;
  /** Events claimed per round. Default 100. */
  batchSize?: number;
  /** How long a claimed event is ours before another dispatcher may take it. Default 60 s. */
  leaseMs?: number;
  /** First wait after a handler threw (doubling per failure, capped by retryMaxMs). Default 1 s. */
  retryBaseMs?: number;
  /** Longest wait between redeliveries. Default 5 min. */
  retryMaxMs?: number;
  /** Dispatched events are deleted after this long. Default 7 days. */
  retentionMs?: number;
}

export type ResolvedEventsOptions = Required<EventsOptions>;

const DAY_MS = 24 * 60 * 60 * 1000;

const DEFAULTS: ResolvedEventsOptions = {
  enabled: false,
  dispatch: true,
  listen: true,
  pollIntervalMs: 1_000,
  batchSize: 100,
  leaseMs: 60_000,
  retryBaseMs: 1_000,
  retryMaxMs: 5 * 60_000,
  retentionMs: 7 * DAY_MS,
};

const MINIMUMS: Partial<Record<keyof EventsOptions, number>> = {
  pollIntervalMs: 10,
  batchSize: 1,
  leaseMs: 1_000,
  retryBaseMs: 0,
  retryMaxMs: 0,
  retentionMs: 60_000,
};

/** The events options with their defaults; every problem is pushed naming its field. */
export function resolveEventsOptions(input: EventsOptions, problems: string[]): ResolvedEventsOptions {
  if (typeof input !== 'object' || input === null) {
    problems.push('events: must be an object');
    return DEFAULTS;
  }
  for (const key of Object.keys(input)) {
    if (!(key in DEFAULTS)) problems.push(`events.${key}: unknown option`);
  }
  const resolved = { ...DEFAULTS, ...stripUndefined(input) };
  for (const key of ['enabled', 'dispatch', 'listen'] as const) {
    if (typeof resolved[key] !== 'boolean') problems.push(`events.${key}: must be a boolean`);
  }
  for (const [key, minimum] of Object.entries(MINIMUMS) as Array<[keyof EventsOptions, number]>) {
    const value = resolved[key];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < minimum) {
      problems.push(`events.${key}: must be an integer >= ${minimum}`);
    }
  }
  return resolved;
}

function stripUndefined(input: EventsOptions): EventsOptions {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)) as EventsOptions;
}
