import { GatewayUnavailableError } from '../../domain/errors';
import type { GatewayClock } from '../payment-gateway-module';
import { malformedResponseError } from '../gateway-errors';
import { isRecord } from '../gateway-fields';
import {
  isSuccessStatus,
  type GatewayCallResult,
  type GatewayTransport,
  type GatewayTransportRequest,
  type GatewayTransportResponse,
} from '../http/gateway-transport';
import { nicePayBasicAuthorization, nicePayEdiDate, nicePaySha256, parseNicePayDate } from './nicepay.crypto';
import { nicePayErrorFromResult, type NicePayErrorContext } from './nicepay.errors';
import type {
  NicePayAccessToken,
  NicePayApproveBody,
  NicePayAuthMode,
  NicePayBillingChargeBody,
  NicePayBillingExpireBody,
  NicePayBillingExpiry,
  NicePayBillingRegistBody,
  NicePayBillingRegistration,
  NicePayCancelBody,
  NicePayCashReceipt,
  NicePayCashReceiptCancelBody,
  NicePayCashReceiptIssueBody,
  NicePayNetCancelBody,
  NicePayPayment,
  NicePayResultEnvelope,
} from './nicepay.types';

/** The slice of the shared GatewayHttpClient (gateways/http) this client uses: GET and POST; `{bid}` is logged redacted. */
export type NicePayHttpRequest = GatewayTransportRequest<'GET' | 'POST'>;
export type NicePayHttpResponse<T> = GatewayTransportResponse<T>;
export type NicePayHttpTransport = GatewayTransport<NicePayHttpRequest>;
/** A `0000` answer: the typed wire object and the same body scrubbed of secrets and card data (for `raw`). */
export type NicePayResult<T> = GatewayCallResult<T>;

/**
 * Keys the HTTP layer drops from logs and `scrubbedBody`, on top of the shared list (which already covers
 * `signData`, `encData`, `bid`, `authToken`, `accessToken`, `cardNo`, `cardPw`, `idNo`, `expYear`, `expMonth`):
 * the cash-receipt identity number (`receiptNo`), the payment window's direct receipt number, and refund accounts.
 */
export const NICEPAY_SENSITIVE_KEYS: readonly string[] = [
  'receiptNo',
  'directReceiptNo',
  'refundAccount',
  'refundHolder',
];

export interface NicePayClientConfig {
  clientId: string;
  secretKey: string;
  authMode: NicePayAuthMode;
  /** Replace a cached Bearer token this long before its expireAt. */
  tokenRefreshMarginMs: number;
  /** Send ediDate + signData (an optional anti-forgery hash at NicePay). */
  signRequests: boolean;
  clock: GatewayClock;
}

/**
 * The longest one request of this client may take, from the configured timeouts. One HTTP exchange ends within
 * connectMs + readMs (the HTTP client's connect and read timeouts). With Basic auth a request is one exchange. With
 * Bearer auth it may first wait for a token (POST /v1/access-token), and a 401 answer makes it mint again and resend
 * once (see `send`): four exchanges at worst.
 */
export function nicePayRequestMaxMs(
  timeouts: { connectMs: number; readMs: number },
  authMode: NicePayAuthMode,
): number {
  const exchanges = authMode === 'bearer' ? 4 : 1;
  return exchanges * (timeouts.connectMs + timeouts.readMs);
}

/** NicePay's token lifetime (30 minutes), used when an access-token answer carries no readable expiry. */
const TOKEN_TTL_FALLBACK_MS = 30 * 60 * 1000;

type SignFormula = (ediDate: string) => string[];

interface CallSpec {
  operation: string;
  method: 'GET' | 'POST';
  path: string;
  pathParams?: Record<string, string>;
  query?: Record<string, string | number | undefined>;
  json?: Record<string, unknown>;
  /** The parts hashed (before SK) into signData, given the ediDate (each endpoint has its own formula). */
  sign?: SignFormula;
}

