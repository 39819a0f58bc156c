/**
 * Delivery to one target: a FIFO queue with one request in flight, so a receiver never sees an incident's
 * clear before its raise, with retries, the rate limit and duplicate suppression.
 *
 * Rate limit: each transition takes one token from the target's bucket before its first attempt (retries
 * of it are free). With the bucket empty:
 * - a transition of a critical incident waits for a token (holding up the queue behind it);
 * - so does the clear of an incident whose raise this target received, or the receiver would show the
 *   incident open for ever;
 * - anything else is dropped and counted (`dropped` and `rateLimited`).
 * The queue holds at most `maxQueueLength`; when full, the oldest non-critical entry is dropped, and
 * a critical entry only makes room for another critical one.
 */
import type { IncidentTransition } from '../service/model.js';
import { transitionKey } from '../service/model.js';
import { backoffDelayMs, sleep, type BackoffSettings } from './backoff.js';
import type { OutgoingRequest } from './payloads.js';
import { createRecentKeys } from './recent-keys.js';
import { sendAttempt } from './send-attempt.js';
import type { ResolvedTarget } from './targets.js';
import { createTokenBucket } from './token-bucket.js';

/** The part of a pino logger notifications use: fixed messages, values in fields. */
export interface NotifyLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface NotifierCounters {
  /** Transitions a receiver accepted (2xx). */
  sent: number;
  /** Transitions given up on: a refusing answer (4xx but 429, 3xx), attempts used up, or unbuildable. */
  failed: number;
  /** Transitions never attempted or abandoned: rate limit, full queue, or still queued at close. */
  dropped: number;
  /** Attempts after the first. */
  retried: number;
  /** Transitions that found the bucket empty (dropped or made to wait). */
  rateLimited: number;
}

export interface QueuedTransition {
  readonly transition: IncidentTransition;
  readonly request: OutgoingRequest;
}

export interface TargetQueue {
  /** Queues `item` unless its key is already queued or delivered; returns false for such a duplicate. */
  enqueue(item: QueuedTransition): boolean;
  /** Resolves once the queue is empty and nothing is in flight. */
  idle(): Promise<void>;
  /** Aborts the request in flight and timers; what is queued is dropped. */
  close(): Promise<void>;
}

export interface TargetQueueOptions {
  readonly target: ResolvedTarget;
  readonly backoff: BackoffSettings;
  readonly maxQueueLength: number;
  readonly rememberedKeys: number;
  readonly fetchImpl: typeof fetch;
  readonly now: () => number;
  readonly logger: NotifyLogger;
  readonly counters: NotifierCounters;
}

// While a critical transition waits for a token the clock is read again at least this often, so a
// clock that jumps (an injected one in tests) is noticed.
const tokenRecheckMs = 250;
// Drops come in storms; one warning per target per minute, with a count, is enough to notice them.
const dropWarningIntervalMs = 60_000;

