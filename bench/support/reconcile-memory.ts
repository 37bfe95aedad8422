import { getHeapStatistics } from 'node:v8';

/**
 * RSS of this process (the library's: the simulator runs in its own process, PostgreSQL in its own), sampled on a
 * timer during the measured run. A sample is taken only when the event loop is free, so the sampled peak can miss a
 * spike inside one synchronous stretch; the kernel's high-water mark (`maxRSS`, the whole process lifetime: boot,
 * seeding and the run) is the upper bound, and the figure the target is held against. Each sample costs a /proc read
 * (≈ 50 µs), hence 20 ms between samples rather than less.
 */
export class RssSampler {
  private readonly samples: Array<{ at: number; rss: number }> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly now: () => number) {}

  start(intervalMs = 20): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
  }

  /** Highest sample in [from, to] (the clock of `now`), MB; 0 when no sample fell in it. */
  peakMb(from = -Infinity, to = Infinity): number {
    let peak = 0;
    for (const { at, rss } of this.samples) if (at >= from && at <= to) peak = Math.max(peak, rss);
    return toMb(peak);
  }

  private sample(): void {
    this.samples.push({ at: this.now(), rss: process.memoryUsage.rss() });
  }
}

/** The kernel's peak RSS of this process since it started, MB (getrusage ru_maxrss). */
export function processMaxRssMb(): number {
  return Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
}

export function rssNowMb(): number {
  return toMb(process.memoryUsage.rss());
}

/** V8's heap limit: the default, or what `--max-old-space-size` set. Peak RSS depends on it (see bench/README.md). */
export function heapLimitMb(): number {
  return Math.round(getHeapStatistics().heap_size_limit / (1024 * 1024));
}

function toMb(bytes: number): number {
  return Math.round((bytes / (1024 * 1024)) * 10) / 10;
}
