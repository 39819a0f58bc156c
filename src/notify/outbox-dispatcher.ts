/**
 * Durable delivery: the notifications wait in the store's outbox (src/store/notification-outbox.ts), written
 * with their incident, and one loop per target claims the due rows, sends each once and writes the outcome
 * back. A restart (or another node of a cluster) resumes the rows left pending, with the same idempotency
 * key, attempt count and next attempt time; a row is sent by the one node holding its claim.
 *
 * Per target and row: the rate limit is taken before the first attempt (retries are free). With the bucket
 * empty a critical transition or a clear waits (the row is put back until a token is due), anything else is
 * abandoned as dropped. A retryable failure puts the row back after the backoff (Retry-After honoured up to
 * the cap); after `maxAttempts` it is abandoned, logged and counted in `failed`.
 */
import type { IncidentTransition } from '../service/model.js';
import type { NotificationOutboxStore, OutboxRow, OutboxSettlement } from '../store/notification-outbox.js';
import { backoffDelayMs, sleep, type BackoffSettings } from './backoff.js';
import { buildRequest } from './payloads.js';
import { createRecentKeys } from './recent-keys.js';
import { sendAttempt } from './send-attempt.js';
import type { NotifierCounters, NotifyLogger } from './target-queue.js';
import type { ResolvedTarget } from './targets.js';
import { createTokenBucket, type TokenBucket } from './token-bucket.js';

export interface OutboxDispatcherOptions {
  readonly store: NotificationOutboxStore;
  /** This notifier's id in the claims (unique per process). */
  readonly claimer: string;
  readonly targets: readonly ResolvedTarget[];
  readonly backoff: BackoffSettings;
  readonly fetchImpl: typeof fetch;
  readonly now: () => number;
  readonly logger: NotifyLogger;
  readonly counters: NotifierCounters;
  readonly userAgent: string;
  /** How often each target looks for due rows when nothing wakes it. */
  readonly pollIntervalMs: number;
  /** A claim runs out after this long: the rows of a node that died are sent by another after it. */
  readonly claimLeaseMs: number;
}

export interface OutboxDispatcher {
  /** New rows were stored: look now rather than at the next poll. */
  wake(): void;
  /** Resolves once every target found nothing due (rows waiting for a retry stay), or after `timeoutMs`. */
  flush(timeoutMs: number): Promise<void>;
  /** Aborts requests in flight and gives the claims back: what is pending is sent after the next start. */
  close(): Promise<void>;
}

interface TargetLoop {
  readonly target: ResolvedTarget;
  readonly bucket: TokenBucket;
  /** Rounds started so far, and the last one that found nothing due. */
  roundsStarted: number;
  lastEmptyRound: number;
}

const settleAttempts = 3;
const settleRetryMs = 200;
// Store failures come in runs (the database is down); one warning a minute is enough to notice them.
const storeWarningIntervalMs = 60_000;

