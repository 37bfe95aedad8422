interface Slot {
  running: Promise<unknown>;
  /** The one read-back shared by every caller that arrived while `running` was in flight. */
  queued?: Promise<unknown>;
}

/**
 * At most one read-back in flight per payment (per process). A caller that arrives while one is running does not
 * reuse it — it may have started before the event the caller announces — but waits for the next one, which all such
 * callers share. A burst of N deliveries about one payment costs at most two gateway calls at a time, and each caller
 * still gets a read that began after it arrived.
 */
export class ReadBackCoalescer {
  private readonly slots = new Map<string, Slot>();

  run<T>(key: string, read: () => Promise<T>): Promise<T> {
    const slot = this.slots.get(key);
    if (!slot) return this.launch(key, read);
    if (!slot.queued) {
      const settled = slot.running.then(
        () => undefined,
        () => undefined,
      );
      slot.queued = settled.then(() => this.launch(key, read));
    }
    return slot.queued as Promise<T>;
  }

  /** Read-backs in flight (for tests and metrics). */
  get inFlight(): number {
    return this.slots.size;
  }

  private launch<T>(key: string, read: () => Promise<T>): Promise<T> {
    const slot: Slot = { running: Promise.resolve() };
    const running = read().finally(() => {
      if (this.slots.get(key) === slot && !slot.queued) this.slots.delete(key);
    });
    slot.running = running;
    this.slots.set(key, slot);
    return running;
  }
}
