import { createTestPki, type TestPki } from '../../../libs/testing/src/apps-in-toss';
import {
  AppsInTossClient,
  type AppsInTossHttpRequest,
  type AppsInTossHttpTransport,
} from '../../../libs/payments/src/gateways/apps-in-toss/apps-in-toss.client';
import { loadAppsInTossCredentials } from '../../../libs/payments/src/gateways/apps-in-toss/apps-in-toss.crypto';
import { AppsInTossGateway } from '../../../libs/payments/src/gateways/apps-in-toss/apps-in-toss.gateway';
import type { PreparedPayment, PrepareRequest } from '../../../libs/payments/src/gateways/gateway.port';
import { scrub } from '../../../libs/payments/src/gateways/http/scrub';

/*
 * Shared fixtures of the scripted-transport specs: the adapter over a transport that answers from a script, so request
 * building and answer mapping are tested without a network.
 */

export const USER_KEY = '443731104';
export const PAY = '/api-partner/v1/apps-in-toss/pay';
export const PAY_TOKEN = 'O1NZck9XME8ureeVJVJP67';
export const ORDER_ID = 'order-20250417-1';

/** A transport that answers from a script and records what it was asked (no network: mapping only). */
export class ScriptedTransport implements AppsInTossHttpTransport {
  readonly calls: AppsInTossHttpRequest[] = [];
  private readonly answers: Array<{ status: number; body: unknown } | Error> = [];
  answer(status: number, body: unknown): this {
    this.answers.push({ status, body });
    return this;
  }
  failWith(error: Error): this {
    this.answers.push(error);
    return this;
  }
  async request<T>(request: AppsInTossHttpRequest) {
    this.calls.push(request);
    const next = this.answers.shift();
    if (!next) throw new Error(`no scripted answer for ${request.path}`);
    if (next instanceof Error) throw next;
    return { status: next.status, body: next.body as T, scrubbedBody: scrub(next.body) };
  }
  updateTls(): void {}
}

export const success = (body: Record<string, unknown>) => ({ resultType: 'SUCCESS', success: body });
export const fail = (errorCode: string, reason = '요청에 실패했습니다.') => ({
  resultType: 'FAIL',
  error: { errorCode, reason },
});

/** The documented execute-payment sample (TOSS_MONEY, TEST), verbatim shape. */
export const executeAnswer = (orderNo: string, amount: number, extra: Record<string, unknown> = {}) => ({
  code: 0,
  mode: 'TEST',
  orderNo,
  amount,
  approvalTime: '2025-04-17 12:32:10',
  stateMsg: '결제 완료',
  discountedAmount: 0,
  paidAmount: amount,
  payMethod: 'TOSS_MONEY',
  payToken: PAY_TOKEN,
  transactionId: '45a77cf4-5577-4d5c-8827-4d4dd328bf12',
  cardCompanyCode: null,
  cardNumber: null,
  accountBankCode: '092',
  accountBankName: '토스뱅크',
  accountNumber: '100******094',
  msg: null,
  errorCode: null,
  ...extra,
});

export const prepareRequest = (extra: Partial<PrepareRequest> = {}): PrepareRequest => ({
  paymentId: 'p-1',
  orderId: ORDER_ID,
  amount: 10_000,
  taxFreeAmount: 0,
  orderName: '앱인토스 티셔츠',
  customer: { customerKey: USER_KEY },
  ...extra,
});

export const prepared = (extra: Partial<PreparedPayment> = {}): PreparedPayment => ({
  paymentId: 'p-1',
  gateway: 'appsInToss',
  orderId: ORDER_ID,
  amount: 10_000,
  taxFreeAmount: 0,
  orderName: '앱인토스 티셔츠',
  gatewayPaymentKey: PAY_TOKEN,
  customer: { customerKey: USER_KEY },
  ...extra,
});

/**
 * Registers a `beforeAll` that creates a test PKI (the adapter needs a loaded credential set) and returns the factory
 * of adapters over a scripted transport, with a fixed clock.
 */
export function useScriptedGateways(): (transport: ScriptedTransport, testPayment?: boolean) => AppsInTossGateway {
  let pki: TestPki;
  beforeAll(async () => {
    pki = await createTestPki();
  });
  return (transport, testPayment = true) =>
    new AppsInTossGateway(
      {
        payBaseUrl: 'https://pay.example',
        timeouts: { connectMs: 1_000, readMs: 1_000 },
        testPayment,
        logBodies: false,
      },
      {
        client: new AppsInTossClient(transport),
        http: transport,
        credentials: loadAppsInTossCredentials({ tlsCert: pki.clientCert, tlsKey: pki.clientKey }),
        clock: { now: () => new Date('2025-04-17T03:40:00Z') },
      },
    );
}
