import { SourceAddressResolver } from '../../libs/payments/src/webhooks/source-address';

/**
 * Which address a webhook came from (libs/payments/src/webhooks/source-address.ts): the TCP peer, unless the peer is
 * one of our trusted proxies; then X-Forwarded-For read from the right, skipping trusted proxies.
 */
describe('SourceAddressResolver', () => {
  const TOSS = '13.124.18.147';
  const ATTACKER = '203.0.113.9';
  const request = (peer: string | undefined, forwardedFor?: string | string[]) => ({
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
    socket: { remoteAddress: peer },
  });

  it('without trusted proxies, is the TCP peer whatever X-Forwarded-For says', () => {
    const resolver = new SourceAddressResolver([]);
    expect(resolver.resolve(request('127.0.0.1', TOSS))).toBe('127.0.0.1');
    expect(resolver.resolve(request('::ffff:10.1.2.3', TOSS))).toBe('10.1.2.3');
    expect(resolver.resolve(request(undefined, TOSS))).toBeUndefined();
  });

  it('reads X-Forwarded-For only when the peer is a trusted proxy', () => {
    const resolver = new SourceAddressResolver(['10.0.0.0/8']);
    expect(resolver.resolve(request('10.0.0.5', TOSS))).toBe(TOSS);
    expect(resolver.resolve(request('192.0.2.1', TOSS))).toBe('192.0.2.1');
    // A trusted proxy that forwarded no header: the proxy itself.
    expect(resolver.resolve(request('10.0.0.5'))).toBe('10.0.0.5');
  });

  it('takes the right-most address that is not a trusted proxy: what a client prepends is ignored', () => {
    const resolver = new SourceAddressResolver(['10.0.0.0/8', '127.0.0.1']);
    // The attacker appends after the allowed address (a proxy that does not rewrite the header).
    expect(resolver.resolve(request('127.0.0.1', `${TOSS}, ${ATTACKER}`))).toBe(ATTACKER);
    // The attacker's own header, then our proxy appended the real peer.
    expect(resolver.resolve(request('127.0.0.1', `${ATTACKER}, ${TOSS}`))).toBe(TOSS);
    // Two proxies of ours in a row.
    expect(resolver.resolve(request('10.0.0.5', `${ATTACKER}, ${TOSS}, 10.0.0.9`))).toBe(TOSS);
    // Repeated headers count in arrival order.
    expect(resolver.resolve(request('10.0.0.5', [ATTACKER, `${TOSS}, 10.0.0.9`]))).toBe(TOSS);
    // A chain of trusted proxies only: the left-most, where the request entered.
    expect(resolver.resolve(request('10.0.0.5', '10.0.0.7, 10.0.0.9'))).toBe('10.0.0.7');
  });

  it('accepts ports and brackets on forwarded entries, and gives no address for a malformed one', () => {
    const resolver = new SourceAddressResolver(['127.0.0.1']);
    expect(resolver.resolve(request('127.0.0.1', `${TOSS}:51234`))).toBe(TOSS);
    expect(resolver.resolve(request('127.0.0.1', '[2001:DB8::1]:443'))).toBe('2001:db8::1');
    expect(resolver.resolve(request('127.0.0.1', '::ffff:13.124.18.147'))).toBe(TOSS);
    expect(resolver.resolve(request('127.0.0.1', `${TOSS}, unknown`))).toBeUndefined();
    expect(resolver.resolve(request('127.0.0.1', ''))).toBeUndefined();
  });
});
