/**
 * GatewayHttpClient against real local servers (node:http, node:https, node:net): what the server received, what the
 * client returned, and — for every transport failure — whether `requestSent` tells the truth (FAILED vs UNKNOWN).
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { generate } from 'selfsigned';
import {
  DEFAULT_HTTP_TIMEOUTS,
  GatewayHttpClient,
  type GatewayHttpClientOptions,
  type GatewayTlsOptions,
} from '../../libs/payments/src/gateways/http';
import { GatewayUnavailableError } from '../../libs/payments/src/domain/errors';
import { CapturingLogger } from '../support/logger';

const SECRET_KEY = 'test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R';
const BASIC = `Basic ${Buffer.from(`${SECRET_KEY}:`).toString('base64')}`;
const VISA = '4111111111111111';
const BILLING_KEY = 'Z_t5vOvQxrj4499PeiJcjen28-V2RyqgYTwN44Rdzk0=';

interface ReceivedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  peerCn?: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Server helpers. Every server and socket is torn down after each test, including ones left hanging on purpose.

const cleanups: (() => Promise<void> | void)[] = [];
const clients: GatewayHttpClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function listen(server: net.Server): Promise<number> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('secureConnection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return (server.address() as AddressInfo).port;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, received: ReceivedRequest) => void;

/** An http (or https) server that records every request it fully read, then hands it to `handler`. */
async function startServer(
  handler: Handler,
  tls?: https.ServerOptions,
): Promise<{ url: string; received: ReceivedRequest[]; connections: () => number; requestArrived: Promise<void> }> {
  const received: ReceivedRequest[] = [];
  let connectionCount = 0;
  let signalArrival: () => void = () => undefined;
  const requestArrived = new Promise<void>((resolve) => (signalArrival = resolve));
  const onRequest = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const body = await readBody(req);
    const peer = tls ? (req.socket as TLSSocket).getPeerCertificate() : undefined;
    const record: ReceivedRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body,
      peerCn: peer?.subject?.CN as string | undefined,
    };
    received.push(record);
    signalArrival();
    handler(req, res, record);
  };
  const server = tls ? https.createServer(tls, onRequest) : http.createServer(onRequest);
  server.on(tls ? 'secureConnection' : 'connection', () => connectionCount++);
  const port = await listen(server);
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    received,
    connections: () => connectionCount,
    requestArrived,
  };
}

/** A raw TCP server: `onData` sees the bytes the client wrote and decides how to misbehave. */
async function startTcpServer(
  onData: (socket: net.Socket, data: Buffer) => void,
): Promise<{ port: number; bytesReceived: () => number }> {
  let bytes = 0;
  const server = net.createServer((socket) => {
    socket.on('data', (data) => {
      bytes += data.length;
      onData(socket, data);
    });
    socket.on('error', () => undefined);
  });
  const port = await listen(server);
  return { port, bytesReceived: () => bytes };
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function makeClient(options: Partial<GatewayHttpClientOptions> & { baseUrl: string }): {
  client: GatewayHttpClient;
  logger: CapturingLogger;
} {
  const logger = new CapturingLogger();
  const client = new GatewayHttpClient({ gateway: 'toss', logger, ...options });
  clients.push(client);
  return { client, logger };
}

async function expectUnavailable(promise: Promise<unknown>, requestSent: boolean): Promise<GatewayUnavailableError> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(GatewayUnavailableError);
  const error = caught as GatewayUnavailableError;
  expect(error.gateway).toBe('toss');
  expect(error.code).toBe('GATEWAY_UNAVAILABLE');
  expect(error.retryable).toBe(true);
  expect(error.requestSent).toBe(requestSent);
  return error;
}

// ---------------------------------------------------------------------------------------------------------------
// Certificates: a test CA, a server certificate for 127.0.0.1, two client certificates (rotation) and one from a
// rogue CA that the server does not trust.

interface Pki {
  ca: string;
  server: { cert: string; key: string };
  clientA: GatewayTlsOptions;
  clientB: GatewayTlsOptions;
  clientEncrypted: GatewayTlsOptions;
  rogue: GatewayTlsOptions;
}
let pki: Pki;

