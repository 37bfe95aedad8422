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

const LABEL_WIDTH = 48;
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

export function krw(amount: number): string {
  return `${amount.toLocaleString('en-US')} KRW`;
}

function formatColumns(step: StepLine): string {
  const http = step.http !== undefined ? String(step.http) : '';
  const amount = step.amount !== undefined ? krw(step.amount) : '';
  return [
    step.label.padEnd(LABEL_WIDTH),
    http.padEnd(4),
    (step.status ?? '').padEnd(STATUS_WIDTH),
    amount.padStart(AMOUNT_WIDTH + 4),
    step.note ? `  ${step.note}` : '',
  ]
    .join(' ')
    .trimEnd();
}
