import type { JsonRows } from '../http/json-rows';
import {
  isSuccessStatus,
  type GatewayCallResult,
  type GatewayTransport,
  type GatewayTransportRequest,
  type GatewayTransportResponse,
} from '../http/gateway-transport';
import { tossBasicAuthorization } from './toss.crypto';
import { tossErrorFromResponse, type TossErrorContext } from './toss.errors';
import type {
  TossBilling,
  TossBillingCardBody,
  TossBillingChargeBody,
  TossBillingIssueBody,
  TossCancelBody,
  TossCashReceipt,
  TossCashReceiptCancelBody,
  TossCashReceiptIssueBody,
  TossCashReceiptPage,
  TossConfirmBody,
  TossPayment,
  TossTransaction,
  TossVirtualAccountBody,
} from './toss.types';

/**
 * The slice of the shared GatewayHttpClient (gateways/http) this client uses: GET, POST and DELETE (billing keys,
 * docs/gateways/toss.md#billing-keys). `{billingKey}` path parameters are logged redacted.
 */
export type TossHttpRequest = GatewayTransportRequest<'GET' | 'POST' | 'DELETE'>;
export type TossHttpResponse<T> = GatewayTransportResponse<T>;
export type TossHttpTransport = GatewayTransport<TossHttpRequest>;
/** A successful call: the typed wire object and the same body scrubbed of secrets (for `raw` columns). */
export type TossResult<T> = GatewayCallResult<T>;

/**
 * Keys the HTTP layer must drop from logs and from `scrubbedBody`: the virtual account's webhook `secret`, billing
 * keys and one-time auth keys, card data, identity numbers (cash receipt / billing card registration), buyer bank
 * account numbers (refund accounts) and 3DS values.
 */
export const TOSS_SENSITIVE_KEYS: readonly string[] = [
  'secret',
  'billingKey',
  'authKey',
  'cardNumber',
  'cardPassword',
  'cardExpirationYear',
  'cardExpirationMonth',
  'customerIdentityNumber',
  'registrationNumber',
  'accountNumber',
  'cavv',
  'xid',
];

export interface TossClientConfig {
  secretKey: string;
  readMs: number;
  /** Billing charge and transactions can take up to 60 s (docs/gateways/toss.md#timeouts). */
  slowReadMs: number;
  acceptLanguage?: string;
}

/**
 * Wire calls to Toss core API v1: one method per endpoint, typed wire objects in and out, Basic auth
 * and Idempotency-Key headers. Non-2xx answers become typed errors through the code table (toss.errors.ts);
 * transport failures surface as the HTTP client's GatewayUnavailableError. No mapping to canonical types here.
 */
export class TossClient {
  private readonly authorization: string;

  constructor(
    private readonly http: TossHttpTransport,
    private readonly config: TossClientConfig,
  ) {
    this.authorization = tossBasicAuthorization(config.secretKey);
  }

  /** POST /v1/payments/confirm (docs/gateways/toss.md#confirm). */
  confirmPayment(body: TossConfirmBody, idempotencyKey: string): Promise<TossResult<TossPayment>> {
    return this.call<TossPayment>(
      { operation: 'confirm', method: 'POST', path: '/v1/payments/confirm', json: body, idempotencyKey },
      { resource: 'payment', reference: body.orderId },
    );
  }

  /** GET /v1/payments/{paymentKey} (docs/gateways/toss.md#reading-a-payment-back). */
  getPaymentByKey(paymentKey: string): Promise<TossResult<TossPayment>> {
    return this.call<TossPayment>(
      { operation: 'getPayment', method: 'GET', path: '/v1/payments/{paymentKey}', pathParams: { paymentKey } },
      { resource: 'payment', reference: paymentKey },
    );
  }

