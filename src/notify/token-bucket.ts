/**
 * Rate limit per target: a bucket holding up to `perMinute` tokens (the allowed burst), refilled
 * continuously at `perMinute` per 60 s. The clock is injected so tests need not wait a minute.
 */
export interface TokenBucket {
  /** Takes a token if one is there. */
  tryTake(): boolean;
  /** How long until a token will be there (0 when one is). */
  msUntilToken(): number;
}

export function createTokenBucket(perMinute: number, now: () => number): TokenBucket {
  const capacity = perMinute;
  const refillPerMs = perMinute / 60_000;
  let tokens = capacity;
  let lastMs = now();

  const refill = (): void => {
    const nowMs = now();
    // A clock that steps back (NTP, a test) must not drain the bucket.
    tokens = Math.min(capacity, tokens + Math.max(0, nowMs - lastMs) * refillPerMs);
    lastMs = nowMs;
  };

  return {
    tryTake() {
      refill();
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
    msUntilToken() {
      refill();
      return tokens >= 1 ? 0 : Math.ceil((1 - tokens) / refillPerMs);
    },
  };
}
