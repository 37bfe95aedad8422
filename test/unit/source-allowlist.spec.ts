import { SourceAllowlist } from '../../libs/payments/src/webhooks/source-allowlist';

describe('SourceAllowlist (webhook source IPs)', () => {
  const list = new SourceAllowlist([
    '121.133.126.86',
    '121.133.126.87',
    '10.1.0.0/16',
    '2001:db8::/32',
    '::ffff:1.233.179.201',
  ]);

  it('matches exact addresses, IPv4-mapped forms of them and addresses inside CIDR blocks', () => {
    expect(list.matches('121.133.126.86')).toBe(true);
    expect(list.matches('121.133.126.87')).toBe(true);
    expect(list.matches('1.233.179.201')).toBe(true);
    expect(list.matches('10.1.255.3')).toBe(true);
    expect(list.matches('2001:db8:1::5')).toBe(true);
  });

  it('refuses neighbours, other blocks, garbage and a missing address', () => {
    expect(list.matches('121.133.126.88')).toBe(false);
    expect(list.matches('10.2.0.1')).toBe(false);
    expect(list.matches('2001:db9::1')).toBe(false);
    expect(list.matches('not-an-ip')).toBe(false);
    expect(list.matches(undefined)).toBe(false);
  });

  it('names each bad entry for option validation', () => {
    expect(SourceAllowlist.problems(['1.2.3.4', '1.2.3.0/24', '::1'])).toEqual([]);
    expect(SourceAllowlist.problems(['1.2.3', '1.2.3.0/33', 'fe80::/129', '1.2.3.4/8/9'])).toEqual([
      '1.2.3: not an IP address or CIDR block',
      '1.2.3.0/33: prefix must be 0–32',
      'fe80::/129: prefix must be 0–128',
      '1.2.3.4/8/9: not an IP address or CIDR block',
    ]);
  });
});
