import { GatewayUnavailableError } from '../../domain/errors';
import {
  isSuccessStatus,
  type GatewayCallResult,
  type GatewayTransport,
  type GatewayTransportRequest,
  type GatewayTransportResponse,
} from '../http/gateway-transport';
import { kispgMalformed } from './kispg.errors';
import type { KispgCancelBody, KispgCancelPath, KispgOrderBody, KispgPaymentBody, KispgResult } from './kispg.types';

/**
 * The slice of the shared GatewayHttpClient (gateways/http) this client uses, declared structurally so tests can
 * hand in the real client or a recorder.
 */
export interface KispgHttpRequest extends Pick<
  GatewayTransportRequest<'POST'>,
  'operation' | 'method' | 'path' | 'readTimeoutMs'
> {
  /** Every KISPG server call is a JSON POST whose body carries its own encData (docs/gateways/kispg.md#request-signing). */
  json: unknown;
}

export type KispgHttpResponse<T> = GatewayTransportResponse<T>;
export type KispgHttpTransport = GatewayTransport<KispgHttpRequest>;
/** A readable answer: the JSON object and the same object scrubbed of keys, hashes and card data (for `raw`). */
export type KispgCallResult = GatewayCallResult<KispgResult>;

/**
 * Keys the HTTP layer must drop from logs and `raw`, on top of the shared list (which already covers `merchantKey`,
 * `encData`, `hashStr`, `cardNo` unless masked): the refund account of a VACNT/BANK cancel and the cash-receipt
 * identity number requested at checkout (`crctNo`: a phone or business number).
 */
export const KISPG_SENSITIVE_KEYS: readonly string[] = ['merchantKey', 'encData', 'hashStr', 'refundAccnt', 'crctNo'];

/**
 * Wire calls to KISPG's server API: JSON bodies, JSON answers, no header auth (each body carries its own encData).
 * A 2xx JSON object comes back as is; anything else (HTTP error, HTML error page, non-JSON) is
 * `GatewayUnavailableError` with requestSent=true: the request reached KISPG, so a money-moving
 * call may have taken effect and must be read back. Transport failures surface as the HTTP client's own
 * GatewayUnavailableError (sent / not sent). Result codes are the gateway's business, not this class's.
 */
export class KispgClient {
  constructor(
    private readonly http: KispgHttpTransport,
    private readonly cancelPath: KispgCancelPath,
  ) {}

  /** POST /v2/payment: the approval. */
  payment(body: KispgPaymentBody): Promise<KispgCallResult> {
    return this.call('payment', '/v2/payment', body);
  }

  /** POST /v2/cancel or /v2/cancelTrans.do, per `cancelPath` (the sources disagree; docs/gateways/kispg.md#cancel). */
  cancel(body: KispgCancelBody): Promise<KispgCallResult> {
    return this.call('cancel', this.cancelPath, body);
  }

  /** POST /v2/order: the query. */
  order(body: KispgOrderBody): Promise<KispgCallResult> {
    return this.call('order', '/v2/order', body);
  }

  private async call(operation: string, path: string, json: unknown): Promise<KispgCallResult> {
    const response = await this.http.request<unknown>({ operation, method: 'POST', path, json });
    if (!isSuccessStatus(response.status)) {
      // KISPG answers everything, refusals included, with 200 and JSON; another status is a proxy or an outage page.
      throw new GatewayUnavailableError('kispg', `${operation}: HTTP ${response.status}`, true, {
        gatewayCode: `HTTP_${response.status}`,
      });
    }
    const body = response.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw kispgMalformed(operation, 'not a JSON object');
    }
    return { body: body as KispgResult, scrubbed: response.scrubbedBody };
  }
}