/**
 * Wire calls to the NicePay Start API /v1: one method per endpoint, Basic or Bearer auth, `ediDate`/`signData` on
 * every signed request (docs/gateways/nicepay.md#requests-answers-and-signatures). Success is `resultCode === '0000'`
 * only, whatever the HTTP status; everything else becomes a typed error through the code table (nicepay.errors.ts).
 * Transport failures surface as the HTTP client's GatewayUnavailableError. Response signatures are checked by the
 * gateway, which knows which formula applies.
 */
export class NicePayClient {
  private readonly basicAuthorization: string;
  private token: { value: string; refreshAtMs: number } | null = null;
  /** One in-flight token request shared by every concurrent caller (NicePay has no refresh API). */
  private tokenInFlight: Promise<string> | null = null;
  /** How many tokens this client minted (observability; tests assert one token serves many calls). */
  tokensIssued = 0;

  constructor(
    private readonly http: NicePayHttpTransport,
    private readonly config: NicePayClientConfig,
  ) {
    this.basicAuthorization = nicePayBasicAuthorization(config.clientId, config.secretKey);
  }

  /** POST /v1/payments/{tid}. signData = tid + amount + ediDate + SK. */
  approve(tid: string, body: NicePayApproveBody): Promise<NicePayResult<NicePayPayment>> {
    return this.call<NicePayPayment>(
      {
        operation: 'approve',
        method: 'POST',
        path: '/v1/payments/{tid}',
        pathParams: { tid },
        json: { ...body },
        sign: (ediDate) => [tid, String(body.amount), ediDate],
      },
      { resource: 'payment', reference: tid },
    );
  }

  /** POST /v1/payments/{tid}/cancel. signData = tid + ediDate + SK. */
  cancel(tid: string, body: NicePayCancelBody): Promise<NicePayResult<NicePayPayment>> {
    return this.call<NicePayPayment>(
      {
        operation: 'cancel',
        method: 'POST',
        path: '/v1/payments/{tid}/cancel',
        pathParams: { tid },
        json: { ...body },
        sign: (ediDate) => [tid, ediDate],
      },
      { resource: 'payment', reference: tid },
    );
  }

  /** POST /v1/payments/netcancel. signData = orderId + ediDate + SK. */
  netCancel(body: NicePayNetCancelBody): Promise<NicePayResult<NicePayPayment>> {
    return this.call<NicePayPayment>(
      {
        operation: 'netCancel',
        method: 'POST',
        path: '/v1/payments/netcancel',
        json: { ...body },
        sign: (ediDate) => [body.orderId, ediDate],
      },
      { resource: 'payment', reference: body.orderId },
    );
  }

  /** GET /v1/payments/{tid}. signData = tid + ediDate + SK. */
  getPaymentByTid(tid: string): Promise<NicePayResult<NicePayPayment>> {
    return this.call<NicePayPayment>(
      {
        operation: 'getPayment',
        method: 'GET',
        path: '/v1/payments/{tid}',
        pathParams: { tid },
        sign: (ediDate) => [tid, ediDate],
      },
      { resource: 'payment', reference: tid },
    );
  }

  /**
   * GET /v1/payments/find/{orderId}. NicePay's sources disagree on whether `orderDate` (YYYYMMDD) is required: it is
   * sent when known. They also disagree on the signData formula; orderId + ediDate + SK is the one computable without a
   * tid (docs/gateways/nicepay.md#inquiry).
   */
  getPaymentByOrderId(orderId: string, orderDate?: string): Promise<NicePayResult<NicePayPayment>> {
    return this.call<NicePayPayment>(
      {
        operation: 'getPaymentByOrderId',
        method: 'GET',
        path: '/v1/payments/find/{orderId}',
        pathParams: { orderId },
        query: { orderDate },
        sign: (ediDate) => [orderId, ediDate],
      },
      { resource: 'payment', reference: orderId },
    );
  }

  /** POST /v1/subscribe/regist. signData = orderId + ediDate + SK. */
  registerBillingKey(body: NicePayBillingRegistBody): Promise<NicePayResult<NicePayBillingRegistration>> {
    return this.call<NicePayBillingRegistration>(
      {
        operation: 'issueBillingKey',
        method: 'POST',
        path: '/v1/subscribe/regist',
        json: { ...body },
        sign: (ediDate) => [body.orderId, ediDate],
      },
      { resource: 'billing_key', reference: body.orderId },
    );
  }

