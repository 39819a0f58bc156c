/**
 * Retry timing. Full jitter (a random wait between zero and the exponential ceiling) rather than a fixed
 * ladder, so many monitors that lost the same receiver at the same moment do not retry in lockstep.
 */
export interface BackoffSettings {
  /** Ceiling of the first retry's wait; it doubles with every further retry. */
  readonly baseMs: number;
  /** No wait is longer than this, Retry-After included (a receiver asking for an hour would stall the queue). */
  readonly capMs: number;
}

export const defaultBackoff: BackoffSettings = { baseMs: 500, capMs: 60_000 };

/** Wait before retry number `retry` (1 is the first retry). */
export function backoffDelayMs(
  retry: number,
  settings: BackoffSettings,
  random: () => number = Math.random,
): number {
  const ceilingMs = Math.min(settings.capMs, settings.baseMs * 2 ** (retry - 1));
  return Math.floor(random() * ceilingMs);
}

/** Retry-After holds delay-seconds or an HTTP date: ms from `nowMs`, or null when absent or unreadable. */
export function parseRetryAfterMs(header: string | null, nowMs: number): number | null {
  if (header === null) return null;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const dateMs = Date.parse(trimmed);
  return Number.isNaN(dateMs) ? null : Math.max(0, dateMs - nowMs);
}

/** Resolves after `ms`, or at once when `signal` aborts. Never rejects: the caller checks the signal. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
