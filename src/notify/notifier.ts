/**
 * Incident notifications for `streamqc run`: each transition goes to every target that wants it, through
 * that target's own queue (see target-queue.ts for ordering, retries, the rate limit and drops), so a
 * slow or failing receiver never holds up the monitor or the other targets.
 *
 * With `outbox` (what `streamqc run` uses) delivery is durable instead: the monitor stores each transition's
 * outbox rows with the incident (`outboxEntries`), then `wake`s the notifier, whose dispatcher sends them
 * from the store (see outbox-dispatcher.ts); nothing waits only in memory, so a restart loses nothing and a
 * transition saved twice is still sent once.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { IncidentTransition } from '../service/model.js';
import type { NotificationOutboxStore, OutboxEntry } from '../store/notification-outbox.js';
import { defaultBackoff, type BackoffSettings } from './backoff.js';
import { createOutboxDispatcher, type OutboxDispatcher } from './outbox-dispatcher.js';
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
  /** Durable delivery from the store's outbox; absent: per-target queues in memory. */
  readonly outbox?: OutboxOptions;
}

export interface OutboxOptions {
  readonly store: NotificationOutboxStore;
  /** This notifier's id in the outbox claims (default host name, process id and a random part). */
  readonly claimer?: string;
  /** How often each target looks for due rows besides `wake` (default 1000): the retry granularity. */
  readonly pollIntervalMs?: number;
  /** A claim of a node that died runs out after this long (default 60,000). */
  readonly claimLeaseMs?: number;
}

export interface Notifier {
  /**
   * In memory: queues the transition for every target that wants it. With an outbox it does nothing (the
   * rows come from `outboxEntries`). Returns at once and never throws.
   */
  notify(transition: IncidentTransition): void;
  /** With an outbox: the rows to store with the incident, one per target that wants it; else none. Never throws. */
  outboxEntries(transition: IncidentTransition): OutboxEntry[];
  /** Outbox rows were stored: send them now rather than at the next poll. */
  wake(): void;
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
  const now = options.now ?? Date.now;
  const dispatcher: OutboxDispatcher | null = options.outbox
    ? createOutboxDispatcher({
        store: options.outbox.store,
        claimer: options.outbox.claimer ?? `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`,
        targets,
        backoff: options.backoff ?? defaultBackoff,
        fetchImpl: options.fetchImpl ?? fetch,
        now,
        logger,
        counters,
        userAgent,
        pollIntervalMs: options.outbox.pollIntervalMs ?? 1000,
        claimLeaseMs: options.outbox.claimLeaseMs ?? 60_000,
      })
    : null;
  const queues = (dispatcher ? [] : targets).map((target): [ResolvedTarget, TargetQueue] => [
    target,
    createTargetQueue({
      target,
      backoff: options.backoff ?? defaultBackoff,
      maxQueueLength: options.maxQueueLength ?? 1000,
      rememberedKeys: options.rememberedKeys ?? 10_000,
      fetchImpl: options.fetchImpl ?? fetch,
      now,
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
    outboxEntries(transition) {
      if (!dispatcher) return [];
      const entries: OutboxEntry[] = [];
      for (const target of targets) {
        try {
          if (!targetWants(target, transition)) continue;
          entries.push({
            transitionKey: transition.key,
            targetId: target.id,
            incidentId: transition.incident.id,
            payload: JSON.stringify(transition),
            createdAtMs: now(),
          });
        } catch (error) {
          counters.failed += 1;
          logger.warn(
            { target: target.id, key: transition.key, error: String(error) },
            'notification not queued',
          );
        }
      }
      return entries;
    },
    wake: () => dispatcher?.wake(),
    async flush(timeoutMs) {
      if (dispatcher) {
        await dispatcher.flush(timeoutMs);
        return;
      }
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
      await dispatcher?.close();
      await Promise.all(queues.map(([, queue]) => queue.close()));
    },
  };
}
