import { SameEventQueue } from '../../libs/payments/src/webhooks/same-event-queue';

/** A promise settled from outside, to hold a task open while others queue behind it. */
function gate<T>() {
  let open!: (value: T) => void;
  let fail!: (error: Error) => void;
  const promise = new Promise<T>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

describe('SameEventQueue', () => {
  it('runs deliveries of one event one after another, each after the one ahead settled, even if it failed', async () => {
    const queue = new SameEventQueue();
    const log: string[] = [];
    const first = gate<string>();
    const a = queue.run('toss:e1', async () => {
      log.push('a starts');
      return first.promise;
    });
    const b = queue.run('toss:e1', async () => {
      log.push('b starts');
      return 'b';
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(log).toEqual(['a starts']); // b waits while a is in flight
    first.fail(new Error('a failed'));
    await expect(a).rejects.toThrow('a failed');
    await expect(b).resolves.toBe('b');
    expect(log).toEqual(['a starts', 'b starts']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(queue.pending).toBe(0);
  });

  it('never makes different events wait for each other', async () => {
    const queue = new SameEventQueue();
    const held = gate<string>();
    const slow = queue.run('toss:e1', () => held.promise);
    await expect(queue.run('toss:e2', async () => 'e2')).resolves.toBe('e2');
    expect(queue.pending).toBe(1);
    held.open('e1');
    await expect(slow).resolves.toBe('e1');
    await new Promise((resolve) => setImmediate(resolve));
    expect(queue.pending).toBe(0);
  });
});