beforeAll(async () => {
  const caExtensions = [
    { name: 'basicConstraints' as const, cA: true, critical: true },
    { name: 'keyUsage' as const, keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
  ];
  const ca = await generate([{ name: 'commonName', value: 'KR Payments Test CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: caExtensions,
  });
  const rogueCa = await generate([{ name: 'commonName', value: 'Rogue CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: caExtensions,
  });
  const leaf = async (cn: string, issuer: { private: string; cert: string }, server: boolean, passphrase?: string) =>
    generate([{ name: 'commonName', value: cn }], {
      keyType: 'ec',
      algorithm: 'sha256',
      ca: { key: issuer.private, cert: issuer.cert },
      passphrase,
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
        server ? { name: 'extKeyUsage', serverAuth: true } : { name: 'extKeyUsage', clientAuth: true },
        ...(server ? [{ name: 'subjectAltName' as const, altNames: [{ type: 7 as const, ip: '127.0.0.1' }] }] : []),
      ],
    });
  const server = await leaf('127.0.0.1', ca, true);
  const a = await leaf('merchant-cert-a', ca, false);
  const b = await leaf('merchant-cert-b', ca, false);
  const encrypted = await leaf('merchant-cert-encrypted', ca, false, 'pem-passphrase');
  const rogue = await leaf('intruder', rogueCa, false);
  pki = {
    ca: ca.cert,
    server: { cert: server.cert, key: server.private },
    clientA: { cert: a.cert, key: a.private, ca: ca.cert },
    clientB: { cert: b.cert, key: b.private, ca: ca.cert },
    clientEncrypted: { cert: encrypted.cert, key: encrypted.private, ca: ca.cert, passphrase: 'pem-passphrase' },
    rogue: { cert: rogue.cert, key: rogue.private, ca: ca.cert },
  };
});

function mtlsServerOptions(): https.ServerOptions {
  return { cert: pki.server.cert, key: pki.server.key, ca: pki.ca, requestCert: true, rejectUnauthorized: true };
}

// ---------------------------------------------------------------------------------------------------------------

describe('GatewayHttpClient: requests and responses', () => {
  it('defaults to connect 5 s / read 30 s', () => {
    expect(DEFAULT_HTTP_TIMEOUTS).toEqual({ connectMs: 5_000, readMs: 30_000 });
  });

  it('sends a JSON POST with default and per-call headers and returns the parsed, scrubbed response', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'X-Request-Id': 'req-1' });
      res.end(
        JSON.stringify({
          status: 'DONE',
          totalAmount: 15000,
          secret: 'va-secret-123',
          card: { number: '43301234****123*' },
        }),
      );
    });
    const { client } = makeClient({ baseUrl: server.url, defaultHeaders: { Authorization: BASIC } });

    const response = await client.request<{ status: string; totalAmount: number; secret: string }>({
      operation: 'confirm',
      method: 'POST',
      path: '/v1/payments/confirm',
      headers: { 'Idempotency-Key': 'confirm:pay_1' },
      json: { paymentKey: 'tviva20240213121757MvuS8', orderId: 'order-1', amount: 15000 },
    });

    expect(server.received).toHaveLength(1);
    const [received] = server.received;
    expect(received.method).toBe('POST');
    expect(received.url).toBe('/v1/payments/confirm');
    expect(received.headers.authorization).toBe(BASIC);
    expect(received.headers['idempotency-key']).toBe('confirm:pay_1');
    expect(received.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(received.body)).toEqual({
      paymentKey: 'tviva20240213121757MvuS8',
      orderId: 'order-1',
      amount: 15000,
    });

    expect(response.status).toBe(200);
    expect(response.headers['x-request-id']).toBe('req-1');
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.body).toEqual({
      status: 'DONE',
      totalAmount: 15000,
      secret: 'va-secret-123',
      card: { number: '43301234****123*' },
    });
    expect(response.text).toContain('va-secret-123');
    expect(response.scrubbedBody).toEqual({
      status: 'DONE',
      totalAmount: 15000,
      secret: '[REDACTED]',
      card: { number: '43301234****123*' },
    });
    expect(Number.isInteger(response.durationMs)).toBe(true);
    expect(response.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('returns 4xx and 5xx responses instead of throwing (and logs 5xx at warn)', async () => {
    const server = await startServer((req, res) => {
      const status = req.url === '/v1/payments/bad' ? 400 : 503;
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({
          code: status === 400 ? 'INVALID_REQUEST' : 'FAILED_INTERNAL_SYSTEM_PROCESSING',
          message: 'x',
        }),
      );
    });
    const { client, logger } = makeClient({ baseUrl: server.url });

    const bad = await client.request({ operation: 'get', method: 'GET', path: '/v1/payments/bad' });
    const down = await client.request({ operation: 'get', method: 'GET', path: '/v1/payments/down' });

    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ code: 'INVALID_REQUEST', message: 'x' });
    expect(down.status).toBe(503);
    expect(down.body).toEqual({ code: 'FAILED_INTERNAL_SYSTEM_PROCESSING', message: 'x' });
    expect(logger.at('warn')).toEqual([expect.stringMatching(/^GET \/v1\/payments\/down -> 503 in \d+ms \(get\)$/)]);
    expect(logger.at('debug')).toEqual([expect.stringMatching(/^GET \/v1\/payments\/bad -> 400 in \d+ms \(get\)$/)]);
  });

  it('sends form bodies url-encoded', async () => {
    const server = await startServer((_req, res) => res.end('{"resultCd":"0000"}'));
    const { client } = makeClient({ baseUrl: server.url });

    const response = await client.request({
      operation: 'auth',
      method: 'POST',
      path: '/v2/auth',
      form: { mid: 'kistest00m', goodsNm: '티셔츠 & 모자', goodsAmt: '1004' },
    });

    const [received] = server.received;
    expect(received.headers['content-type']).toBe('application/x-www-form-urlencoded; charset=utf-8');
    expect(Object.fromEntries(new URLSearchParams(received.body))).toEqual({
      mid: 'kistest00m',
      goodsNm: '티셔츠 & 모자',
      goodsAmt: '1004',
    });
    expect(response.body).toEqual({ resultCd: '0000' });
  });

  it('keeps the base URL path prefix, encodes the query and skips undefined parameters', async () => {
    const server = await startServer((_req, res) => res.end('[]'));
    const { client } = makeClient({ baseUrl: `${server.url}/sim/toss/` });

    const response = await client.request({
      operation: 'transactions',
      method: 'GET',
      path: '/v1/transactions',
      query: { startDate: '2024-01-01T00:00:00', limit: 5000, startingAfter: undefined, memo: 'a b&c' },
    });

    expect(server.received[0].url).toBe(
      '/sim/toss/v1/transactions?startDate=2024-01-01T00%3A00%3A00&limit=5000&memo=a+b%26c',
    );
    expect(server.received[0].body).toBe('');
    expect(response.body).toEqual([]);
  });

  it('fills path parameters percent-encoded on the wire', async () => {
    const server = await startServer((_req, res) => res.end('{}'));
    const { client } = makeClient({ baseUrl: server.url });

    await client.request({
      operation: 'billingCharge',
      method: 'POST',
      path: '/v1/billing/{billingKey}',
      pathParams: { billingKey: BILLING_KEY },
      json: { amount: 4900 },
    });

    expect(server.received[0].url).toBe(`/v1/billing/${encodeURIComponent(BILLING_KEY)}`);
    await expect(
      client.request({ operation: 'billingCharge', method: 'POST', path: '/v1/billing/{billingKey}', pathParams: {} }),
    ).rejects.toThrow('missing path parameter(s) billingKey');
    expect(server.received).toHaveLength(1);
  });

  it.each<[string, string | undefined, unknown]>([
    ['empty body -> null', undefined, null],
    ['JSON -> parsed', '{"a":1,"list":[1,2]}', { a: 1, list: [1, 2] }],
    ['plain text -> text', 'OK', 'OK'],
    ['broken JSON -> text', '{"a":', '{"a":'],
    ['HTML error page -> text', '<html>502 Bad Gateway</html>', '<html>502 Bad Gateway</html>'],
  ])('parses bodies: %s', async (_name, payload, expected) => {
    const server = await startServer((_req, res) => res.end(payload));
    const { client } = makeClient({ baseUrl: server.url });
    const response = await client.request({ operation: 'get', method: 'GET', path: '/x' });
    expect(response.body).toEqual(expected);
    expect(response.text).toBe(payload ?? '');
  });

  it('reuses one keep-alive connection for sequential calls', async () => {
    const server = await startServer((_req, res) => res.end('{}'));
    const { client } = makeClient({ baseUrl: server.url });
    for (let i = 0; i < 3; i++) {
      expect((await client.request({ operation: 'get', method: 'GET', path: `/v1/payments/${i}` })).status).toBe(200);
      // Let undici return the socket to the pool before the next call (otherwise it may open a second one).
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(server.received.map((r) => r.url)).toEqual(['/v1/payments/0', '/v1/payments/1', '/v1/payments/2']);
    expect(server.connections()).toBe(1);
  });

  it('applies readTimeoutMs per call (slow Toss endpoints) on top of the client read timeout', async () => {
    // The server holds every response until released, so the override call provably waits longer than the
    // default-timeout call that fails — no reliance on wall-clock margins.
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const server = await startServer((_req, res) => {
      void released.then(() => res.end('{"status":"DONE"}'));
    });
    const { client } = makeClient({ baseUrl: server.url, timeouts: { readMs: 250 } });

    const slow = client.request({
      operation: 'billingCharge',
      method: 'POST',
      path: '/v1/billing/x',
      json: {},
      readTimeoutMs: 20_000,
    });
    await server.requestArrived;
    const error = await expectUnavailable(
      client.request({ operation: 'get', method: 'GET', path: '/v1/payments/p' }),
      true,
    );
    expect(error.message).toContain('UND_ERR_HEADERS_TIMEOUT');

    release();
    expect((await slow).body).toEqual({ status: 'DONE' });
    expect(server.received.map((r) => r.url)).toEqual(['/v1/billing/x', '/v1/payments/p']);
  });

  it('rejects bad options and bad requests before anything is sent', async () => {
    expect(() => new GatewayHttpClient({ gateway: 'toss', baseUrl: 'not a url' })).toThrow('baseUrl');
    expect(() => new GatewayHttpClient({ gateway: 'toss', baseUrl: 'ftp://x' })).toThrow('baseUrl');
    expect(() => new GatewayHttpClient({ gateway: 'toss', baseUrl: 'http://u:p@x' })).toThrow('baseUrl');
    expect(() => new GatewayHttpClient({ gateway: 'toss', baseUrl: 'http://x', timeouts: { readMs: 0 } })).toThrow(
      'timeouts.readMs',
    );
    expect(
      () => new GatewayHttpClient({ gateway: 'toss', baseUrl: 'https://x', tls: { cert: 'nope', key: 'nope' } }),
    ).toThrow('tls.cert');

    const server = await startServer((_req, res) => res.end('{}'));
    const { client } = makeClient({ baseUrl: server.url });
    await expect(
      client.request({ operation: 'x', method: 'POST', path: '/x', json: {}, form: { a: 'b' } }),
    ).rejects.toThrow('both json and form');
    await expect(client.request({ operation: 'x', method: 'GET', path: '/x', json: {} })).rejects.toThrow(
      'GET with a body',
    );
    expect(server.received).toHaveLength(0);
  });
});

