/**
 * Incident notifications for `streamqc run`: each transition goes to every target that wants it, through
 * that target's own queue (see target-queue.ts for ordering, retries, the rate limit and drops), so a
 * slow or failing receiver never holds up the monitor or the other targets.
 */
import type { IncidentTransition } from '../service/model.js';
import { defaultBackoff, type BackoffSettings } from './backoff.js';
import { buildRequest } from './payloads.js';
import {
  createTargetQueue,
  type NotifierCounters,
  type NotifyLogger,
  type QueuedTransition,
  type TargetQueue,
} from './target-queue.js';
import { resolveTargets, targetWants, type NotificationTarget, type ResolvedTarget } from './targets.js';

export type { NotifierCounters, NotifyLogger } from './target-queue.js';
export type { NotificationTarget } from './targets.js';

export interface NotifierOptions {
  readonly targets: readonly NotificationTarget[];
  readonly logger?: NotifyLogger;
  readonly fetchImpl?: typeof fetch;
  /** Clock for the rate limit and Retry-After dates (default Date.now). */
  readonly now?: () => number;
  /** Sent as `User-Agent: streamqc/<version>` (default '0'). */
  readonly version?: string;
  /** Retry waits (default 500 ms doubling up to 60 s); tests make them short. */
  readonly backoff?: BackoffSettings;
  /** Per target (default 1000). */
  readonly maxQueueLength?: number;
  /** Delivered keys remembered per target to refuse duplicates (default 10,000). */
  readonly rememberedKeys?: number;
}

export interface Notifier {
  /** Queues the transition for every target that wants it. Returns at once and never throws. */
  notify(transition: IncidentTransition): void;
  /** Resolves when every queue is empty and idle, or after `timeoutMs`, whichever comes first. */
  flush(timeoutMs: number): Promise<void>;
  counters(): NotifierCounters;
  /** Aborts requests in flight, stops timers and drops what is still queued; flush first to deliver it. */
  close(): Promise<void>;
}

const noopLogger: NotifyLogger = { info: () => undefined, warn: () => undefined };

/** Throws StreamqcError('BAD_CONFIG') naming every invalid target property. */
export function createNotifier(options: NotifierOptions): Notifier {
  const targets = resolveTargets(options.targets);
  const logger = options.logger ?? noopLogger;
  const userAgent = `streamqc/${options.version ?? '0'}`;
  const counters: NotifierCounters = { sent: 0, failed: 0, dropped: 0, retried: 0, rateLimited: 0 };
  const queues = targets.map((target): [ResolvedTarget, TargetQueue] => [
    target,
    createTargetQueue({
      target,
      backoff: options.backoff ?? defaultBackoff,
      maxQueueLength: options.maxQueueLength ?? 1000,
      rememberedKeys: options.rememberedKeys ?? 10_000,
      fetchImpl: options.fetchImpl ?? fetch,
      now: options.now ?? Date.now,
      logger,
      counters,
    }),
  ]);

  return {
    notify(transition) {
      for (const [target, queue] of queues) {
        try {
          if (!targetWants(target, transition)) continue;
          const item: QueuedTransition = {
            transition,
            request: buildRequest({ kind: target.kind, transition, extraHeaders: target.headers, userAgent }),
          };
          queue.enqueue(item);
        } catch (error) {
          // The caller is the monitor's incident path: a malformed transition must not break it.
          counters.failed += 1;
          logger.warn(
            { target: target.id, key: transition.key, error: String(error) },
            'notification not queued',
          );
        }
      }
    },
    async flush(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      });
      try {
        await Promise.race([Promise.all(queues.map(([, queue]) => queue.idle())), timedOut]);
      } finally {
        clearTimeout(timer);
      }
    },
    counters: () => ({ ...counters }),
    async close() {
      await Promise.all(queues.map(([, queue]) => queue.close()));
    },
  };
}
