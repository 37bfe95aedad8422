import type http from 'node:http';
import type { Clock } from '../clock';
import type { FaultMatch, FaultRegistry } from './fault-registry';
import { type Exchange, type RecordedRequest, SimulatorHttp } from './simulator-http';

/**
 * The public surface the plain-HTTP simulators (Toss, NicePay, KISPG) share: the request log, fault arming and
 * request lookup. Subclasses supply their gateway's rules in `handle`.
 */
export abstract class HttpGatewaySimulator<F extends { kind: string }> {
  readonly clock: Clock;
  readonly requests: RecordedRequest[];
  protected readonly http: SimulatorHttp<RecordedRequest>;

  protected constructor(
    options: { server: http.Server; clock: Clock; latencyMs: number; parseForms?: boolean },
    protected readonly faults: FaultRegistry<F>,
  ) {
    this.clock = options.clock;
    this.http = new SimulatorHttp<RecordedRequest>({
      ...options,
      record: ({ method, path, query, headers, body, rawBody }, _req, at) => ({
        method,
        path,
        query,
        headers,
        body,
        rawBody,
        at,
        status: 0,
      }),
      handle: (exchange) => this.handle(exchange),
    });
    this.requests = this.http.requests;
  }

  /** The next `times` requests matching (method, path prefix or RegExp) get the fault. */
  failNext(match: FaultMatch, fault: F, times = 1): void {
    this.faults.add(match, fault, times);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Requests whose method matches and whose path starts with `path` (or matches the RegExp), in order. */
  requestsTo(method: string, path: string | RegExp): RecordedRequest[] {
    return this.http.requestsTo(method, path);
  }

  /** Applies the gateway's rules (and its faults, through `http.serve`) to one received request. */
  protected abstract handle(exchange: Exchange<RecordedRequest>): void;
}