describe('GatewayHttpClient: transport failures and requestSent', () => {
  it('connection refused -> not sent', async () => {
    const port = await closedPort();
    const { client } = makeClient({ baseUrl: `http://127.0.0.1:${port}` });
    const error = await expectUnavailable(
      client.request({ operation: 'confirm', method: 'POST', path: '/v1/payments/confirm', json: { amount: 1 } }),
      false,
    );
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.httpStatus).toBe(503);
  });

  it('DNS failure -> not sent', async () => {
    // RFC 6761: `.invalid` never resolves.
    const { client } = makeClient({ baseUrl: 'http://kr-payments-gateway.invalid' });
    const error = await expectUnavailable(
      client.request({ operation: 'confirm', method: 'POST', path: '/x', json: {} }),
      false,
    );
    expect(error.message).toMatch(/ENOTFOUND|EAI_AGAIN/);
  });

  it('connect timeout (TLS handshake never answered) -> not sent', async () => {
    const tcp = await startTcpServer(() => undefined);
    const { client } = makeClient({ baseUrl: `https://127.0.0.1:${tcp.port}`, timeouts: { connectMs: 300 } });
    const error = await expectUnavailable(
      client.request({ operation: 'confirm', method: 'POST', path: '/x', json: {} }),
      false,
    );
    expect(error.message).toContain('UND_ERR_CONNECT_TIMEOUT');
    // The server saw only a TLS ClientHello, never an HTTP request line.
    expect(tcp.bytesReceived()).toBeGreaterThan(0);
  });

  it('server certificate not trusted -> not sent, the server never sees the request', async () => {
    const server = await startServer((_req, res) => res.end('{}'), { cert: pki.server.cert, key: pki.server.key });
    const { client } = makeClient({ baseUrl: server.url });
    const error = await expectUnavailable(
      client.request({ operation: 'confirm', method: 'POST', path: '/x', json: {} }),
      false,
    );
    expect(error.message).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT/);
    expect(server.received).toHaveLength(0);
  });

  it('client certificate rejected by the server during the handshake -> not sent', async () => {
    const server = await startServer((_req, res) => res.end('{}'), mtlsServerOptions());
    const { client } = makeClient({ baseUrl: server.url, gateway: 'toss', tls: pki.rogue });
    await expectUnavailable(
      client.request({
        operation: 'execute',
        method: 'POST',
        path: '/api-partner/v1/apps-in-toss/pay/execute-payment',
        json: {},
      }),
      false,
    );
    expect(server.received).toHaveLength(0);
  });

  it('dispatcher closed -> not sent', async () => {
    const server = await startServer((_req, res) => res.end('{}'));
    const { client } = makeClient({ baseUrl: server.url });
    await client.close();
    const error = await expectUnavailable(
      client.request({ operation: 'confirm', method: 'POST', path: '/x', json: {} }),
      false,
    );
    expect(error.message).toContain('client closed');
    expect(server.received).toHaveLength(0);
  });

  it('aborted before it was sent -> not sent', async () => {
    const server = await startServer((_req, res) => res.end('{}'));
    const { client } = makeClient({ baseUrl: server.url });
    const controller = new AbortController();
    controller.abort();
    await expectUnavailable(
      client.request({ operation: 'confirm', method: 'POST', path: '/x', json: {}, signal: controller.signal }),
      false,
    );
    expect(server.received).toHaveLength(0);
  });

  it('no response headers before the read timeout -> outcome unknown (the server did get the request)', async () => {
    const server = await startServer(() => undefined);
    const { client } = makeClient({ baseUrl: server.url, timeouts: { readMs: 300 } });
    const error = await expectUnavailable(
      client.request({ operation: 'confirm', method: 'POST', path: '/v1/payments/confirm', json: { amount: 15000 } }),
      true,
    );
    expect(error.message).toContain('UND_ERR_HEADERS_TIMEOUT');
    expect(server.received.map((r) => [r.url, JSON.parse(r.body)])).toEqual([
      ['/v1/payments/confirm', { amount: 15000 }],
    ]);
  });

  it('body stalls after the headers -> outcome unknown', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '100' });
      res.write('{"status":"DO');
    });
    const { client } = makeClient({ baseUrl: server.url, timeouts: { readMs: 300 } });
    const error = await expectUnavailable(
      client.request({ operation: 'confirm', method: 'POST', path: '/x', json: {} }),
      true,
    );
    expect(error.message).toContain('UND_ERR_BODY_TIMEOUT');
    expect(server.received).toHaveLength(1);
  });

  it('connection reset after the server read the request -> outcome unknown', async () => {
    const tcp = await startTcpServer((socket, data) => {
      if (data.includes('\r\n\r\n')) socket.resetAndDestroy();
    });
    const { client } = makeClient({ baseUrl: `http://127.0.0.1:${tcp.port}` });
    const error = await expectUnavailable(
      client.request({
        operation: 'cancel',
        method: 'POST',
        path: '/v1/payments/p/cancel',
        json: { cancelReason: 'x' },
      }),
      true,
    );
    expect(error.message).toMatch(/ECONNRESET|UND_ERR_SOCKET/);
    expect(tcp.bytesReceived()).toBeGreaterThan(0);
  });

  it('server closes the connection after reading the request -> outcome unknown', async () => {
    const tcp = await startTcpServer((socket, data) => {
      if (data.includes('\r\n\r\n')) socket.end();
    });
    const { client } = makeClient({ baseUrl: `http://127.0.0.1:${tcp.port}` });
    const error = await expectUnavailable(
      client.request({ operation: 'confirm', method: 'POST', path: '/x', json: {} }),
      true,
    );
    expect(error.message).toContain('UND_ERR_SOCKET');
  });

  it('unparsable response -> outcome unknown', async () => {
    const tcp = await startTcpServer((socket, data) => {
      if (data.includes('\r\n\r\n')) socket.end('SURELY NOT HTTP\r\n\r\n');
    });
    const { client } = makeClient({ baseUrl: `http://127.0.0.1:${tcp.port}` });
    const error = await expectUnavailable(
      client.request({ operation: 'confirm', method: 'POST', path: '/x', json: {} }),
      true,
    );
    expect(error.message).toContain('unparsable response');
  });

  it('aborted mid-flight -> outcome unknown', async () => {
    const server = await startServer(() => undefined);
    const { client } = makeClient({ baseUrl: server.url });
    const controller = new AbortController();
    const pending = client.request({
      operation: 'confirm',
      method: 'POST',
      path: '/x',
      json: {},
      signal: controller.signal,
    });
    await server.requestArrived;
    controller.abort();
    await expectUnavailable(pending, true);
    expect(server.received).toHaveLength(1);
  });
});

