import type { ReconcileRequest } from 'nestjs-kr-payments';

export type ReconcileProgress = Parameters<NonNullable<ReconcileRequest['onProgress']>>[0];

/** Where progress goes: a terminal gets one redrawn bar, anything else (a log, a pipe, CI) one plain line per page. */
export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressPrinter {
  update(progress: ReconcileProgress): void;
  /** Ends the bar's line (TTY) so what follows starts on a fresh one. */
  finish(): void;
}

export function progressPrinter(output: ProgressOutput, now: () => number = Date.now): ProgressPrinter {
  const started = now();
  return output.isTTY ? new BarPrinter(output, started, now) : new LinePrinter(output, started, now);
}

class LinePrinter implements ProgressPrinter {
  constructor(
    private readonly output: ProgressOutput,
    private readonly started: number,
    private readonly now: () => number,
  ) {}

  update(progress: ReconcileProgress): void {
    this.output.write(`${describeStage(progress, this.now() - this.started)}\n`);
  }

  finish(): void {}
}

class BarPrinter implements ProgressPrinter {
  private drawn = false;

  constructor(
    private readonly output: ProgressOutput,
    private readonly started: number,
    private readonly now: () => number,
  ) {}

  update(progress: ReconcileProgress): void {
    const elapsed = this.now() - this.started;
    const text =
      progress.stage === 'PAGE'
        ? `${bar(ratio(progress), 24)} ${percent(progress)} pages ${progress.pages} · rows ${count(progress.rows)} · ETA ${eta(progress, elapsed)}`
        : describeStage(progress, elapsed);
    const width = Math.max(20, (this.output.columns ?? 80) - 1);
    // \r returns to the line's start and \x1b[K clears what a longer previous line left behind.
    this.output.write(`\r${text.slice(0, width)}\x1b[K`);
    this.drawn = true;
  }

  finish(): void {
    if (this.drawn) this.output.write('\n');
    this.drawn = false;
  }
}

function describeStage(progress: ReconcileProgress, elapsedMs: number): string {
  switch (progress.stage) {
    case 'START':
      return (
        `run ${progress.runId}` +
        (progress.resumed ? ` resumed after page ${progress.pages} (${count(progress.rows)} rows staged)` : '') +
        `: ~${progress.expected === null ? '?' : count(progress.expected)} to go`
      );
    case 'PAGE':
      return (
        `page ${progress.pages}: ${count(progress.rows)} rows staged, ` +
        `${count(progress.done)} of ~${progress.expected === null ? '?' : count(progress.expected)} ` +
        `(${percent(progress)}), ETA ${eta(progress, elapsedMs)}`
      );
    case 'RECHECK':
      return `recheck: ${count(progress.done)} payments the list did not show read back`;
    case 'MATCH':
      return `matching ${count(progress.rows)} gateway rows with the ledger`;
    case 'REPAIR':
      return 'repairing what is safe to repair';
  }
}

function ratio(progress: ReconcileProgress): number | null {
  if (progress.expected === null) return null;
  if (progress.expected === 0) return 1;
  return Math.min(1, progress.done / progress.expected);
}

function percent(progress: ReconcileProgress): string {
  const value = ratio(progress);
  return value === null ? '?%' : `${Math.floor(value * 100)}%`;
}

function bar(value: number | null, width: number): string {
  const filled = Math.round((value ?? 0) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

/**
 * Time left at this call's rate so far. A list's expected size is the ledger's count for the day, so it can be
 * passed: the ETA then says '?' rather than a negative time.
 */
export function eta(progress: ReconcileProgress, elapsedMs: number): string {
  if (progress.expected === null || progress.done === 0) return '?';
  const left = progress.expected - progress.done;
  if (left < 0) return '?';
  return duration((elapsedMs / progress.done) * left);
}

function duration(ms: number): string {
  const seconds = Math.ceil(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

function count(value: number): string {
  return value.toLocaleString('en-US');
}
