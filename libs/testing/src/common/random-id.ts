import { randomBytes } from 'node:crypto';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Random identifiers from one `randomBytes` call (one syscall per id keeps the benchmark path cheap). The modulo
 * bias is irrelevant here: these are opaque test identifiers, not secrets.
 */
export function randomString(length: number, alphabet = ALPHANUMERIC): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[bytes[i] % alphabet.length];
  return out;
}

export const randomDigits = (length: number): string => randomString(length, '0123456789');