describe('GatewayHttpClient: mTLS', () => {
  it('presents the client certificate (and accepts a passphrase-protected key)', async () => {
    const server = await startServer((_req, res) => res.end('{"resultType":"SUCCESS"}'), mtlsServerOptions());
    const { client } = makeClient({ baseUrl: server.url, gateway: 'toss', tls: pki.clientA });
    const { client: encryptedKeyClient } = makeClient({
      baseUrl: server.url,
      gateway: 'toss',
      tls: pki.clientEncrypted,
    });

    const response = await client.request({ operation: 'status', method: 'POST', path: '/status', json: {} });
    await encryptedKeyClient.request({ operation: 'status', method: 'POST', path: '/status', json: {} });

    expect(response.body).toEqual({ resultType: 'SUCCESS' });
    expect(server.received.map((r) => r.peerCn)).toEqual(['merchant-cert-a', 'merchant-cert-encrypted']);
  });

  it('accepts PEMs whose newlines arrived as literal \\n (env vars)', async () => {
    const server = await startServer((_req, res) => res.end('{}'), mtlsServerOptions());
    const escape = (pem: string) => pem.replace(/\n/g, '\\n');
    const { client } = makeClient({
      baseUrl: server.url,
      tls: { cert: escape(pki.clientA.cert), key: escape(pki.clientA.key), ca: escape(pki.ca) },
    });
    await client.request({ operation: 'status', method: 'POST', path: '/status', json: {} });
    expect(server.received.map((r) => r.peerCn)).toEqual(['merchant-cert-a']);
  });

  it('rotates the certificate: new calls use the new one, an in-flight call on the old one completes, then the old connection closes', async () => {
    let releaseFirst: () => void = () => undefined;
    const firstReleased = new Promise<void>((resolve) => (releaseFirst = resolve));
    const serverSockets: TLSSocket[] = [];
    const server = await startServer((req, res) => {
      serverSockets.push(req.socket as TLSSocket);
      if (req.url === '/slow') void firstReleased.then(() => res.end('{"call":"slow"}'));
      else res.end('{"call":"fast"}');
    }, mtlsServerOptions());
    const { client } = makeClient({ baseUrl: server.url, tls: pki.clientA });

    const inFlight = client.request({ operation: 'execute', method: 'POST', path: '/slow', json: {} });
    await server.requestArrived;
    const oldSocketClosed = new Promise<void>((resolve) => serverSockets[0].once('close', () => resolve()));

    client.updateTls(pki.clientB);
    const afterRotation = await client.request({ operation: 'status', method: 'POST', path: '/fast', json: {} });
    expect(afterRotation.body).toEqual({ call: 'fast' });

    releaseFirst();
    expect((await inFlight).body).toEqual({ call: 'slow' });
    await oldSocketClosed;

    expect(server.received.map((r) => [r.url, r.peerCn])).toEqual([
      ['/slow', 'merchant-cert-a'],
      ['/fast', 'merchant-cert-b'],
    ]);
    expect(serverSockets[0]).not.toBe(serverSockets[1]);
    expect(() => client.updateTls({ cert: 'x', key: 'y' })).toThrow('tls.cert');
  });
});

