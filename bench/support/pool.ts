/**
 * Runs `work` once per item with at most `concurrency` calls in flight: `concurrency` async loops that each take
 * the next unclaimed item until none is left (a closed-loop load generator, like 32 clients that each send their
 * next request as soon as the previous one answered).
 *
 * The first failure stops every loop from claiming new items; calls already in flight finish, then the pool
 * rejects with that first error, so a broken run fails fast instead of grinding through thousands of errors.
 */
export async function runWorkerPool<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  }
  let next = 0;
  let firstError: { error: unknown } | undefined;
  const loop = async (): Promise<void> => {
    while (!firstError && next < items.length) {
      const index = next++;
      try {
        await work(items[index], index);
      } catch (error) {
        firstError ??= { error };
      }
    }
  };
  const loops = Array.from({ length: Math.min(concurrency, items.length) }, loop);
  await Promise.all(loops);
  if (firstError) throw firstError.error;
}
