/**
 * Deliveries of one event (one dedupe key) received by this process run one after another. A gateway redelivers when
 * its previous attempt timed out, which is often while that attempt is still being processed here; the redelivery
 * must not be acknowledged before the event is applied (the acknowledgement stops the gateway's retries), so it waits
 * for the attempt ahead of it and then meets the inbox row as that attempt left it: settled (acknowledged), or failed
 * and free to claim (processed again by the redelivery itself). Different events never wait for each other.
 */
export class SameEventQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const ahead = this.tails.get(key);
    // Whatever the attempt ahead ended in, this one runs: its own inbox read decides what is left to do.
    const result = ahead
      ? ahead.then(
          () => task(),
          () => task(),
        )
      : task();
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Events with a delivery queued or running here (for tests and metrics). */
  get pending(): number {
    return this.tails.size;
  }
}