export function createOutboxDispatcher(options: OutboxDispatcherOptions): OutboxDispatcher {
  const { store, claimer, counters, logger } = options;
  const closing = new AbortController();
  const wakers = new Set<() => void>();
  // Each waiting row is counted once in `rateLimited`, however often it finds the bucket empty.
  const rateLimitedKeys = createRecentKeys(10_000);
  let lastStoreWarningMs = -Infinity;

  const loops: TargetLoop[] = options.targets.map((target) => ({
    target,
    bucket: createTokenBucket(target.maxPerMinute, options.now),
    roundsStarted: 0,
    lastEmptyRound: 0,
  }));

  function waitForWake(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        wakers.delete(done);
        resolve();
      };
      wakers.add(done);
      void sleep(ms, closing.signal).then(done);
    });
  }

  function wake(): void {
    for (const waker of [...wakers]) waker();
  }

  async function settle(
    row: OutboxRow,
    outcome: Omit<OutboxSettlement, 'transitionKey' | 'targetId' | 'claimer' | 'nowMs'>,
  ): Promise<void> {
    const settlement: OutboxSettlement = {
      transitionKey: row.transitionKey,
      targetId: row.targetId,
      claimer,
      nowMs: options.now(),
      ...outcome,
    };
    // An outcome not stored means the row is sent again when its claim runs out: worth two more tries
    // (a busy SQLite file, a PostgreSQL connection lost a moment ago). A third failure goes to the loop.
    let held = false;
    for (let attempt = 1; ; attempt += 1) {
      try {
        held = await store.settleNotification(settlement);
        break;
      } catch (error) {
        if (attempt >= settleAttempts || closing.signal.aborted) throw error;
        await sleep(settleRetryMs * attempt, closing.signal);
      }
    }
    if (!held) {
      logger.warn(
        { target: row.targetId, key: row.transitionKey },
        'notification claim ran out before its outcome was stored',
      );
    }
  }

  async function handle(loop: TargetLoop, row: OutboxRow): Promise<void> {
    const { target } = loop;
    const transition = readTransition(row.payload);
    if (transition === null) {
      counters.failed += 1;
      logger.warn(
        { target: target.id, key: row.transitionKey },
        'notification abandoned: unreadable payload',
      );
      await settle(row, {
        state: 'abandoned',
        attempts: row.attempts,
        nextAttemptAtMs: row.nextAttemptAtMs,
        lastError: 'unreadable payload',
      });
      return;
    }
    const fields = { target: target.id, key: row.transitionKey, severity: transition.incident.severity };

    if (row.attempts === 0 && !loop.bucket.tryTake()) {
      if (!rateLimitedKeys.has(row.transitionKey)) {
        counters.rateLimited += 1;
        rateLimitedKeys.add(row.transitionKey);
      }
      if (transition.incident.severity === 'critical' || transition.kind === 'cleared') {
        await settle(row, {
          state: 'pending',
          attempts: 0,
          nextAttemptAtMs: options.now() + loop.bucket.msUntilToken(),
          lastError: 'waiting for the rate limit',
        });
        return;
      }
      counters.dropped += 1;
      logger.warn({ ...fields, reason: 'rate limit' }, 'notifications dropped');
      await settle(row, {
        state: 'abandoned',
        attempts: 0,
        nextAttemptAtMs: row.nextAttemptAtMs,
        lastError: 'rate limit',
      });
      return;
    }

    if (row.attempts > 0) counters.retried += 1;
    const attempts = row.attempts + 1;
    const result = await sendAttempt({
      fetchImpl: options.fetchImpl,
      url: target.url,
      request: buildRequest({
        kind: target.kind,
        transition,
        extraHeaders: target.headers,
        userAgent: options.userAgent,
      }),
      timeoutMs: target.timeoutMs,
      closeSignal: closing.signal,
      nowMs: options.now(),
    });
    switch (result.outcome) {
      case 'closed':
        // Given back at close with the other claims; the attempt does not count.
        return;
      case 'delivered':
        counters.sent += 1;
        if (attempts > 1) logger.info({ ...fields, attempt: attempts }, 'notification delivered after retry');
        await settle(row, {
          state: 'delivered',
          attempts,
          nextAttemptAtMs: row.nextAttemptAtMs,
          lastError: null,
        });
        return;
      case 'refused':
        counters.failed += 1;
        logger.warn({ ...fields, reason: result.reason }, 'notification refused');
        await settle(row, {
          state: 'abandoned',
          attempts,
          nextAttemptAtMs: row.nextAttemptAtMs,
          lastError: result.reason,
        });
        return;
      case 'retry': {
        if (attempts >= target.maxAttempts) {
          counters.failed += 1;
          logger.warn(
            { ...fields, attempt: attempts, reason: result.reason },
            'notification failed: abandoned',
          );
          await settle(row, {
            state: 'abandoned',
            attempts,
            nextAttemptAtMs: row.nextAttemptAtMs,
            lastError: result.reason,
          });
          return;
        }
        const delayMs = Math.min(
          options.backoff.capMs,
          Math.max(backoffDelayMs(attempts, options.backoff), result.retryAfterMs ?? 0),
        );
        logger.warn({ ...fields, attempt: attempts, delayMs, reason: result.reason }, 'notification retry');
        await settle(row, {
          state: 'pending',
          attempts,
          nextAttemptAtMs: options.now() + delayMs,
          lastError: result.reason,
        });
        return;
      }
    }
  }

  /** One claim and the rows it got, in order; false when nothing was due. */
  async function round(loop: TargetLoop): Promise<boolean> {
    const rows = await store.claimNotifications({
      claimer,
      targetId: loop.target.id,
      nowMs: options.now(),
      leaseMs: options.claimLeaseMs,
      // Rows claimed together are sent one after the other: all of them fit in the claim even if each
      // request runs to its timeout twice over.
      limit: Math.max(1, Math.min(20, Math.floor(options.claimLeaseMs / (2 * loop.target.timeoutMs)))),
    });
    for (const row of rows) {
      if (closing.signal.aborted) break;
      await handle(loop, row);
    }
    return rows.length > 0;
  }

  async function run(loop: TargetLoop): Promise<void> {
    while (!closing.signal.aborted) {
      loop.roundsStarted += 1;
      const thisRound = loop.roundsStarted;
      let worked = false;
      try {
        worked = await round(loop);
      } catch (error) {
        const nowMs = options.now();
        if (nowMs - lastStoreWarningMs >= storeWarningIntervalMs) {
          lastStoreWarningMs = nowMs;
          logger.warn(
            { target: loop.target.id, error: String(error) },
            'notification outbox unavailable: will retry',
          );
        }
      }
      if (worked) continue;
      loop.lastEmptyRound = thisRound;
      await waitForWake(options.pollIntervalMs);
    }
  }

  const running = Promise.all(loops.map(run));

  return {
    wake,
    async flush(timeoutMs) {
      const deadlineMs = Date.now() + timeoutMs;
      const marks = loops.map((loop) => loop.roundsStarted);
      wake();
      while (!closing.signal.aborted && Date.now() < deadlineMs) {
        if (loops.every((loop, index) => loop.lastEmptyRound > (marks[index] ?? 0))) return;
        await sleep(Math.min(20, Math.max(1, deadlineMs - Date.now())), closing.signal);
      }
    },
    async close() {
      if (closing.signal.aborted) return;
      closing.abort();
      await running;
      try {
        await store.releaseNotifications(claimer);
      } catch (error) {
        // The claims run out on their own after claimLeaseMs.
        logger.warn({ error: String(error) }, 'notification claims not given back');
      }
    },
  };
}

/** The stored transition, or null when the row was not written by this code (a damaged or edited row). */
function readTransition(payload: string): IncidentTransition | null {
  try {
    const value = JSON.parse(payload) as Partial<IncidentTransition> | null;
    const incident = value?.incident;
    const usable =
      typeof value?.key === 'string' &&
      typeof value.kind === 'string' &&
      typeof incident?.id === 'string' &&
      typeof incident.severity === 'string';
    return usable ? (value as IncidentTransition) : null;
  } catch {
    return null;
  }
}
