/**
 * The notification outbox in PostgreSQL (notification-outbox.ts has the contract; postgres-schema.ts step 2).
 * Claims take rows with `FOR UPDATE SKIP LOCKED`, so nodes claiming at once get different rows and never
 * wait on each other; a row another node claimed a moment ago is re-checked against its new claim.
 */
import type pg from 'pg';
import type { NotificationOutboxStore, OutboxEntry } from './notification-outbox.js';
import { outboxColumns, outboxRowFromSql, type OutboxSqlRow } from './sqlite-outbox.js';

export const insertOutboxSql = `
  INSERT INTO notification_outbox (transition_key, target_id, incident_id, payload, state, attempts,
    created_at_ms, next_attempt_at_ms)
  SELECT transition_key, target_id, incident_id, payload, 'pending', 0, created_at_ms, created_at_ms
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::float8[])
    AS batch (transition_key, target_id, incident_id, payload, created_at_ms)
  ON CONFLICT (transition_key, target_id) DO NOTHING`;

export function insertOutboxValues(entries: readonly OutboxEntry[]): unknown[] {
  return [
    entries.map((entry) => entry.transitionKey),
    entries.map((entry) => entry.targetId),
    entries.map((entry) => entry.incidentId),
    entries.map((entry) => entry.payload),
    entries.map((entry) => entry.createdAtMs),
  ];
}

const claimSql = `
  UPDATE notification_outbox SET claimed_by = $1, claimed_until_ms = $3
  WHERE seq IN (
    SELECT c.seq FROM notification_outbox AS c
    WHERE c.target_id = $2 AND c.state = 'pending' AND c.next_attempt_at_ms <= $4
      AND (c.claimed_until_ms IS NULL OR c.claimed_until_ms <= $4)
      AND NOT EXISTS (SELECT 1 FROM notification_outbox AS e WHERE e.target_id = c.target_id
        AND e.incident_id = c.incident_id AND e.state = 'pending' AND e.seq < c.seq)
    ORDER BY c.seq LIMIT $5
    FOR UPDATE SKIP LOCKED)
  RETURNING ${outboxColumns}`;

const settleSql = `
  UPDATE notification_outbox SET state = $1, attempts = $2, next_attempt_at_ms = $3, last_error = $4,
    settled_at_ms = $5, claimed_by = NULL, claimed_until_ms = NULL
  WHERE transition_key = $6 AND target_id = $7 AND claimed_by = $8`;

type Guard = <T>(operation: () => Promise<T>) => Promise<T>;

export function postgresOutbox(pool: pg.Pool, read: Guard, write: Guard): NotificationOutboxStore {
  return {
    async claimNotifications(claim) {
      const result = await write(() =>
        pool.query<OutboxSqlRow>(claimSql, [
          claim.claimer,
          claim.targetId,
          claim.nowMs + claim.leaseMs,
          claim.nowMs,
          claim.limit,
        ]),
      );
      return result.rows.map(outboxRowFromSql).sort((a, b) => a.seq - b.seq);
    },
    async settleNotification(s) {
      const settledAtMs = s.state === 'pending' ? null : s.nowMs;
      const result = await write(() =>
        pool.query(settleSql, [
          s.state,
          s.attempts,
          s.nextAttemptAtMs,
          s.lastError,
          settledAtMs,
          s.transitionKey,
          s.targetId,
          s.claimer,
        ]),
      );
      return (result.rowCount ?? 0) > 0;
    },
    async releaseNotifications(claimer) {
      const result = await write(() =>
        pool.query(
          `UPDATE notification_outbox SET claimed_by = NULL, claimed_until_ms = NULL
           WHERE claimed_by = $1 AND state = 'pending'`,
          [claimer],
        ),
      );
      return result.rowCount ?? 0;
    },
    async listNotifications(incidentId) {
      const result = await read(() =>
        pool.query<OutboxSqlRow>(
          `SELECT ${outboxColumns} FROM notification_outbox WHERE incident_id = $1 ORDER BY seq`,
          [incidentId],
        ),
      );
      return result.rows.map(outboxRowFromSql);
    },
    async pruneNotifications(olderThanMs) {
      const result = await write(() =>
        pool.query(
          `DELETE FROM notification_outbox
           WHERE (state <> 'pending' AND settled_at_ms < $1) OR (state = 'pending' AND created_at_ms < $1)`,
          [olderThanMs],
        ),
      );
      return result.rowCount ?? 0;
    },
  };
}