describe('GatewayHttpClient: logging never leaks secrets', () => {
  it('does not serialise bodies at all unless logBodies is set', async () => {
    const server = await startServer((_req, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ ok: true }));
    });
    const { client, logger } = makeClient({ baseUrl: server.url });
    await client.request({
      operation: 'confirm',
      method: 'POST',
      path: '/v1/payments/confirm',
      json: { amount: 1000 },
    });
    expect(logger.at('verbose')).toEqual([]);
    expect(logger.at('debug')).toHaveLength(1);
  });

  it('logs one debug line per call and (with logBodies) scrubbed bodies at verbose; no secret, card number or billing key anywhere', async () => {
    const server = await startServer((_req, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ billingKey: BILLING_KEY, card: { number: '43301234****123*' }, note: `card ${VISA}` }));
    });
    const { client, logger } = makeClient({
      baseUrl: server.url,
      defaultHeaders: { Authorization: BASIC },
      logBodies: true,
    });

    const response = await client.request({
      operation: 'billingCharge',
      method: 'POST',
      path: '/v1/billing/{billingKey}',
      pathParams: { billingKey: BILLING_KEY },
      json: { customerKey: 'cus_1', amount: 4900, cardNumber: VISA, orderName: `구독 ${VISA}` },
    });

    expect(server.received[0].headers.authorization).toBe(BASIC);
    expect(JSON.parse(server.received[0].body).cardNumber).toBe(VISA);
    expect(response.scrubbedBody).toEqual({
      billingKey: '[REDACTED]',
      card: { number: '43301234****123*' },
      note: 'card [CARD]',
    });

    expect(logger.at('debug')).toEqual([
      expect.stringMatching(/^POST \/v1\/billing\/\[REDACTED\] -> 200 in \d+ms \(billingCharge\)$/),
    ]);
    const verbose = logger.at('verbose').join('\n');
    expect(verbose).toContain('"cardNumber":"[REDACTED]"');
    expect(verbose).toContain('"authorization":"[REDACTED]"');
    expect(verbose).toContain('"billingKey":"[REDACTED]"');
    expect(verbose).toContain('43301234****123*');

    const everything = logger.all();
    for (const secret of [
      SECRET_KEY,
      BASIC.slice('Basic '.length),
      VISA,
      BILLING_KEY,
      encodeURIComponent(BILLING_KEY),
    ]) {
      expect(everything).not.toContain(secret);
    }
  });

  it('applies gateway-specific sensitive keys to bodies, queries and logs', async () => {
    const server = await startServer((_req, res) =>
      res.end(JSON.stringify({ tid: 't1', mbsReserved: 'merchant-data' })),
    );
    const { client, logger } = makeClient({ baseUrl: server.url, sensitiveKeys: ['mbsReserved'] });
    const response = await client.request({
      operation: 'order',
      method: 'GET',
      path: '/v2/order',
      query: { mbsReserved: 'merchant-data', tid: 't1' },
    });
    expect(server.received[0].url).toBe('/v2/order?mbsReserved=merchant-data&tid=t1');
    expect(response.scrubbedBody).toEqual({ tid: 't1', mbsReserved: '[REDACTED]' });
    expect(logger.all()).not.toContain('merchant-data');
  });

  it('logs transport failures at warn and scrubs the thrown reason', async () => {
    const port = await closedPort();
    const { client, logger } = makeClient({
      baseUrl: `http://127.0.0.1:${port}`,
      defaultHeaders: { Authorization: BASIC },
    });

    const error = await expectUnavailable(
      client.request({
        operation: 'find',
        method: 'GET',
        path: '/v1/payments/find/order-1',
        query: { signData: 'c0ffee1234', cardNo: VISA, orderDate: '20240101' },
      }),
      false,
    );

    expect(error.message).toContain(
      'find GET /v1/payments/find/order-1?signData=[REDACTED]&cardNo=[REDACTED]&orderDate=20240101',
    );
    expect(logger.at('warn')).toEqual([expect.stringContaining('failed after')]);
    expect(logger.at('warn')[0]).toContain('not sent');
    for (const text of [error.message, JSON.stringify(error), logger.all()]) {
      expect(text).not.toContain('c0ffee1234');
      expect(text).not.toContain(VISA);
      expect(text).not.toContain(BASIC.slice('Basic '.length));
    }
  });
});
