import { BlockList, isIP } from 'node:net';

/** An allowlist compiled once: exact addresses and CIDR blocks (`121.133.126.64/27`), IPv4 and IPv6. */
export class SourceAllowlist {
  private readonly blocks = new BlockList();

  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const [address, prefix] = entry.trim().split('/');
      const normalised = normaliseIp(address) as string;
      const family = isIP(normalised) === 6 ? 'ipv6' : 'ipv4';
      if (isIP(normalised) === 0) throw new Error(`not an IP address or CIDR block: ${entry}`);
      if (prefix === undefined) this.blocks.addAddress(normalised, family);
      else this.blocks.addSubnet(normalised, Number(prefix), family);
    }
  }

  matches(ip: string | undefined): boolean {
    if (!ip || isIP(ip) === 0) return false;
    return this.blocks.check(ip, isIP(ip) === 6 ? 'ipv6' : 'ipv4');
  }

  /** `entry` problems for option validation (empty = fine). */
  static problems(entries: readonly string[]): string[] {
    return entries.flatMap((entry) => {
      const [address, prefix, extra] = String(entry).trim().split('/');
      const family = isIP(normaliseIp(address) ?? '');
      const max = family === 6 ? 128 : 32;
      if (family === 0 || extra !== undefined) return [`${entry}: not an IP address or CIDR block`];
      if (prefix !== undefined && !(/^[0-9]{1,3}$/.test(prefix) && Number(prefix) <= max))
        return [`${entry}: prefix must be 0–${max}`];
      return [];
    });
  }
}

/**
 * One spelling per source: '::ffff:127.0.0.1' (an IPv4 peer on a dual-stack socket) is '127.0.0.1', IPv6 is lower
 * case, and a zone suffix (`fe80::1%eth0`) is dropped.
 */
export function normaliseIp(ip: string | undefined): string | undefined {
  if (!ip) return undefined;
  const address = ip.trim().toLowerCase().split('%')[0];
  if (address.length === 0) return undefined;
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}
