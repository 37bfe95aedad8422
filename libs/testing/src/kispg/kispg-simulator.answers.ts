import type { TransportFault } from '../common/fault-registry';
import type { SimulatorAnswer } from '../common/simulator-http';
import type { KispgDeferredFault, KispgFault } from './kispg-simulator.faults';
import { errorPage } from './kispg-simulator.format';

/*
 * How the simulated KISPG's server API answers: every answer, refusals included, is HTTP 200 JSON with string values;
 * faults replace it with what a proxy, an outage or a garbled answer would look like
 * (docs/gateways/kispg.md#answers-that-cannot-be-taken-at-face-value).
 */

type Answer = SimulatorAnswer;

export const JSON_TYPE = 'application/json; charset=utf-8';
export const HTML_TYPE = 'text/html; charset=utf-8';

export function jsonAnswer(fields: Record<string, string>): Answer {
  return { status: 200, contentType: JSON_TYPE, body: JSON.stringify(fields) };
}

/** The real answer with some fields replaced or (null) removed; an answer that is not a JSON object goes out as is. */
export function alteredAnswer(answer: Answer, changes: Record<string, string | null>): Answer {
  let fields: unknown;
  try {
    fields = JSON.parse(answer.body);
  } catch {
    return answer;
  }
  if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) return answer;
  const altered: Record<string, unknown> = { ...(fields as Record<string, unknown>) };
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) delete altered[name];
    else altered[name] = value;
  }
  return { ...answer, body: JSON.stringify(altered) };
}

export function faultAnswer(
  fault: Exclude<KispgFault, TransportFault | KispgDeferredFault | { kind: 'altered-answer' }>,
): Answer {
  switch (fault.kind) {
    case 'error':
      return jsonAnswer({ resultCd: fault.resultCd, resultMsg: fault.resultMsg ?? '시스템 오류' });
    case 'html-error-page': {
      const status = fault.status ?? 502;
      return { status, contentType: HTML_TYPE, body: errorPage(status, 'Bad Gateway') };
    }
    case 'non-json':
      return { status: 200, contentType: 'text/plain; charset=utf-8', body: 'resultCd=9999&resultMsg=system busy' };
  }
}
