import { isIP } from 'node:net';
import { normaliseIp, SourceAllowlist } from './source-allowlist';

/** What the resolver reads from a request: its headers and the TCP connection it arrived on. */
export interface SourceAddressRequest {
  headers: Record<string, string | string[] | undefined>;
  socket?: { remoteAddress?: string };
}

/** Entries of X-Forwarded-For we look at, from the right: a longer chain is not one our proxies built. */
const MAX_FORWARDED_HOPS = 32;

/**
 * The address a webhook delivery came from, decided without Express's `trust proxy` (whose `true`, hop-count and
 * `'loopback'` settings let a client that reaches the app directly, or through a proxy that appends, choose the
 * address by sending its own X-Forwarded-For).
 *
 * The TCP peer is the only fact the client cannot forge. Only when that peer is one of `webhooks.trustedProxies` is
 * X-Forwarded-For read, and then from the right: each trusted proxy appends the address it received the request from,
 * so the right-most address that is not itself a trusted proxy is the first hop nobody we trust vouches for — the
 * source. Anything left of it was written by that source and is ignored. An entry that is not an IP address ends the
 * walk with no address at all, so an allowlist refuses the delivery rather than guess.
 */
export class SourceAddressResolver {
  private readonly proxies: SourceAllowlist;
  private readonly anyProxy: boolean;

  constructor(trustedProxies: readonly string[]) {
    this.proxies = new SourceAllowlist(trustedProxies);
    this.anyProxy = trustedProxies.length > 0;
  }

  resolve(request: SourceAddressRequest): string | undefined {
    const peer = normaliseIp(request.socket?.remoteAddress);
    if (!this.anyProxy || !this.proxies.matches(peer)) return peer;
    const forwarded = forwardedChain(request.headers['x-forwarded-for']);
    let source = peer;
    for (let index = forwarded.length - 1; index >= 0; index -= 1) {
      if (!this.proxies.matches(source)) return source;
      source = forwarded[index];
      if (source === undefined) return undefined;
    }
    // The whole chain is trusted proxies: the left-most is where the request entered our network.
    return source;
  }
}

/** X-Forwarded-For as a list of addresses, left to right (repeated headers in arrival order); bad entries undefined. */
function forwardedChain(header: string | string[] | undefined): Array<string | undefined> {
  if (header === undefined) return [];
  const joined = Array.isArray(header) ? header.join(',') : header;
  const entries = joined.split(',').slice(-MAX_FORWARDED_HOPS);
  return entries.map((entry) => forwardedAddress(entry.trim()));
}

/** One X-Forwarded-For entry as a bare address: some proxies add a port (`1.2.3.4:5678`, `[2001:db8::1]:443`). */
function forwardedAddress(entry: string): string | undefined {
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(entry);
  const ipv4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(entry);
  const address = normaliseIp(bracketed?.[1] ?? ipv4WithPort?.[1] ?? entry);
  return address !== undefined && isIP(address) !== 0 ? address : undefined;
}
