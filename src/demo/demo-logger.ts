import type { LoggerService } from '@nestjs/common';

/**
 * The app's logger during the demo: only warnings and errors (no boot chatter), printed as one indented line under
 * the step that caused them, so an expected, handled event (e.g. a webhook that arrives before the confirm that
 * created its secret, answered 503 and redelivered) reads as part of the story. Stack traces keep three lines.
 */
export class DemoLogger implements LoggerService {
  private silenced = false;

  constructor(private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)) {}

  /** From shutdown on: a closing app's last words (e.g. TypeORM reconnecting to a stopped server) are noise. */
  silence(): void {
    this.silenced = true;
  }

  log(): void {}
  debug(): void {}
  verbose(): void {}

  warn(message: unknown, ...optionalParams: unknown[]): void {
    this.print('warn ', message, optionalParams);
  }

  error(message: unknown, ...optionalParams: unknown[]): void {
    this.print('error', message, optionalParams);
  }

  fatal(message: unknown, ...optionalParams: unknown[]): void {
    this.print('fatal', message, optionalParams);
  }

  private print(level: string, message: unknown, optionalParams: unknown[]): void {
    if (this.silenced) return;
    // Nest passes (message, context) or (message, stack, context); the context is the last string.
    const strings = optionalParams.filter((param): param is string => typeof param === 'string');
    const context = strings.length > 0 ? strings[strings.length - 1] : undefined;
    const stack = strings.find((param) => param.includes('\n    at '));
    const text =
      message instanceof Error ? message.message : typeof message === 'string' ? message : JSON.stringify(message);
    this.write(`      ! ${level} ${context ? `[${context}] ` : ''}${text}`);
    if (stack) for (const line of stack.split('\n').slice(0, 3)) this.write(`          ${line.trim()}`);
  }
}
