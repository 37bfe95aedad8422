import type { SimulatorAnswer } from '../common/simulator-http';
import { TossApiError, tossError } from './toss-simulator.errors';
import { newTraceId } from './toss-simulator.format';
import type { IdempotencyTicket } from './toss-simulator.idempotency';

/** How the simulator's answers leave: Toss's JSON envelope and headers, and the idempotency settle step. */

/** `body` is serialized JSON, or '' for an empty body (DELETE billing). */
export interface Answer {
  status: number;
  body: string;
  errorCode?: string;
}

/** Toss answers JSON (no content-type on an empty body) with a trace id. */
export function wireAnswer(answer: Answer, ticket?: IdempotencyTicket): SimulatorAnswer {
  return {
    status: answer.status,
    body: answer.body,
    contentType: answer.body.length > 0 ? 'application/json' : undefined,
    headers: { 'x-tosspayments-trace-id': newTraceId() },
    settle: ticket ? () => ticket.complete({ status: answer.status, body: answer.body }, answer.errorCode) : undefined,
  };
}

export function errorAnswer(error: unknown, method: string, path: string): Answer {
  if (!(error instanceof TossApiError)) {
    // A simulator bug must show up in the test output; it is answered like a Toss internal error (500).
    console.error('TossSimulator: unexpected error while handling', method, path, error);
  }
  const apiError = error instanceof TossApiError ? error : tossError('FAILED_INTERNAL_SYSTEM_PROCESSING');
  return { status: apiError.status, body: JSON.stringify(apiError.toBody()), errorCode: apiError.code };
}
