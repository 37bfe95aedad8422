import http from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';

/** One webhook delivery as it goes on the wire: the route's gateway, the exact bytes and who appears to send them. */
export interface WireDelivery {
  gateway: string;
  contentType: string;
  body: string;
  /** X-Forwarded-For as it reaches the app (what the sender wrote, plus what a proxy appended); none when undefined. */
  forwardedFor?: string;
}

export interface DeliveryAnswer {
  /** HTTP status, or 0 when the request failed at the transport level (the error is in `error`). */
  status: number;
  /** From sending the request to the end of the answer's body. */
  ms: number;
  error?: string;
}

/**
 * Posts webhook deliveries to the app over a keep-alive undici pool and times each one to the end of its answer.
 * `localAddress` picks the TCP source address: the app sees the peer the connection really comes from (the one fact a
 * sender cannot forge), so two clients bound to different loopback addresses are two different peers.
 */
export class WebhookClient {
  private readonly agent: Agent;

  constructor(
    private readonly appUrl: string,
    options: { connections: number; localAddress?: string },
  ) {
    this.agent = new Agent({
      connections: options.connections,
      keepAliveTimeout: 30_000,
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
    });
  }

  async post(delivery: WireDelivery): Promise<DeliveryAnswer> {
    const headers: Record<string, string> = { 'content-type': delivery.contentType };
    if (delivery.forwardedFor !== undefined) headers['x-forwarded-for'] = delivery.forwardedFor;
    const started = performance.now();
    try {
      const response = await request(`${this.appUrl}/payments/webhooks/${delivery.gateway}`, {
        dispatcher: this.agent,
        method: 'POST',
        headers,
        body: delivery.body,
      });
      await response.body.dump({ limit: 1 << 20 });
      return { status: response.statusCode, ms: performance.now() - started };
    } catch (error) {
      return {
        status: 0,
        ms: performance.now() - started,
        error: error instanceof Error ? error.message : String(error),
      };
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

/** A body a simulator delivered to the capture server, byte for byte. */
export interface CapturedDelivery {
  contentType: string;
  rawBody: string;
}

/**
 * Where the simulators send their own (genuine) webhooks while the benchmark seeds payments: answers 200 `OK` (what
 * NicePay requires; Toss only looks at the status) and keeps the exact bytes, so forgeries can start from real bodies
 * and the genuine phase can re-send a real one.
 */
export class CaptureServer {
  private constructor(
    private readonly server: http.Server,
    readonly url: string,
    readonly deliveries: CapturedDelivery[],
  ) {}

  static async start(): Promise<CaptureServer> {
    const deliveries: CapturedDelivery[] = [];
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        deliveries.push({
          contentType: String(req.headers['content-type'] ?? ''),
          rawBody: Buffer.concat(chunks).toString('utf8'),
        });
        res.writeHead(200, { 'content-type': 'text/plain' }).end('OK');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new CaptureServer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, deliveries);
  }

  /** JSON bodies received so far, parsed, with their raw bytes. */
  jsonBodies(): Array<{ body: Record<string, unknown>; rawBody: string }> {
    return this.deliveries.flatMap((delivery) => {
      try {
        const body = JSON.parse(delivery.rawBody) as unknown;
        return body && typeof body === 'object' && !Array.isArray(body)
          ? [{ body: body as Record<string, unknown>, rawBody: delivery.rawBody }]
          : [];
      } catch {
        return [];
      }
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** True when this machine lets a socket bind `address` (all of 127.0.0.0/8 is loopback on Linux; not on macOS). */
export async function canBind(address: string): Promise<boolean> {
  const probe = createServer();
  return new Promise<boolean>((resolve) => {
    probe.once('error', () => resolve(false));
    probe.listen(0, address, () => probe.close(() => resolve(true)));
  });
}
