import type { LoggerService } from '@nestjs/common';

export interface CapturedEntry {
  level: string;
  /** The message alone. */
  message: string;
  /** Everything else the caller passed (Nest passes the log context last). */
  rest: string[];
}

/**
 * Collects every line any Nest logger call produces, so tests can assert secrets never reach logs (`text()`, `lines`)
 * and what a component logged at which level (`at(level)`, `all()`).
 */
export class CapturingLogger implements LoggerService {
  readonly entries: CapturedEntry[] = [];
  /** One formatted line per call: `<level> <message> <rest...>`. */
  readonly lines: string[] = [];

  private push(level: string, message: unknown, rest: unknown[]): void {
    const entry = { level, message: stringify(message), rest: rest.map(stringify) };
    this.entries.push(entry);
    this.lines.push(`${level} ${entry.message} ${entry.rest.join(' ')}`);
  }
  log(message: unknown, ...rest: unknown[]): void {
    this.push('log', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.push('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.push('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.push('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.push('verbose', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.push('fatal', message, rest);
  }
  /** The messages logged at `level`, without their context. */
  at(level: string): string[] {
    return this.entries.filter((entry) => entry.level === level).map((entry) => entry.message);
  }
  /** `level: message` per call, one per line. */
  all(): string {
    return this.entries.map((entry) => `${entry.level}: ${entry.message}`).join('\n');
  }
  text(): string {
    return this.lines.join('\n');
  }
}

function stringify(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
