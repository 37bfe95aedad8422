import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import {
  WORKER_CONFIG_ENV,
  type WorkerAttempt,
  type WorkerCommand,
  type WorkerConfig,
  type WorkerMessage,
} from './worker-protocol';

// The repository's one loader for TypeScript in child processes (also used by the reconcile CLI tests).
const REGISTER = join(__dirname, '../../../scripts/ts-register.cjs');
const ENTRY = join(__dirname, 'billing-worker.ts');
const BOOT_TIMEOUT_MS = 30_000;

export interface WorkerReport {
  passes: number;
  attempts: WorkerAttempt[];
}

/** Every worker started and not yet reaped: `killAllWorkers` ends them in afterEach/afterAll, so none outlives a test. */
const live = new Set<BillingWorkerProcess>();

/**
 * A billing worker in its own OS process (billing-worker.ts), driven over the fork IPC channel. `kill()` is a real
 * SIGKILL: no shutdown hook, no finally block, no connection closed politely runs in the worker.
 */
export class BillingWorkerProcess {
  private readonly pending = new Map<number, { resolve: (r: WorkerReport) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private stderr = '';
  private readonly exited: Promise<string>;

  private constructor(
    private readonly child: ChildProcess,
    readonly config: WorkerConfig,
  ) {
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-8_000);
    });
    child.on('message', (message: WorkerMessage) => this.receive(message));
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        live.delete(this);
        const how = signal ? `signal ${signal}` : `code ${code}`;
        for (const { reject } of this.pending.values()) reject(new Error(`worker exited (${how}) before answering`));
        this.pending.clear();
        resolve(how);
      });
    });
  }

  /** Forks a worker and resolves once its Nest app context is up. */
  static async start(config: WorkerConfig): Promise<BillingWorkerProcess> {
    const child = fork(ENTRY, [], {
      env: { ...process.env, [WORKER_CONFIG_ENV]: JSON.stringify(config) },
      execArgv: ['-r', REGISTER, '--enable-source-maps', '--disable-warning=ExperimentalWarning'],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    const worker = new BillingWorkerProcess(child, config);
    live.add(worker);
    await worker.ready();
    return worker;
  }

  get pid(): number {
    return this.child.pid as number;
  }

  get instanceId(): string {
    return this.config.billing.instanceId;
  }

  /** Sends a command; the promise rejects if the worker dies first (which is the point of a kill test). */
  run(cmd: WorkerCommand['cmd'], now: Date): Promise<WorkerReport> {
    if (!this.child.connected) return Promise.reject(new Error(`worker ${this.instanceId} is not running`));
    const id = this.nextId++;
    const report = new Promise<WorkerReport>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.child.send({ id, cmd, now: now.toISOString() } satisfies WorkerCommand);
    return report;
  }

  /** SIGKILL, then waits until the OS has reaped it. */
  async kill(): Promise<string> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    return this.exited;
  }

  /** The tail of the worker's stderr (the library's warnings and errors), for failure messages. */
  log(): string {
    return this.stderr;
  }

  private ready(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        void this.kill();
        reject(new Error(`billing worker did not boot within ${BOOT_TIMEOUT_MS} ms:\n${this.stderr}`));
      }, BOOT_TIMEOUT_MS);
      this.child.once('message', (message: WorkerMessage) => {
        clearTimeout(timer);
        if (message.type === 'ready') resolve();
        else reject(new Error(`billing worker said ${message.type} before ready:\n${this.stderr}`));
      });
      void this.exited.then((how) => {
        clearTimeout(timer);
        reject(new Error(`billing worker exited (${how}) while booting:\n${this.stderr}`));
      });
    });
  }

  private receive(message: WorkerMessage): void {
    if (message.type === 'ready') return;
    const waiter = this.pending.get(message.id);
    if (!waiter) return;
    this.pending.delete(message.id);
    if (message.type === 'done') waiter.resolve({ passes: message.passes, attempts: message.attempts });
    else waiter.reject(new Error(`worker ${this.instanceId}: ${message.message}\n${this.stderr}`));
  }
}

/** SIGKILLs every worker still running and waits for each to be reaped. */
export async function killAllWorkers(): Promise<void> {
  await Promise.all([...live].map((worker) => worker.kill()));
}
