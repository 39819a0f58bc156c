/**
 * API tokens as the config stores them: never the token, only a hash. Two forms:
 * - `sha256:<64 hex>`: for long random tokens (what `streamqc hash-token` is meant for); fast to check.
 * - `scrypt:<saltBase64>:<hashBase64>`: salted and slow, for tokens people chose themselves.
 * Every comparison is constant-time over equal-length digests.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** Shorter tokens can be guessed; the same floor applies to the environment token and to `hash-token`. */
export const minTokenLength = 16;

/** scrypt's cost (N = 2^14, r = 8, p = 1: about 16 MiB and tens of milliseconds), fixed so hashes stay valid. */
const scryptCost = { N: 16_384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
const scryptKeyBytes = 32;
const scryptSaltBytes = 16;

export type TokenHash =
  | { readonly kind: 'sha256'; readonly digest: Buffer }
  | { readonly kind: 'scrypt'; readonly salt: Buffer; readonly digest: Buffer };

const sha256Pattern = /^sha256:([0-9a-f]{64})$/i;
const scryptPattern = /^scrypt:([A-Za-z0-9+/]+={0,2}):([A-Za-z0-9+/]+={0,2})$/;

/** Parses a stored hash; null when the text is neither form (the config schema names the problem). */
export function parseTokenHash(text: string): TokenHash | null {
  const sha = sha256Pattern.exec(text);
  if (sha?.[1]) return { kind: 'sha256', digest: Buffer.from(sha[1], 'hex') };
  const salted = scryptPattern.exec(text);
  if (salted?.[1] && salted[2]) {
    const salt = Buffer.from(salted[1], 'base64');
    const digest = Buffer.from(salted[2], 'base64');
    if (salt.length >= 8 && digest.length === scryptKeyBytes) return { kind: 'scrypt', salt, digest };
  }
  return null;
}

export const tokenHashFormat = `sha256:<64 hex digits> or scrypt:<salt base64>:<${scryptKeyBytes}-byte hash base64>`;

export function sha256Digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

function scryptDigest(token: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // The asynchronous form runs on libuv's thread pool, so a check never blocks the event loop.
    scrypt(token, salt, scryptKeyBytes, scryptCost, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

export async function hashToken(token: string, kind: 'sha256' | 'scrypt' = 'sha256'): Promise<string> {
  if (kind === 'sha256') return `sha256:${sha256Digest(token).toString('hex')}`;
  const salt = randomBytes(scryptSaltBytes);
  const digest = await scryptDigest(token, salt);
  return `scrypt:${salt.toString('base64')}:${digest.toString('base64')}`;
}

/** True when `token` is the one behind `hash`. Constant-time in the content of the guess. */
export async function tokenMatches(token: string, hash: TokenHash): Promise<boolean> {
  const digest = hash.kind === 'sha256' ? sha256Digest(token) : await scryptDigest(token, hash.salt);
  return timingSafeEqual(digest, hash.digest);
}