  /** GET /v1/payments/orders/{orderId} (note `/orders/`). */
  getPaymentByOrderId(orderId: string): Promise<TossResult<TossPayment>> {
    return this.call<TossPayment>(
      {
        operation: 'getPaymentByOrderId',
        method: 'GET',
        path: '/v1/payments/orders/{orderId}',
        pathParams: { orderId },
      },
      { resource: 'payment', reference: orderId },
    );
  }

  /** POST /v1/payments/{paymentKey}/cancel (docs/gateways/toss.md#cancel). */
  cancelPayment(paymentKey: string, body: TossCancelBody, idempotencyKey: string): Promise<TossResult<TossPayment>> {
    return this.call<TossPayment>(
      {
        operation: 'cancel',
        method: 'POST',
        path: '/v1/payments/{paymentKey}/cancel',
        pathParams: { paymentKey },
        json: body,
        idempotencyKey,
      },
      { resource: 'payment', reference: paymentKey },
    );
  }

  /** POST /v1/virtual-accounts (docs/gateways/toss.md#server-issued-virtual-accounts). */
  issueVirtualAccount(body: TossVirtualAccountBody, idempotencyKey: string): Promise<TossResult<TossPayment>> {
    return this.call<TossPayment>(
      { operation: 'issueVirtualAccount', method: 'POST', path: '/v1/virtual-accounts', json: body, idempotencyKey },
      { resource: 'payment', reference: body.orderId },
    );
  }

  /** POST /v1/billing/authorizations/issue: billing key from the billing window's one-time authKey. */
  issueBillingKeyFromAuthKey(body: TossBillingIssueBody, idempotencyKey: string): Promise<TossResult<TossBilling>> {
    return this.call<TossBilling>(
      {
        operation: 'issueBillingKey',
        method: 'POST',
        path: '/v1/billing/authorizations/issue',
        json: body,
        idempotencyKey,
      },
      { resource: 'billing_key', reference: 'authKey issue' },
    );
  }

  /** POST /v1/billing/authorizations/card: billing key from card data (older contracts only). */
  issueBillingKeyFromCard(body: TossBillingCardBody, idempotencyKey: string): Promise<TossResult<TossBilling>> {
    return this.call<TossBilling>(
      {
        operation: 'issueBillingKeyFromCard',
        method: 'POST',
        path: '/v1/billing/authorizations/card',
        json: body,
        idempotencyKey,
      },
      { resource: 'billing_key', reference: 'card issue' },
    );
  }

  /** POST /v1/billing/{billingKey}; slow endpoint, up to 60 s. */
  chargeBillingKey(
    billingKey: string,
    body: TossBillingChargeBody,
    idempotencyKey: string,
  ): Promise<TossResult<TossPayment>> {
    return this.call<TossPayment>(
      {
        operation: 'chargeBillingKey',
        method: 'POST',
        path: '/v1/billing/{billingKey}',
        pathParams: { billingKey },
        json: body,
        idempotencyKey,
        readTimeoutMs: this.config.slowReadMs,
      },
      // The reference is the orderId: billing keys never go into error messages.
      { resource: 'billing_key', reference: `charge ${body.orderId}` },
    );
  }

  /**
   * DELETE /v1/billing/{billingKey}: 200 with an empty body. Returns the status and body of any
   * answer, error or not: whether "not found" means "already gone" is the gateway's decision.
   */
  deleteBillingKey(billingKey: string): Promise<{ status: number; body: unknown }> {
    return this.send<unknown>({
      operation: 'deleteBillingKey',
      method: 'DELETE',
      path: '/v1/billing/{billingKey}',
      pathParams: { billingKey },
    });
  }

  /** POST /v1/cash-receipts (docs/gateways/toss.md#cash-receipts). */
  issueCashReceipt(body: TossCashReceiptIssueBody, idempotencyKey: string): Promise<TossResult<TossCashReceipt>> {
    return this.call<TossCashReceipt>(
      { operation: 'issueCashReceipt', method: 'POST', path: '/v1/cash-receipts', json: body, idempotencyKey },
      { resource: 'cash_receipt', reference: body.orderId },
    );
  }

