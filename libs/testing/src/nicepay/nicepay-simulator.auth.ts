import { nicepayError } from './nicepay-simulator.errors';
import { formatNiceDate, newAccessToken } from './nicepay-simulator.format';
import { OK_MESSAGE, type Json, type NicePayKey, type NicePaySimulatorState } from './nicepay-simulator.state';

/**
 * Who is calling: Basic credentials or a Bearer token, and `POST /v1/access-token`, which mints Bearer tokens for
 * Token-type keys. NicePay has no refresh: while a token is valid the same token comes back with the same expiry,
 * after `expireAt` a new one.
 */
export class NicePaySimulatorAuth {
  private readonly tokensByKey = new Map<string, { token: string; expireAt: Date }>();
  private readonly tokens = new Map<string, { key: NicePayKey; expireAt: Date }>();
  private mintedTokens = 0;

  constructor(private readonly state: NicePaySimulatorState) {}

  reset(): void {
    this.tokensByKey.clear();
    this.tokens.clear();
    this.mintedTokens = 0;
  }

  issueToken(key: NicePayKey): Json {
    const now = this.state.now;
    const keyId = `${key.clientId}:${key.secretKey}`;
    let current = this.tokensByKey.get(keyId);
    if (!current || current.expireAt.getTime() <= now.getTime()) {
      if (current) this.tokens.delete(current.token);
      current = { token: newAccessToken(), expireAt: new Date(now.getTime() + this.state.options.tokenTtlMs) };
      this.tokensByKey.set(keyId, current);
      this.tokens.set(current.token, { key, expireAt: current.expireAt });
      this.mintedTokens += 1;
    }
    return {
      resultCode: '0000',
      resultMsg: OK_MESSAGE,
      accessToken: current.token,
      tokenType: 'Bearer',
      // NicePay's field table spells it `expiredAt`; its examples (and the answers) say `expireAt`.
      expireAt: formatNiceDate(current.expireAt),
      now: formatNiceDate(now),
    };
  }

  /** The key behind a still-valid token, or undefined. */
  keyForToken(token: string): NicePayKey | undefined {
    const entry = this.tokens.get(token);
    if (!entry || entry.expireAt.getTime() <= this.state.now.getTime()) return undefined;
    return entry.key;
  }

  issuedTokens(): number {
    return this.mintedTokens;
  }

  /**
   * `POST /v1/access-token` takes Basic only: 401 U304 without Basic credentials or a colon, U101 for bad base64, U117
   * for an empty secret key, U116 for an unknown pair; 403 U103 when the key was issued for Basic auth and so cannot
   * issue tokens.
   */
  tokenRequestKey(authorization: string | undefined): NicePayKey {
    const credentials = parseBasic(authorization);
    if (credentials === 'not-basic') throw nicepayError('U304');
    if (credentials === 'bad-base64') throw nicepayError('U101');
    if (credentials === 'no-colon') throw nicepayError('U304');
    if (credentials.secretKey === '') throw nicepayError('U117');
    const key = this.state.options.keys.find(
      (k) => k.clientId === credentials.clientId && k.secretKey === credentials.secretKey,
    );
    if (!key) throw nicepayError('U116');
    if (key.authType !== 'token') throw nicepayError('U103');
    return key;
  }

  /**
   * Business APIs: `Basic base64(clientId:secretKey)` or `Bearer <accessToken>`. Any failure is 401 U104; a Token-type
   * key presenting Basic is refused with U103.
   */
  businessKey(authorization: string | undefined): NicePayKey {
    const bearer = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
    if (bearer) {
      const key = this.keyForToken(bearer[1]);
      if (!key) throw nicepayError('U104');
      return key;
    }
    const credentials = parseBasic(authorization);
    if (typeof credentials === 'string') throw nicepayError('U104');
    const key = this.state.options.keys.find(
      (k) => k.clientId === credentials.clientId && k.secretKey === credentials.secretKey,
    );
    if (!key) throw nicepayError('U104');
    if (key.authType === 'token') throw nicepayError('U103');
    return key;
  }
}

function parseBasic(
  authorization: string | undefined,
): { clientId: string; secretKey: string } | 'not-basic' | 'bad-base64' | 'no-colon' {
  const match = authorization ? /^Basic\s+(\S+)\s*$/i.exec(authorization) : null;
  if (!match) return 'not-basic';
  // Plain standard base64 with padding; Buffer.from would silently skip bad characters.
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(match[1]) || match[1].length % 4 !== 0) return 'bad-base64';
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return 'no-colon';
  return { clientId: decoded.slice(0, colon), secretKey: decoded.slice(colon + 1) };
}