  /** POST /v1/subscribe/{bid}/payments. signData = orderId + bid + ediDate + SK. */
  chargeBillingKey(bid: string, body: NicePayBillingChargeBody): Promise<NicePayResult<NicePayPayment>> {
    return this.call<NicePayPayment>(
      {
        operation: 'chargeBillingKey',
        method: 'POST',
        path: '/v1/subscribe/{bid}/payments',
        pathParams: { bid },
        json: { ...body },
        sign: (ediDate) => [body.orderId, bid, ediDate],
      },
      // The reference is the orderId: billing keys never go into error messages.
      { resource: 'billing_key', reference: `charge ${body.orderId}` },
    );
  }

  /**
   * POST /v1/subscribe/{bid}/expire. signData = orderId + bid + ediDate + SK. Returns the answer
   * whatever its resultCode: whether "already deleted" (U115) is a failure is the gateway's decision.
   */
  async expireBillingKey(
    bid: string,
    body: NicePayBillingExpireBody,
  ): Promise<{ httpStatus: number; body: NicePayBillingExpiry; scrubbed: unknown }> {
    const response = await this.send<NicePayBillingExpiry>({
      operation: 'deleteBillingKey',
      method: 'POST',
      path: '/v1/subscribe/{bid}/expire',
      pathParams: { bid },
      json: { ...body },
      sign: (ediDate) => [body.orderId, bid, ediDate],
    });
    return { httpStatus: response.status, body: response.body, scrubbed: response.scrubbedBody };
  }

  /** POST /v1/receipt. signData = orderId + amount + ediDate + SK. */
  issueCashReceipt(body: NicePayCashReceiptIssueBody): Promise<NicePayResult<NicePayCashReceipt>> {
    return this.call<NicePayCashReceipt>(
      {
        operation: 'issueCashReceipt',
        method: 'POST',
        path: '/v1/receipt',
        json: { ...body },
        sign: (ediDate) => [body.orderId, String(body.amount), ediDate],
      },
      { resource: 'cash_receipt', reference: body.orderId },
    );
  }

  /** POST /v1/receipt/{tid}/cancel. signData = tid + ediDate + SK. */
  cancelCashReceipt(tid: string, body: NicePayCashReceiptCancelBody): Promise<NicePayResult<NicePayCashReceipt>> {
    return this.call<NicePayCashReceipt>(
      {
        operation: 'cancelCashReceipt',
        method: 'POST',
        path: '/v1/receipt/{tid}/cancel',
        pathParams: { tid },
        json: { ...body },
        sign: (ediDate) => [tid, ediDate],
      },
      { resource: 'cash_receipt', reference: tid },
    );
  }

  /** GET /v1/receipt/{tid}. signData = tid + ediDate + SK. */
  getCashReceipt(tid: string, orderDate?: string): Promise<NicePayResult<NicePayCashReceipt>> {
    return this.call<NicePayCashReceipt>(
      {
        operation: 'getCashReceipt',
        method: 'GET',
        path: '/v1/receipt/{tid}',
        pathParams: { tid },
        query: { orderDate },
        sign: (ediDate) => [tid, ediDate],
      },
      { resource: 'cash_receipt', reference: tid },
    );
  }

  /** Drops the cached Bearer token (the next call mints a new one). */
  invalidateToken(): void {
    this.token = null;
  }

  private async call<T extends NicePayResultEnvelope>(
    spec: CallSpec,
    errorContext: Omit<NicePayErrorContext, 'operation'>,
  ): Promise<NicePayResult<T>> {
    const response = await this.send<T>(spec);
    return this.requireSuccess(response, { ...errorContext, operation: spec.operation });
  }

