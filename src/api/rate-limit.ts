/**
 * Request rate limits per client: one token bucket (src/notify/token-bucket.ts) per key, a key being a remote
 * address or a token name. A request is one take; an event stream is one request however many events it
 * carries. Keys are kept in least-recently-used order up to a bound, so a flood of addresses cannot grow
 * memory (a forgotten key starts again with a full bucket).
 */
import { createTokenBucket, type TokenBucket } from '../notify/token-bucket.js';
import { ApiError } from './api-error.js';

export interface RateLimiter {
  /** Takes one request from `key`'s bucket; throws 429 with Retry-After (whole seconds) when it is empty. */
  take(key: string): void;
  /** Throws the same 429 when `key`'s bucket is empty, without taking from it. */
  check(key: string): void;
}

/** Enough for every address of a large site; each entry is a few hundred bytes. */
const defaultMaxKeys = 10_000;

export function createRateLimiter(options: {
  readonly perMinute: number;
  /** Names what is limited in the 429 message: 'requests from this address'. */
  readonly what: string;
  readonly nowMs: () => number;
  readonly maxKeys?: number;
}): RateLimiter {
  const maxKeys = options.maxKeys ?? defaultMaxKeys;
  // A Map iterates in insertion order; re-inserting on use keeps the least recently used key first.
  const buckets = new Map<string, TokenBucket>();
  const bucketFor = (key: string): TokenBucket => {
    let bucket = buckets.get(key);
    if (bucket) buckets.delete(key);
    else bucket = createTokenBucket(options.perMinute, options.nowMs);
    buckets.set(key, bucket);
    if (buckets.size > maxKeys) {
      const oldest = buckets.keys().next();
      if (oldest.done !== true) buckets.delete(oldest.value);
    }
    return bucket;
  };
  const refuse = (bucket: TokenBucket): ApiError => {
    const retryAfterSeconds = Math.max(1, Math.ceil(bucket.msUntilToken() / 1000));
    return new ApiError(
      429,
      'TOO_MANY_REQUESTS',
      `too many ${options.what}: at most ${options.perMinute} per minute`,
      { 'retry-after': String(retryAfterSeconds) },
    );
  };
  return {
    take(key) {
      const bucket = bucketFor(key);
      if (!bucket.tryTake()) throw refuse(bucket);
    },
    check(key) {
      const bucket = buckets.get(key);
      if (bucket && bucket.msUntilToken() > 0) throw refuse(bucket);
    },
  };
}

export interface RateLimits {
  /** Requests per minute from one remote address, whatever token it uses (also the burst). */
  readonly perAddressPerMinute: number;
  /** Requests per minute with one token, from all addresses together. */
  readonly perTokenPerMinute: number;
}

/**
 * A dashboard refreshes each tile's picture every 2 s (30 requests a minute per channel), so a wall of 100
 * channels from one address needs 3000 a minute; the limit stops floods, not dashboards.
 */
export const defaultRateLimits: RateLimits = { perAddressPerMinute: 6000, perTokenPerMinute: 12_000 };

/**
 * Wrong tokens per address per minute. Fixed, not configured: nobody legitimate sends this many wrong
 * tokens, and it bounds both guessing and the CPU a guess costs (an scrypt check takes tens of milliseconds).
 */
export const failedTokenChecksPerMinute = 30;
