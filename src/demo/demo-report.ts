/**
 * The demo's console output: one aligned line per step. Amounts are integer KRW, formatted with thousands
 * separators only (no arithmetic happens here).
 */
export interface StepLine {
  label: string;
  /** HTTP status the shop answered, if the step was an HTTP call. */
  http?: number;
  /** Payment / cancel / billing-key / receipt status after the step. */
  status?: string;
  amount?: number;
  note?: string;
}

const LABEL_WIDTH = 52;
/** Wide enough for the longest error code the demo shows (CANCEL_AMOUNT_EXCEEDS_BALANCE). */
const STATUS_WIDTH = 29;
const AMOUNT_WIDTH = 11;

export class DemoReport {
  private steps = 0;

  constructor(private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)) {}

  get stepCount(): number {
    return this.steps;
  }

  title(text: string): void {
    this.write(text);
  }

  info(key: string, value: string): void {
    this.write(`  ${key.padEnd(12)} ${value}`);
  }

  blank(): void {
    this.write('');
  }

  section(number: number, title: string): void {
    this.write('');
    this.write(`${number}. ${title}`);
  }

  ok(step: StepLine): void {
    this.steps += 1;
    this.write(`  ✓ ${formatColumns(step)}`);
  }

  failed(label: string, error: unknown): void {
    this.write(`  ✗ ${label}`);
    this.write(`      ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Columns on a terminal: Hangul and other East Asian wide characters take two cells (Unicode East Asian Width "W"),
 * so `padEnd` by code units would misalign every Korean order name.
 */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    const wide =
      (code >= 0x1100 && code <= 0x115f) ||
      (code >= 0x2e80 && code <= 0xa4cf) ||
      (code >= 0xac00 && code <= 0xd7a3) ||
      (code >= 0xf900 && code <= 0xfaff) ||
      (code >= 0xfe30 && code <= 0xfe4f) ||
      (code >= 0xff00 && code <= 0xff60) ||
      (code >= 0xffe0 && code <= 0xffe6);
    width += wide ? 2 : 1;
  }
  return width;
}

/** `padEnd` by display width (see `displayWidth`). */
export function padDisplay(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}

export function krw(amount: number): string {
  return `${amount.toLocaleString('en-US')} KRW`;
}

function formatColumns(step: StepLine): string {
  const http = step.http !== undefined ? String(step.http) : '';
  const amount = step.amount !== undefined ? krw(step.amount) : '';
  return [
    padDisplay(step.label, LABEL_WIDTH),
    http.padEnd(4),
    (step.status ?? '').padEnd(STATUS_WIDTH),
    amount.padStart(AMOUNT_WIDTH + 4),
    step.note ? `  ${step.note}` : '',
  ]
    .join(' ')
    .trimEnd();
}
