import type { LoggerService } from '@nestjs/common';

/** An app logger that keeps only the last error lines (an unhandled exception's stack lands here), for fuzz findings. */
export class RecentErrors implements LoggerService {
  readonly lines: string[] = [];

  error(message: unknown, ...rest: unknown[]): void {
    this.lines.push([message, ...rest].map((part) => (part instanceof Error ? part.stack : String(part))).join(' '));
    if (this.lines.length > 10) this.lines.shift();
  }

  log(): void {}

  warn(): void {}
}
