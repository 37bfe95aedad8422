import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { ReconcilePlan } from './reconcile-plan';

/** Parent → child. */
export type SimulatorCommand = { type: 'seed'; plan: ReconcilePlan } | { type: 'stats' } | { type: 'stop' };

/** Child → parent. */
export type SimulatorReply =
  | { type: 'ready'; url: string }
  | { type: 'seeded'; transactions: number; ms: number }
  | { type: 'stats'; stats: SimulatorStats }
  | { type: 'error'; message: string };

export interface SimulatorStats {
  /** GET /v1/transactions answered (the list pages the run fetched). */
  listPages: number;
  /** GET /v1/payments/… answered (read-backs: rechecks and repairs). */
  readBacks: number;
  /** Every request the simulator answered. */
  requests: number;
  /** The simulator process's own peak RSS (kernel high-water mark), MB: kept out of the library's figure. */
  maxRssMb: number;
}

/**
 * The Toss simulator in a child process (reconcile-sim-child.ts), so the 100,000 payments it holds and the pages it
 * serialises are not counted in the library process's RSS, and its CPU is its own. Talks over the fork IPC channel.
 */
export class SimulatorProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start(): Promise<SimulatorProcess> {
    // execArgv: [] keeps the library process's node flags (a heap cap, a profiler) off the simulator.
    const child = fork(join(__dirname, 'reconcile-sim-child.js'), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv: [],
    });
    try {
      const ready = await nextReply(child, 'ready');
      return new SimulatorProcess(child, ready.url);
    } catch (error) {
      child.kill();
      throw error;
    }
  }

  /** Builds the plan's transaction list inside the simulator (its bulk seed). */
  async seed(plan: ReconcilePlan): Promise<{ transactions: number; ms: number }> {
    return this.ask({ type: 'seed', plan }, 'seeded');
  }

  async stats(): Promise<SimulatorStats> {
    return (await this.ask({ type: 'stats' }, 'stats')).stats;
  }

  /** Stops the simulator and waits for the process to exit (killed if it has not within 5 s). */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    if (this.child.connected) this.child.send({ type: 'stop' } satisfies SimulatorCommand);
    else this.child.kill();
    await exited;
    clearTimeout(timer);
  }

  private ask<T extends SimulatorReply['type']>(
    command: SimulatorCommand,
    expected: T,
  ): Promise<Extract<SimulatorReply, { type: T }>> {
    const reply = nextReply(this.child, expected);
    this.child.send(command);
    return reply;
  }
}

function nextReply<T extends SimulatorReply['type']>(
  child: ChildProcess,
  expected: T,
): Promise<Extract<SimulatorReply, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: SimulatorReply) => {
      cleanup();
      if (message.type === expected) resolve(message as Extract<SimulatorReply, { type: T }>);
      else reject(new Error(`simulator process: ${message.type === 'error' ? message.message : message.type}`));
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`simulator process exited (${code}) before answering ${expected}`));
    };
    const cleanup = () => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}
