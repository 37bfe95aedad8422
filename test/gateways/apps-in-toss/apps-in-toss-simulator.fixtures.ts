import { Agent, fetch } from 'undici';
import {
  APPS_IN_TOSS_PAY_PATH,
  APPS_IN_TOSS_TEST_USER_KEY,
  AppsInTossSimulator,
  type AppsInTossSimulatorOptions,
  type TestPki,
  createTestPki,
} from '../../../libs/testing/src/apps-in-toss';

/*
 * Shared fixtures of the simulator specs: simulators and mTLS agents that are closed after each test, one test PKI per
 * spec file, and raw calls to the partner endpoints as a client would make them.
 */

let sharedPki: Promise<TestPki> | undefined;
const simulators: AppsInTossSimulator[] = [];
const agents: Agent[] = [];

/** The test PKI simulators of this spec file share (created on first use). */
export function testPki(): Promise<TestPki> {
  sharedPki ??= createTestPki();
  return sharedPki;
}

/** Registers the hook that closes every agent and stops every simulator a test started. Call once per spec file. */
export function closeSimulatorsAfterEach(): void {
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((agent) => agent.close()));
    await Promise.all(simulators.splice(0).map((sim) => sim.stop()));
  });
}

/** Stops `sim` after the current test. */
export function track(sim: AppsInTossSimulator): AppsInTossSimulator {
  simulators.push(sim);
  return sim;
}

export async function startSim(options: AppsInTossSimulatorOptions = {}): Promise<AppsInTossSimulator> {
  return track(await AppsInTossSimulator.start({ pki: await testPki(), ...options }));
}

export function agent(connect: { ca?: string; cert?: string; key?: string }): Agent {
  const created = new Agent({ connect });
  agents.push(created);
  return created;
}

export type Endpoint = 'make-payment' | 'execute-payment' | 'refund-payment' | 'get-payment-status';

export interface CallResult {
  status: number;
  body: any;
  text: string;
  contentType: string | null;
}

export interface CallOptions {
  userKey?: string | null;
  dispatcher?: Agent;
  rawBody?: string;
  signal?: AbortSignal;
  headers?: Record<string, string>;
  method?: string;
}

/** One mTLS agent per simulator, presenting the client certificate its CA signed. */
const defaultAgents = new WeakMap<AppsInTossSimulator, Agent>();
function mtlsAgent(sim: AppsInTossSimulator): Agent {
  let existing = defaultAgents.get(sim);
  if (!existing) {
    existing = agent({ ca: sim.pki.caCert, cert: sim.pki.clientCert, key: sim.pki.clientKey });
    defaultAgents.set(sim, existing);
  }
  return existing;
}

export async function rawCall(
  sim: AppsInTossSimulator,
  path: string,
  body: unknown,
  options: CallOptions = {},
): Promise<CallResult> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  if (options.userKey !== null) headers['x-toss-user-key'] = options.userKey ?? APPS_IN_TOSS_TEST_USER_KEY;
  const response = await fetch(`${sim.url}${path}`, {
    method: options.method ?? 'POST',
    headers,
    body: options.method === 'GET' ? undefined : (options.rawBody ?? JSON.stringify(body)),
    dispatcher: options.dispatcher ?? mtlsAgent(sim),
    signal: options.signal,
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: response.status, body: parsed, text, contentType: response.headers.get('content-type') };
}

export const call = (sim: AppsInTossSimulator, endpoint: Endpoint, body: unknown, options?: CallOptions) =>
  rawCall(sim, `${APPS_IN_TOSS_PAY_PATH}/${endpoint}`, body, options);

let orderSeq = 0;
export const newOrderNo = () => `order-${process.pid}-${Date.now()}-${++orderSeq}`;

export function makeBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    orderNo: newOrderNo(),
    productDesc: '토스 티셔츠',
    amount: 10_000,
    amountTaxFree: 0,
    isTestPayment: true,
    ...overrides,
  };
}

export async function makePayment(
  sim: AppsInTossSimulator,
  overrides: Record<string, unknown> = {},
  options?: CallOptions,
) {
  const body = makeBody(overrides);
  const made = await call(sim, 'make-payment', body, options);
  expect(made.status).toBe(200);
  expect(made.body.resultType).toBe('SUCCESS');
  return { payToken: made.body.success.payToken as string, orderNo: body.orderNo as string, body };
}

export async function executedPayment(
  sim: AppsInTossSimulator,
  overrides: Record<string, unknown> = {},
  payMethod: 'CARD' | 'TOSS_MONEY' = 'CARD',
) {
  const made = await makePayment(sim, overrides);
  sim.authenticate(made.payToken, { payMethod });
  const executed = await call(sim, 'execute-payment', {
    payToken: made.payToken,
    orderNo: made.orderNo,
    isTestPayment: made.body.isTestPayment,
  });
  expect(executed.status).toBe(200);
  expect(executed.body.resultType).toBe('SUCCESS');
  return { ...made, executed: executed.body.success };
}

export async function status(sim: AppsInTossSimulator, payToken: string, isTestPayment = true) {
  const answer = await call(sim, 'get-payment-status', { payToken, isTestPayment });
  expect(answer.status).toBe(200);
  return answer.body.success;
}

export function expectFail(result: CallResult, httpStatus: number, errorCode: string): void {
  expect({
    status: result.status,
    resultType: result.body?.resultType,
    errorCode: result.body?.error?.errorCode,
  }).toEqual({
    status: httpStatus,
    resultType: 'FAIL',
    errorCode,
  });
  expect(typeof result.body.error.reason).toBe('string');
}

/**
 * Polls until the server has seen an asynchronous event (a TLS alert lands on the server after the client already
 * failed). Bounded by a number of polls; nothing asserts on elapsed time.
 */
export async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1_000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 2));
  expect(condition()).toBe(true);
}

export async function transportError(
  promise: Promise<unknown>,
): Promise<Error & { cause?: { code?: string; message?: string } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { cause?: { code?: string } };
  }
  throw new Error('expected the request to fail at the transport layer');
}

export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
export const KST_DATE_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

// ---- mTLS ---------------------------------------------------------------------------------------------------------
