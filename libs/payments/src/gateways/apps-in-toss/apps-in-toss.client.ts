import { isRecord } from '../gateway-fields';
import type { GatewayTlsOptions } from '../http/gateway-http-client';
import {
  isSuccessStatus,
  type GatewayCallResult,
  type GatewayTransportRequest,
  type GatewayTransportResponse,
} from '../http/gateway-transport';
import { appsInTossErrorFromResponse, malformedResponse } from './apps-in-toss.errors';
import {
  APPS_IN_TOSS_PAY_PATH,
  type AppsInTossEnvelope,
  type AppsInTossExecutePaymentBody,
  type AppsInTossExecuteResult,
  type AppsInTossMakePaymentBody,
  type AppsInTossMakePaymentResult,
  type AppsInTossPaymentStatus,
  type AppsInTossPaymentStatusBody,
  type AppsInTossRefundPaymentBody,
  type AppsInTossRefundResult,
} from './apps-in-toss.types';

/**
 * The slice of the shared GatewayHttpClient (gateways/http) this client uses: JSON POSTs, and `updateTls` for
 * certificate rotation. Declared structurally so the wire layer depends on the contract only.
 */
export type AppsInTossHttpRequest = Omit<GatewayTransportRequest<'POST'>, 'pathParams' | 'query'>;
export type AppsInTossHttpResponse<T> = Pick<GatewayTransportResponse<T>, 'status' | 'body' | 'scrubbedBody'>;

export interface AppsInTossHttpTransport {
  request<T>(request: AppsInTossHttpRequest): Promise<AppsInTossHttpResponse<T>>;
  updateTls(tls: GatewayTlsOptions): void;
  close?(): Promise<void>;
}

/** A successful call: the `success` object and the same object scrubbed of secrets (for `raw` columns). */
export interface AppsInTossResult<T> extends GatewayCallResult<T> {
  status: number;
}

/** `x-toss-user-key`: every pay call names the buyer; never cached across users (docs/gateways/apps-in-toss.md#buyer-identity). */
export const APPS_IN_TOSS_USER_KEY_HEADER = 'x-toss-user-key';

/**
 * Wire calls to the four TossPay partner endpoints (docs/gateways/apps-in-toss.md#flows). Every call goes through the
 * one mTLS dispatcher of the shared HTTP client: a plain `fetch` without that dispatcher would not present the
 * certificate, and Toss would refuse the handshake (docs/gateways/apps-in-toss.md#authentication). Each method takes
 * the buyer's userKey explicitly, so no key is ever reused across buyers. Non-SUCCESS envelopes become typed errors
 * (apps-in-toss.errors.ts); transport failures surface as the HTTP client's GatewayUnavailableError.
 */
export class AppsInTossClient {
  constructor(private readonly http: AppsInTossHttpTransport) {}

  /** POST …/pay/make-payment. */
  makePayment(
    userKey: string,
    body: AppsInTossMakePaymentBody,
  ): Promise<AppsInTossResult<AppsInTossMakePaymentResult>> {
    return this.call('make-payment', userKey, body, body.orderNo);
  }

  /** POST …/pay/execute-payment: money moves here. */
  async executePayment(
    userKey: string,
    body: AppsInTossExecutePaymentBody,
  ): Promise<AppsInTossResult<AppsInTossExecuteResult>> {
    const result = await this.call<AppsInTossExecuteResult>('execute-payment', userKey, body, body.orderNo);
    // The success body carries TossPay's legacy `code`/`errorCode`; a non-zero code or an errorCode is read as a
    // failure even under resultType SUCCESS (docs/gateways/apps-in-toss.md#envelope).
    const { code, errorCode } = result.body;
    const codeIsZero = code === undefined || code === null || code === 0 || code === '0';
    if (!codeIsZero || (typeof errorCode === 'string' && errorCode.length > 0)) {
      throw appsInTossErrorFromResponse(
        result.status,
        { resultType: 'FAIL', success: result.body },
        {
          operation: 'execute-payment',
          orderId: body.orderNo,
        },
      );
    }
    return result;
  }

  /** POST …/pay/refund-payment: full refunds only. */
  refundPayment(
    userKey: string,
    body: AppsInTossRefundPaymentBody,
    orderId?: string,
  ): Promise<AppsInTossResult<AppsInTossRefundResult>> {
    return this.call('refund-payment', userKey, body, orderId);
  }

  /** POST …/pay/get-payment-status: 404 when unknown. */
  getPaymentStatus(
    userKey: string,
    body: AppsInTossPaymentStatusBody,
  ): Promise<AppsInTossResult<AppsInTossPaymentStatus>> {
    return this.call('get-payment-status', userKey, body, body.orderNo);
  }

  private async call<T>(
    operation: string,
    userKey: string,
    body: object,
    orderId?: string,
  ): Promise<AppsInTossResult<T>> {
    const response = await this.http.request<AppsInTossEnvelope<T>>({
      operation,
      method: 'POST',
      path: `${APPS_IN_TOSS_PAY_PATH}/${operation}`,
      headers: { [APPS_IN_TOSS_USER_KEY_HEADER]: userKey },
      json: body,
    });
    const envelope = response.body;
    // The body is parsed whatever the HTTP status: the envelope decides (docs/gateways/apps-in-toss.md#envelope).
    if (!isRecord(envelope) || typeof envelope.resultType !== 'string') {
      if (isSuccessStatus(response.status)) throw malformedResponse(operation, 'not a resultType envelope');
      throw appsInTossErrorFromResponse(response.status, envelope, { operation, orderId });
    }
    if (envelope.resultType !== 'SUCCESS') {
      throw appsInTossErrorFromResponse(response.status, envelope, { operation, orderId });
    }
    if (!isRecord(envelope.success)) throw malformedResponse(operation, 'SUCCESS without a success object');
    const scrubbedEnvelope = response.scrubbedBody;
    const scrubbed = isRecord(scrubbedEnvelope) && isRecord(scrubbedEnvelope.success) ? scrubbedEnvelope.success : null;
    return { body: envelope.success as T, scrubbed, status: response.status };
  }
}
