import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GatewayUnavailableError } from '../../../libs/payments/src/domain/errors';
import type { GatewayTransaction } from '../../../libs/payments/src/gateways/gateway-capabilities';
import type { TossGateway } from '../../../libs/payments/src/gateways/toss/toss.gateway';
import { CapturingLogger } from '../../support/logger';
import { createGateway } from './toss-adapter.fixtures';

/**
 * The transaction list as the reconciliation reads it: pages come back through the HTTP client row by row (never one
 * string, never a scrubbed copy the caller did not ask for), `raw` is the scrubbed row unless `includeRaw: false`,
 * and a page that is not what Toss documents is a malformed answer, not a half-read day.
 */
describe('TossGateway.listTransactions over HTTP', () => {
  const VISA = '4111111111111111';
  let pages: string[];
  let server: http.Server;
  let gateway: TossGateway;
  let requests: URLSearchParams[];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const query = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams;
      requests.push(query);
      res.writeHead(200, { 'content-type': 'application/json' }).end(pages[requests.length - 1] ?? '[]');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    gateway = createGateway(url, new CapturingLogger(), { now: () => new Date() });
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    requests = [];
  });

  const row = (key: string, extra: Record<string, unknown> = {}) => ({
    mId: 'tosspayments',
    transactionKey: key,
    paymentKey: `pk_${key}`,
    orderId: `주문_${key}`,
    method: '카드',
    customerKey: null,
    useEscrow: false,
    receiptUrl: `https://dashboard.tosspayments.com/receipt/redirection?transactionId=pk_${key}&ref=PX`,
    status: 'DONE',
    transactionAt: '2026-04-02T10:00:00+09:00',
    currency: 'KRW',
    amount: 1000,
    ...extra,
  });
  const day = { from: new Date('2026-04-01T15:00:00Z'), to: new Date('2026-04-02T14:59:59Z'), limit: 2 };

  async function list(includeRaw?: boolean): Promise<GatewayTransaction[]> {
    const rows: GatewayTransaction[] = [];
    for await (const transaction of gateway.listTransactions({ ...day, includeRaw })) rows.push(transaction);
    return rows;
  }

  it('walks the pages; raw is each row scrubbed of card data, or null with includeRaw: false', async () => {
    const page1 = [row('t1', { note: `"quoted", [bracketed] ${VISA}` }), row('t2', { cardNumber: VISA })];
    const page2 = [row('t3')];
    pages = [JSON.stringify(page1), `\n[ ${JSON.stringify(page2[0])} ]\n`];
    const withRaw = await list();
    expect(withRaw.map((t) => [t.transactionKey, t.orderId, t.kind, t.amount, t.status])).toEqual([
      ['t1', '주문_t1', 'APPROVAL', 1000, 'PAID'],
      ['t2', '주문_t2', 'APPROVAL', 1000, 'PAID'],
      ['t3', '주문_t3', 'APPROVAL', 1000, 'PAID'],
    ]);
    expect(withRaw[0].raw).toEqual({ ...page1[0], note: '"quoted", [bracketed] [CARD]' });
    expect(withRaw[1].raw).toEqual({ ...page1[1], cardNumber: '[REDACTED]' });
    expect(withRaw[2].raw).toEqual(page2[0]);
    expect(JSON.stringify(withRaw)).not.toContain(VISA);
    expect(requests.map((q) => q.get('startingAfter'))).toEqual([null, 't2']);

    requests = [];
    const bare = await list(false);
    expect(bare.map(({ raw, ...fields }) => ({ raw, ...fields }))).toEqual(
      withRaw.map(({ raw: _raw, ...fields }) => ({ raw: null, ...fields })),
    );
    expect(requests).toHaveLength(2);
  });

  it('a row that is not JSON fails the walk as a malformed answer after the rows before it', async () => {
    pages = [`[${JSON.stringify(row('t1'))}, {"transactionKey" "t2"}]`];
    const seen: string[] = [];
    const walk = async () => {
      for await (const transaction of gateway.listTransactions({ ...day, includeRaw: false })) {
        seen.push(transaction.transactionKey);
      }
    };
    const error = await walk().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(GatewayUnavailableError);
    expect((error as GatewayUnavailableError).message).toContain('row 1 is not JSON');
    expect(seen).toEqual(['t1']);
  });

  it('a body that is not an array (or not JSON) is a malformed answer', async () => {
    for (const body of ['{"data":[]}', '<html>busy</html>', `[${JSON.stringify(row('t1'))}`]) {
      pages = [body];
      requests = [];
      await expect(list(false)).rejects.toThrow(/listTransactions: malformed response \(expected an array\)/);
    }
  });
});