  /** POST /v1/cash-receipts/{receiptKey}/cancel: creates a separate CANCEL receipt `c_<receiptKey>`. */
  cancelCashReceipt(
    receiptKey: string,
    body: TossCashReceiptCancelBody,
    idempotencyKey: string,
  ): Promise<TossResult<TossCashReceipt>> {
    return this.call<TossCashReceipt>(
      {
        operation: 'cancelCashReceipt',
        method: 'POST',
        path: '/v1/cash-receipts/{receiptKey}/cancel',
        pathParams: { receiptKey },
        json: body,
        idempotencyKey,
      },
      { resource: 'cash_receipt', reference: receiptKey },
    );
  }

  /** GET /v1/cash-receipts?requestDate=yyyy-MM-dd&cursor=&limit= */
  listCashReceipts(query: {
    requestDate: string;
    cursor?: string;
    limit?: number;
  }): Promise<TossResult<TossCashReceiptPage>> {
    return this.call<TossCashReceiptPage>(
      {
        operation: 'listCashReceipts',
        method: 'GET',
        path: '/v1/cash-receipts',
        query: { requestDate: query.requestDate, cursor: query.cursor, limit: query.limit },
      },
      { resource: 'cash_receipt', reference: query.requestDate },
    );
  }

  /** GET /v1/transactions (docs/gateways/toss.md#transaction-list): a bare JSON array; slow endpoint, up to 60 s. */
  listTransactions(query: {
    startDate: string;
    endDate: string;
    startingAfter?: string;
    limit: number;
  }): Promise<TossResult<TossTransaction[] | JsonRows>> {
    return this.call<TossTransaction[] | JsonRows>(
      {
        operation: 'listTransactions',
        method: 'GET',
        path: '/v1/transactions',
        query: {
          startDate: query.startDate,
          endDate: query.endDate,
          startingAfter: query.startingAfter,
          limit: query.limit,
        },
        readTimeoutMs: this.config.slowReadMs,
        // A full page is 5,000 rows (2 MB and more): parsed row by row as the walk reads them, never all at once.
        jsonRows: true,
      },
      { resource: 'transaction', reference: `${query.startDate}..${query.endDate}` },
    );
  }

  private async call<T>(
    request: Omit<TossHttpRequest, 'headers'> & { idempotencyKey?: string },
    errorContext: Omit<TossErrorContext, 'operation'>,
  ): Promise<TossResult<T>> {
    const response = await this.send<T>(request);
    if (!isSuccessStatus(response.status)) {
      throw tossErrorFromResponse(response.status, response.body, { ...errorContext, operation: request.operation });
    }
    // Read through, not copied here: the scrubbed copy is made only if the caller keeps or logs it.
    return {
      body: response.body,
      get scrubbed() {
        return response.scrubbedBody;
      },
    };
  }

  private send<T>(
    request: Omit<TossHttpRequest, 'headers'> & { idempotencyKey?: string },
  ): Promise<TossHttpResponse<T>> {
    const headers: Record<string, string> = { Authorization: this.authorization, Accept: 'application/json' };
    if (request.json !== undefined) headers['Content-Type'] = 'application/json';
    // Idempotency-Key is honoured on every POST and ignored on GET (docs/gateways/toss.md#idempotency); we only send
    // it where it counts.
    if (request.idempotencyKey !== undefined) headers['Idempotency-Key'] = request.idempotencyKey;
    if (this.config.acceptLanguage) headers['Accept-Language'] = this.config.acceptLanguage;

    const { idempotencyKey: _idempotencyKey, ...wireRequest } = request;
    return this.http.request<T>({
      ...wireRequest,
      headers,
      readTimeoutMs: wireRequest.readTimeoutMs ?? this.config.readMs,
    });
  }
}
