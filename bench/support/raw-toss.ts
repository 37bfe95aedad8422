import { randomUUID } from 'node:crypto';
import { Agent, request } from 'undici';

export interface RawConfirmInput {
  paymentKey: string;
  orderId: string;
  amount: number;
}

export interface RawConfirmResult {
  statusCode: number;
  /** The Toss Payment object or `{ code, message }` error envelope the server answered. */
  body: {
    status?: string;
    orderId?: string;
    totalAmount?: number;
    paymentKey?: string;
    approvedAt?: string;
    code?: string;
  };
}

/**
 * The baseline the library is measured against: the same `POST /v1/payments/confirm` the Toss adapter sends
 * (Basic auth with the secret key as user name and an empty password; an Idempotency-Key; the JSON body
 * `{ paymentKey, orderId, amount }`), made with nothing but undici over a keep-alive pool of the same size as the
 * library's HTTP client (32 connections per origin). Everything the library adds on top of this call
 * (validation, the database round trips, mapping, scrubbing) is the overhead being measured.
 */
export class RawTossConfirmClient {
  private readonly agent: Agent;
  private readonly confirmUrl: string;
  private readonly authorization: string;

  constructor(baseUrl: string, secretKey: string, connections: number) {
    this.agent = new Agent({ connections, keepAliveTimeout: 30_000 });
    this.confirmUrl = `${baseUrl.replace(/\/+$/, '')}/v1/payments/confirm`;
    this.authorization = `Basic ${Buffer.from(`${secretKey}:`, 'utf8').toString('base64')}`;
  }

  /**
   * One confirm, body read and parsed: the work a caller must do before it can use the answer. `idempotencyKey` is
   * given by callers that have a payment row (one key per payment, derived from its id, as the library does).
   */
  async confirm(input: RawConfirmInput, idempotencyKey?: string): Promise<RawConfirmResult> {
    const response = await request(this.confirmUrl, {
      dispatcher: this.agent,
      method: 'POST',
      headers: {
        authorization: this.authorization,
        'content-type': 'application/json',
        // The library derives its key from the payment id (rule 3 of
        // docs/architecture.md#rules-that-keep-money-exact); the baseline has no row, so a fresh UUID is the
        // equivalent: one key per payment, same length class.
        'idempotency-key': idempotencyKey ?? `confirm:${randomUUID()}`,
      },
      body: JSON.stringify({ paymentKey: input.paymentKey, orderId: input.orderId, amount: input.amount }),
    });
    const body = (await response.body.json()) as RawConfirmResult['body'];
    return { statusCode: response.statusCode, body };
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
