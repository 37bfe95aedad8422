/**
 * Cancels of one payment run one at a time, in arrival order, within this process. The database enforces the same
 * across instances (a reservation needs no other open cancel); this queue only keeps local callers from polling each
 * other and keeps their order.
 */
export class CancelQueue {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(paymentId: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(paymentId) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(paymentId, tail);
    await previous;
    try {
      return await task();
    } finally {
      release();
      if (this.tails.get(paymentId) === tail) this.tails.delete(paymentId);
    }
  }
}
