import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'pg';
import { Agent, request } from 'undici';
import type { PoolSettings } from './confirm-variants';

const INBOX_INSERT = {
  name: 'bench_ingest_inbox',
  text: `INSERT INTO webhook_events (id, gateway, dedupe_key, event_type, status, verification, attempts, order_id,
                                   source_ip, payload, received_at)
         VALUES ($1, 'toss', $2, 'PAYMENT_STATUS_CHANGED', 'RECEIVED', 'read-back', 1, $3, $4, $5, now())
         ON CONFLICT (gateway, dedupe_key) DO NOTHING RETURNING id`,
};
const SETTLE = {
  name: 'bench_ingest_settle',
  text: `WITH p AS (UPDATE payments SET status = 'PAID', approved_at = $3, updated_at = now(), version = version + 1
                  WHERE gateway = 'toss' AND gateway_payment_key = $2 AND status = 'WAITING_FOR_DEPOSIT'
                    AND amount = $4 RETURNING id)
         UPDATE webhook_events SET status = 'PROCESSED', payment_id = (SELECT id FROM p), processed_at = now()
          WHERE id = $1`,
};

/**
 * The floor under the library's webhook endpoint for a Toss PAYMENT_STATUS_CHANGED: a bare node:http server that
 * checks the sender (the right-most X-Forwarded-For entry, written by the trusted proxy, against the allowlist),
 * records the delivery in the inbox (deduplicated on the body's payment key and status), reads the payment back at
 * the gateway (the body is unauthenticated) and applies that answer with one guarded UPDATE that also marks the inbox
 * row processed. Three round trips to PostgreSQL-or-Toss, named prepared statements, its own pg pool configured like
 * the library's.
 */
export class MinimalWebhookServer {
  readonly pool: Pool;
  private readonly agent: Agent;
  private readonly authorization: string;

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
    connectionString: string,
    settings: PoolSettings,
    private readonly tossUrl: string,
    secretKey: string,
    private readonly allowed: ReadonlySet<string>,
  ) {
    this.pool = new Pool({ connectionString, max: settings.max, idleTimeoutMillis: settings.idleTimeoutMillis });
    this.agent = new Agent({ connections: settings.max, keepAliveTimeout: 30_000 });
    this.authorization = `Basic ${Buffer.from(`${secretKey}:`, 'utf8').toString('base64')}`;
    server.on('request', (req, res) => {
      this.handle(req).then(
        (status) => res.writeHead(status).end(),
        () => res.writeHead(500).end(),
      );
    });
  }

  static async start(options: {
    connectionString: string;
    pool: PoolSettings;
    tossUrl: string;
    secretKey: string;
    allowedSources: readonly string[];
  }): Promise<MinimalWebhookServer> {
    const server = http.createServer({ keepAliveTimeout: 30_000 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new MinimalWebhookServer(
      server,
      `http://127.0.0.1:${port}`,
      options.connectionString,
      options.pool,
      options.tossUrl,
      options.secretKey,
      new Set(options.allowedSources),
    );
  }

  private async handle(req: http.IncomingMessage): Promise<number> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const forwarded = String(req.headers['x-forwarded-for'] ?? '').split(',');
    const source = forwarded[forwarded.length - 1].trim();
    if (!this.allowed.has(source)) return 403;
    const raw = Buffer.concat(chunks).toString('utf8');
    const body = JSON.parse(raw) as { eventType?: string; data?: { paymentKey?: string; status?: string } };
    const paymentKey = body.data?.paymentKey;
    if (body.eventType !== 'PAYMENT_STATUS_CHANGED' || !paymentKey) return 400;
    const inserted = await this.pool.query<{ id: string }>({
      ...INBOX_INSERT,
      values: [randomUUID(), `toss:${paymentKey}:${body.data?.status}`, null, source, raw],
    });
    if (inserted.rowCount !== 1) return 200; // a duplicate: already recorded
    const response = await request(`${this.tossUrl}/v1/payments/${encodeURIComponent(paymentKey)}`, {
      dispatcher: this.agent,
      headers: { authorization: this.authorization },
    });
    const truth = (await response.body.json()) as { status?: string; totalAmount?: number; approvedAt?: string };
    if (response.statusCode !== 200) return 502;
    if (truth.status === 'DONE') {
      await this.pool.query({
        ...SETTLE,
        values: [inserted.rows[0].id, paymentKey, new Date(String(truth.approvedAt)), truth.totalAmount],
      });
    }
    return 200;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.agent.close();
    await this.pool.end();
  }
}