export function createTargetQueue(options: TargetQueueOptions): TargetQueue {
  const { target, counters, logger } = options;
  const queue: QueuedTransition[] = [];
  const queuedKeys = new Set<string>();
  const delivered = createRecentKeys(options.rememberedKeys);
  const bucket = createTokenBucket(target.maxPerMinute, options.now);
  const closing = new AbortController();
  let draining: Promise<void> | null = null;
  let lastDropWarningMs = -Infinity;
  let dropsSinceWarning = 0;

  const isCritical = (item: QueuedTransition): boolean => item.transition.incident.severity === 'critical';
  const mustWaitForToken = (item: QueuedTransition): boolean =>
    isCritical(item) ||
    (item.transition.kind === 'cleared' &&
      delivered.has(transitionKey(item.transition.incident.id, 'raised')));
  const logFields = (item: QueuedTransition): object => ({
    target: target.id,
    key: item.transition.key,
    severity: item.transition.incident.severity,
  });

  function drop(item: QueuedTransition, reason: 'rate limit' | 'queue full'): void {
    counters.dropped += 1;
    dropsSinceWarning += 1;
    const nowMs = options.now();
    if (nowMs - lastDropWarningMs < dropWarningIntervalMs) return;
    logger.warn({ ...logFields(item), reason, dropped: dropsSinceWarning }, 'notifications dropped');
    lastDropWarningMs = nowMs;
    dropsSinceWarning = 0;
  }

  function makeRoom(incoming: QueuedTransition): boolean {
    if (queue.length < options.maxQueueLength) return true;
    let victimIndex = queue.findIndex((queued) => !isCritical(queued));
    if (victimIndex < 0) {
      if (!isCritical(incoming)) {
        drop(incoming, 'queue full');
        return false;
      }
      victimIndex = 0;
    }
    const [victim] = queue.splice(victimIndex, 1);
    if (victim !== undefined) {
      queuedKeys.delete(victim.transition.key);
      drop(victim, 'queue full');
    }
    return true;
  }

  /** Takes a token, waiting for one if the item must not be dropped; false if it was dropped. */
  async function passRateLimit(item: QueuedTransition): Promise<boolean> {
    if (bucket.tryTake()) return true;
    counters.rateLimited += 1;
    if (!mustWaitForToken(item)) {
      drop(item, 'rate limit');
      return false;
    }
    logger.info(logFields(item), 'notification waiting for rate limit');
    while (!closing.signal.aborted) {
      await sleep(Math.min(bucket.msUntilToken(), tokenRecheckMs), closing.signal);
      if (bucket.tryTake()) return true;
    }
    return false;
  }

  /** 'closed' when the notifier closed before the item was settled (sent, failed or dropped). */
  async function deliver(item: QueuedTransition): Promise<'settled' | 'closed'> {
    if (!(await passRateLimit(item))) return closing.signal.aborted ? 'closed' : 'settled';
    for (let attempt = 1; !closing.signal.aborted; attempt += 1) {
      const result = await sendAttempt({
        fetchImpl: options.fetchImpl,
        url: target.url,
        request: item.request,
        timeoutMs: target.timeoutMs,
        closeSignal: closing.signal,
        nowMs: options.now(),
      });
      switch (result.outcome) {
        case 'delivered':
          counters.sent += 1;
          delivered.add(item.transition.key);
          if (attempt > 1) logger.info({ ...logFields(item), attempt }, 'notification delivered after retry');
          return 'settled';
        case 'closed':
          return 'closed';
        case 'refused':
          counters.failed += 1;
          logger.warn({ ...logFields(item), reason: result.reason }, 'notification refused');
          return 'settled';
        case 'retry': {
          if (attempt >= target.maxAttempts) {
            counters.failed += 1;
            logger.warn({ ...logFields(item), attempt, reason: result.reason }, 'notification failed');
            return 'settled';
          }
          const delayMs = Math.min(
            options.backoff.capMs,
            Math.max(backoffDelayMs(attempt, options.backoff), result.retryAfterMs ?? 0),
          );
          logger.warn({ ...logFields(item), attempt, delayMs, reason: result.reason }, 'notification retry');
          await sleep(delayMs, closing.signal);
          if (!closing.signal.aborted) counters.retried += 1;
          break;
        }
      }
    }
    return 'closed';
  }

  async function drain(): Promise<void> {
    for (let item = queue.shift(); item !== undefined && !closing.signal.aborted; item = queue.shift()) {
      try {
        if ((await deliver(item)) === 'closed') counters.dropped += 1;
      } catch (error) {
        // A bug, not a receiver's failure: count it and keep the queue moving.
        counters.failed += 1;
        logger.warn({ ...logFields(item), error: String(error) }, 'notification delivery crashed');
      } finally {
        queuedKeys.delete(item.transition.key);
      }
    }
    draining = null;
  }

  return {
    enqueue(item) {
      const key = item.transition.key;
      if (closing.signal.aborted) {
        counters.dropped += 1;
        return true;
      }
      if (queuedKeys.has(key) || delivered.has(key)) return false;
      if (!makeRoom(item)) return true;
      queue.push(item);
      queuedKeys.add(key);
      // Started on a microtask, so notify() returns before any request work and a raise and clear
      // notified back to back are both queued before the first is sent.
      draining ??= Promise.resolve().then(drain);
      return true;
    },
    idle: () => draining ?? Promise.resolve(),
    async close() {
      closing.abort();
      counters.dropped += queue.length;
      queue.length = 0;
      queuedKeys.clear();
      await draining;
    },
  };
}
