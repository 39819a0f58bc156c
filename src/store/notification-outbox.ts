/**
 * The notification outbox: one row per (incident transition, target), written with the incident in one
 * store write, so a notification survives a restart and is never queued twice (the row's key is
 * deterministic: the transition key `${incidentId}:${kind}` and the target id). The notifier's dispatcher
 * (src/notify/outbox-dispatcher.ts) claims due rows, sends them and settles them here.
 *
 * Claims make delivery single-node in a cluster: a claimed row is invisible to other claimers until it is
 * settled, released or its claim runs out (`claimedUntilMs`, for a node that died holding it).
 */
export type OutboxState = 'pending' | 'delivered' | 'abandoned';

/** What the monitor writes with an incident transition. */
export interface OutboxEntry {
  /** The transition's idempotency key, sent as `Idempotency-Key`: the same on every attempt and node. */
  readonly transitionKey: string;
  readonly targetId: string;
  readonly incidentId: string;
  /** The transition as JSON; the request is built from it at send time (no target secrets are stored). */
  readonly payload: string;
  readonly createdAtMs: number;
}

export interface OutboxRow extends OutboxEntry {
  /** Insertion order: a target's rows of one incident are sent in this order. */
  readonly seq: number;
  readonly state: OutboxState;
  /** Attempts made so far (a rate-limit wait is not an attempt). */
  readonly attempts: number;
  readonly nextAttemptAtMs: number;
  readonly settledAtMs: number | null;
  readonly lastError: string | null;
}

export interface OutboxClaim {
  /** Who claims (one id per running notifier). */
  readonly claimer: string;
  readonly targetId: string;
  readonly nowMs: number;
  /** The claim runs out after this long (a node that died holding rows gives them up). */
  readonly leaseMs: number;
  readonly limit: number;
}

/** The outcome of an attempt (or a rate-limit wait): the row's new state; the claim is given up. */
export interface OutboxSettlement {
  readonly transitionKey: string;
  readonly targetId: string;
  readonly claimer: string;
  readonly state: OutboxState;
  readonly attempts: number;
  readonly nextAttemptAtMs: number;
  readonly lastError: string | null;
  readonly nowMs: number;
}

export interface NotificationOutboxStore {
  /**
   * Claims up to `limit` of the target's pending rows that are due and unclaimed (or whose claim ran out),
   * oldest first, skipping a row while an earlier row of the same incident and target is pending (a clear
   * never overtakes its raise). Two claimers never get the same row while a claim holds.
   */
  claimNotifications(claim: OutboxClaim): Promise<OutboxRow[]>;
  /** Applies the outcome if `claimer` still holds the row; false when it does not (the claim ran out). */
  settleNotification(settlement: OutboxSettlement): Promise<boolean>;
  /** Gives up every claim of `claimer` on pending rows (a clean stop). Returns rows released. */
  releaseNotifications(claimer: string): Promise<number>;
  /** The rows of one incident, in insertion order (inspection and tests). */
  listNotifications(incidentId: string): Promise<OutboxRow[]>;
  /**
   * Deletes delivered and abandoned rows settled before `olderThanMs`, and pending rows created before it
   * (a target removed from the config leaves those behind). Returns rows deleted.
   */
  pruneNotifications(olderThanMs: number): Promise<number>;
}

/** The order rows are handed out in, for backends that sort in JavaScript. */
export function outboxRowsInOrder<Row extends OutboxRow>(rows: readonly Row[]): Row[] {
  return [...rows].sort((a, b) => a.seq - b.seq);
}