  private requireSuccess<T extends NicePayResultEnvelope>(
    response: NicePayHttpResponse<T>,
    context: NicePayErrorContext,
  ): NicePayResult<T> {
    const body = response.body;
    const resultCode = isRecord(body) ? body['resultCode'] : undefined;
    if (resultCode === '0000') return { body, scrubbed: response.scrubbedBody };
    if ((typeof resultCode !== 'string' || resultCode.length === 0) && isSuccessStatus(response.status)) {
      // A 2xx we cannot read (no body, HTML, resultCode missing, null, empty or not a string): the call may have taken
      // effect, so its outcome is unknown (read back). Classifying it by HTTP 200 alone would call it a refusal, and
      // a lost approval would become FAILED instead of UNKNOWN (docs/gateways/nicepay.md#lost-approvals).
      throw malformedResponseError('nicepay', context.operation, 'no resultCode');
    }
    throw nicePayErrorFromResult(response.status, body, context);
  }

  private async send<T>(spec: CallSpec): Promise<NicePayHttpResponse<T>> {
    const first = await this.sendOnce<T>(spec);
    // A Bearer token can be revoked or expire early (another key issued, clock skew): 401 means the request was
    // refused before anything happened, so one retry with a freshly minted token is safe even for approvals.
    if (this.config.authMode === 'bearer' && first.status === 401) {
      this.invalidateToken();
      return this.sendOnce<T>(spec);
    }
    return first;
  }

  private async sendOnce<T>(spec: CallSpec): Promise<NicePayHttpResponse<T>> {
    const authorization =
      this.config.authMode === 'bearer' ? `Bearer ${await this.accessToken()}` : this.basicAuthorization;
    let json = spec.json;
    let query = spec.query;
    if (this.config.signRequests && spec.sign) {
      const ediDate = nicePayEdiDate(this.config.clock.now());
      const signData = nicePaySha256(...spec.sign(ediDate), this.config.secretKey);
      if (spec.method === 'GET') query = { ...(query ?? {}), ediDate, signData };
      else json = { ...(json ?? {}), ediDate, signData };
    }
    return this.http.request<T>({
      operation: spec.operation,
      method: spec.method,
      path: spec.path,
      pathParams: spec.pathParams,
      query,
      // JSON with charset=utf-8 on every call; answers come in utf-8 (NicePay's returnCharSet default).
      headers: { Authorization: authorization, 'Content-Type': 'application/json;charset=utf-8' },
      json,
    });
  }

  /** A valid Bearer token: the cached one until `expireAt` minus the margin, else one shared in-flight request. */
  private accessToken(): Promise<string> {
    const now = this.config.clock.now().getTime();
    if (this.token && now < this.token.refreshAtMs) return Promise.resolve(this.token.value);
    if (!this.tokenInFlight) {
      this.tokenInFlight = this.mintToken().finally(() => {
        this.tokenInFlight = null;
      });
    }
    return this.tokenInFlight;
  }

  /** POST /v1/access-token with Basic credentials and an empty body. */
  private async mintToken(): Promise<string> {
    const response = await this.http.request<NicePayAccessToken>({
      operation: 'accessToken',
      method: 'POST',
      path: '/v1/access-token',
      headers: { Authorization: this.basicAuthorization, 'Content-Type': 'application/json;charset=utf-8' },
    });
    const { body } = this.requireSuccess(response, { operation: 'accessToken', resource: 'access_token' });
    if (typeof body.accessToken !== 'string' || body.accessToken.length === 0) {
      throw new GatewayUnavailableError('nicepay', 'accessToken: malformed response (no accessToken)', false);
    }
    const issuedAt = this.config.clock.now().getTime();
    // NicePay's field table says `expiredAt`, its examples `expireAt`: read both. Cache until then (a re-request
    // inside the lifetime returns the same token).
    const expiresAt = parseNicePayDate(body.expireAt ?? body.expiredAt)?.getTime() ?? issuedAt + TOKEN_TTL_FALLBACK_MS;
    this.token = { value: body.accessToken, refreshAtMs: expiresAt - this.config.tokenRefreshMarginMs };
    this.tokensIssued += 1;
    return body.accessToken;
  }
}
