/** The notification outbox in SQLite (notification-outbox.ts has the contract; sqlite-schema.ts step 2). */
import type Database from 'better-sqlite3';
import type { NotificationOutboxStore, OutboxEntry, OutboxRow, OutboxState } from './notification-outbox.js';
import { guarded } from './sqlite-errors.js';

export interface OutboxSqlRow {
  readonly seq: number;
  readonly transition_key: string;
  readonly target_id: string;
  readonly incident_id: string;
  readonly payload: string;
  readonly state: string;
  readonly attempts: number;
  readonly created_at_ms: number;
  readonly next_attempt_at_ms: number;
  readonly settled_at_ms: number | null;
  readonly last_error: string | null;
}

/** Shared with the PostgreSQL store, whose rows have the same columns (seq comes back as a string there). */
export function outboxRowFromSql(row: OutboxSqlRow): OutboxRow {
  return {
    seq: Number(row.seq),
    transitionKey: row.transition_key,
    targetId: row.target_id,
    incidentId: row.incident_id,
    payload: row.payload,
    state: row.state as OutboxState,
    attempts: row.attempts,
    createdAtMs: row.created_at_ms,
    nextAttemptAtMs: row.next_attempt_at_ms,
    settledAtMs: row.settled_at_ms,
    lastError: row.last_error,
  };
}

export const outboxColumns = `seq, transition_key, target_id, incident_id, payload, state, attempts,
  created_at_ms, next_attempt_at_ms, settled_at_ms, last_error`;

export interface SqliteOutbox extends NotificationOutboxStore {
  /** Runs inside the caller's transaction (the incident's save). */
  insertWithinTransaction(entries: readonly OutboxEntry[]): void;
}

export function sqliteOutbox(db: Database.Database, path: string): SqliteOutbox {
  const insert = db.prepare<[string, string, string, string, number, number]>(
    `INSERT INTO notification_outbox (transition_key, target_id, incident_id, payload, state, attempts,
       created_at_ms, next_attempt_at_ms)
     VALUES (?, ?, ?, ?, 'pending', 0, ?, ?) ON CONFLICT (transition_key, target_id) DO NOTHING`,
  );
  const due = db.prepare<[string, number, number, number], OutboxSqlRow>(
    `SELECT ${outboxColumns} FROM notification_outbox AS c
     WHERE c.target_id = ? AND c.state = 'pending' AND c.next_attempt_at_ms <= ?
       AND (c.claimed_until_ms IS NULL OR c.claimed_until_ms <= ?)
       AND NOT EXISTS (SELECT 1 FROM notification_outbox AS e WHERE e.target_id = c.target_id
         AND e.incident_id = c.incident_id AND e.state = 'pending' AND e.seq < c.seq)
     ORDER BY c.seq LIMIT ?`,
  );
  const claim = db.prepare<[string, number, number]>(
    'UPDATE notification_outbox SET claimed_by = ?, claimed_until_ms = ? WHERE seq = ?',
  );
  const settle = db.prepare<[string, number, number, string | null, number | null, string, string, string]>(
    `UPDATE notification_outbox SET state = ?, attempts = ?, next_attempt_at_ms = ?, last_error = ?,
       settled_at_ms = ?, claimed_by = NULL, claimed_until_ms = NULL
     WHERE transition_key = ? AND target_id = ? AND claimed_by = ?`,
  );
  const release = db.prepare<[string]>(
    `UPDATE notification_outbox SET claimed_by = NULL, claimed_until_ms = NULL
     WHERE claimed_by = ? AND state = 'pending'`,
  );
  const list = db.prepare<[string], OutboxSqlRow>(
    `SELECT ${outboxColumns} FROM notification_outbox WHERE incident_id = ? ORDER BY seq`,
  );
  const prune = db.prepare<[number, number]>(
    `DELETE FROM notification_outbox
     WHERE (state <> 'pending' AND settled_at_ms < ?) OR (state = 'pending' AND created_at_ms < ?)`,
  );
  const claimRows = db.transaction(
    (targetId: string, claimer: string, nowMs: number, leaseMs: number, limit: number) => {
      const rows = due.all(targetId, nowMs, nowMs, limit);
      for (const row of rows) claim.run(claimer, nowMs + leaseMs, row.seq);
      return rows.map(outboxRowFromSql);
    },
  );

  return {
    insertWithinTransaction(entries) {
      for (const entry of entries) {
        insert.run(
          entry.transitionKey,
          entry.targetId,
          entry.incidentId,
          entry.payload,
          entry.createdAtMs,
          entry.createdAtMs,
        );
      }
    },
    async claimNotifications(request) {
      // Each target polls every second: looking first, outside a write transaction, keeps an idle poll
      // from taking the write lock the chunk writer needs.
      const anyDue = guarded(path, 'read', () => due.all(request.targetId, request.nowMs, request.nowMs, 1));
      if (anyDue.length === 0) return [];
      return guarded(path, 'write to', () =>
        claimRows.immediate(request.targetId, request.claimer, request.nowMs, request.leaseMs, request.limit),
      );
    },
    async settleNotification(s) {
      const settledAtMs = s.state === 'pending' ? null : s.nowMs;
      const result = guarded(path, 'write to', () =>
        settle.run(
          s.state,
          s.attempts,
          s.nextAttemptAtMs,
          s.lastError,
          settledAtMs,
          s.transitionKey,
          s.targetId,
          s.claimer,
        ),
      );
      return result.changes > 0;
    },
    async releaseNotifications(claimer) {
      return guarded(path, 'write to', () => release.run(claimer).changes);
    },
    async listNotifications(incidentId) {
      return guarded(path, 'read', () => list.all(incidentId).map(outboxRowFromSql));
    },
    async pruneNotifications(olderThanMs) {
      return guarded(path, 'write to', () => prune.run(olderThanMs, olderThanMs).changes);
    },
  };
}
