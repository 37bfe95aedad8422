/**
 * Large list answers: `jsonRows` requests (each element of a JSON array parsed when read, never the whole text) and the
 * scrubbed copy of a body made only when someone reads it. Against a real local server, as the client is used.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GatewayHttpClient, JsonRows, type GatewayHttpClientOptions } from '../../libs/payments/src/gateways/http';
import { Scrubber } from '../../libs/payments/src/gateways/http/scrub';
import { CapturingLogger } from '../support/logger';

const VISA = '4111111111111111';
const BILLING_KEY = 'Z_t5vOvQxrj4499PeiJcjen28-V2RyqgYTwN44Rdzk0=';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  jest.restoreAllMocks();
});

/** Answers every request with `status` and exactly `body`. */
async function serve(status: number, body: string | Buffer): Promise<string> {
  const server = http.createServer((_req, res) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function client(baseUrl: string, options: Partial<GatewayHttpClientOptions> = {}) {
  const logger = new CapturingLogger();
  const instance = new GatewayHttpClient({ gateway: 'toss', baseUrl, logger, ...options });
  cleanups.push(() => instance.close());
  return { client: instance, logger };
}

const list = (jsonRows = true) => ({ operation: 'listTransactions', method: 'GET' as const, path: '/v1/tx', jsonRows });

describe('JsonRows.scan', () => {
  const scan = (text: string) => JsonRows.scan(Buffer.from(text));

  it('locates each element and parses it when read, as JSON.parse of the whole text would', () => {
    const text = ' [ {"a":"x,]}[\\"","b":[1,{"c":"카드"}]} , "s\\\\" ,-1.5e3,true,null,[],{"d":"\\u0041"} ]\n';
    const rows = scan(text) as JsonRows;
    expect(rows.length).toBe(7);
    expect(rows.toArray()).toEqual(JSON.parse(text));
    expect(rows.at(0)).toEqual({ a: 'x,]}["', b: [1, { c: '카드' }] });
    expect(rows.at(-1)).toEqual({ d: 'A' });
    expect(rows.at(7)).toBeUndefined();
    // A new object on every read: nothing is cached, so a row the caller dropped is garbage.
    expect(rows.at(0)).not.toBe(rows.at(0));
    expect(JSON.stringify(rows)).toBe(JSON.stringify(JSON.parse(text)));
  });

  it('reads an empty array, and a Uint8Array that is a window on a larger buffer', () => {
    expect(scan('[]')?.length).toBe(0);
    expect(scan(' [ ] ')?.toArray()).toEqual([]);
    const whole = Buffer.from('xx[{"k":1},{"k":2}]yy');
    expect(JsonRows.scan(whole.subarray(2, whole.length - 2))?.toArray()).toEqual([{ k: 1 }, { k: 2 }]);
  });

  it('refuses anything that is not one comma-separated array with balanced brackets and quotes', () => {
    for (const text of [
      '',
      '{"a":1}',
      '"[1]"',
      '[1,2',
      '[1 2]',
      '[1,]',
      '[,1]',
      '[{"a":"unterminated}]',
      '[{"a":[1}]',
      '[1] x',
      '[1][2]',
    ]) {
      expect(scan(text)).toBeUndefined();
    }
  });

  it('an element that is located but not JSON throws when it is read', () => {
    const rows = scan('[{"a":1},{"a" 1}]') as JsonRows;
    expect(rows.at(0)).toEqual({ a: 1 });
    expect(() => rows.at(1)).toThrow(SyntaxError);
  });
});

describe('GatewayHttpClient: jsonRows', () => {
  const page = [
    { transactionKey: 'tx1', method: '카드', cardNumber: VISA, amount: 1000 },
    { transactionKey: 'tx2', billingKey: BILLING_KEY, note: `card ${VISA}`, amount: 2000 },
  ];

  it('a 2xx array comes back as JsonRows with no text; the rows are the parsed elements', async () => {
    const { client: http1 } = client(await serve(200, JSON.stringify(page)));
    const response = await http1.request(list());
    expect(response.status).toBe(200);
    expect(response.text).toBe('');
    expect(response.body).toBeInstanceOf(JsonRows);
    expect((response.body as JsonRows).toArray()).toEqual(page);
  });

  it('the scrubbed copy is the scrubbed rows: no card number or billing key', async () => {
    const { client: http1 } = client(await serve(200, JSON.stringify(page)));
    const response = await http1.request(list());
    expect(response.scrubbedBody).toEqual([
      { transactionKey: 'tx1', method: '카드', cardNumber: '[REDACTED]', amount: 1000 },
      { transactionKey: 'tx2', billingKey: '[REDACTED]', note: 'card [CARD]', amount: 2000 },
    ]);
  });

  it('logs the scrubbed rows with logBodies, never the card number or billing key', async () => {
    const { client: http1, logger } = client(await serve(200, JSON.stringify(page)), { logBodies: true });
    await http1.request(list());
    const verbose = logger.at('verbose').join('\n');
    expect(verbose).toContain('"transactionKey":"tx2"');
    expect(verbose).toContain('"cardNumber":"[REDACTED]"');
    expect(logger.all()).not.toContain(VISA);
    expect(logger.all()).not.toContain(BILLING_KEY);
  });

  it('anything but a 2xx array is read as text, as without jsonRows', async () => {
    const error = { code: 'INVALID_REQUEST', message: 'bad' };
    const { client: failing } = client(await serve(400, JSON.stringify(error)));
    const refused = await failing.request(list());
    expect(refused.body).toEqual(error);
    expect(refused.text).toBe(JSON.stringify(error));

    const { client: object } = client(await serve(200, '{"data":[]}'));
    expect((await object.request(list())).body).toEqual({ data: [] });

    const { client: html } = client(await serve(200, '<html>maintenance</html>'));
    const page2 = await html.request(list());
    expect(page2.body).toBe('<html>maintenance</html>');
    expect(page2.text).toBe('<html>maintenance</html>');
  });

  it('without jsonRows the same answer is parsed whole, as before', async () => {
    const { client: http1 } = client(await serve(200, JSON.stringify(page)));
    const response = await http1.request(list(false));
    expect(response.body).toEqual(page);
    expect(response.text).toBe(JSON.stringify(page));
  });
});

describe('GatewayHttpClient: the scrubbed copy is made on demand', () => {
  it('no copy is made for a body nobody reads or logs; the first read makes it, later reads get the same object', async () => {
    const scrub = jest.spyOn(Scrubber.prototype, 'scrub');
    const { client: http1 } = client(await serve(200, JSON.stringify({ secret: 'va-secret', status: 'DONE' })));
    const response = await http1.request({ operation: 'getPayment', method: 'GET', path: '/v1/payments/p1' });
    expect(scrub).not.toHaveBeenCalled();

    const first = response.scrubbedBody;
    expect(first).toEqual({ secret: '[REDACTED]', status: 'DONE' });
    expect(response.scrubbedBody).toBe(first);
    expect(scrub).toHaveBeenCalledTimes(1);
    // Spread and JSON see it like a plain property.
    expect({ ...response }.scrubbedBody).toBe(first);
    expect(JSON.parse(JSON.stringify(response)).scrubbedBody).toEqual(first);
  });

  it('with logBodies the copy is made for the log line, once', async () => {
    const scrub = jest.spyOn(Scrubber.prototype, 'scrub');
    const { client: http1, logger } = client(await serve(200, JSON.stringify({ secret: 'va-secret' })), {
      logBodies: true,
    });
    const response = await http1.request({ operation: 'getPayment', method: 'GET', path: '/v1/payments/p1' });
    const calls = scrub.mock.calls.length;
    expect(response.scrubbedBody).toEqual({ secret: '[REDACTED]' });
    expect(scrub.mock.calls.length).toBe(calls);
    expect(logger.all()).not.toContain('va-secret');
  });
});
