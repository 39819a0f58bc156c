/**
 * The SQLite schema as a list of migration steps. Step N takes a database from version N-1 to N; a released
 * step is never edited, a change is a new step appended to the list.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { StreamqcError } from '../errors/streamqc-error.js';

export const migrations: readonly string[] = [
  // 1: the first schema.
  `
  CREATE TABLE channels (
    id TEXT PRIMARY KEY,
    spec TEXT NOT NULL
  );

  -- A rowid table (not WITHOUT ROWID): rows arrive in time order, so they append at the end of the table,
  -- and the primary key index stays small next to rows of about 600 bytes.
  CREATE TABLE chunks (
    channel_id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    chunk_index INTEGER NOT NULL,
    started_at_ms INTEGER NOT NULL,
    duration_seconds REAL NOT NULL,
    measurements TEXT NOT NULL,
    PRIMARY KEY (channel_id, session_id, chunk_index)
  );
  -- Serves both the per-channel time query and pruning (see pruneChunks), so no index on time alone.
  CREATE INDEX chunks_by_channel_time ON chunks (channel_id, started_at_ms);

  CREATE TABLE incidents (
    id TEXT PRIMARY KEY,
    channel_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    severity TEXT NOT NULL,
    state TEXT NOT NULL,
    started_at_ms INTEGER NOT NULL,
    raised_at_ms INTEGER NOT NULL,
    closed_at_ms INTEGER,
    acknowledged_at_ms INTEGER,
    acknowledged_by TEXT,
    channel INTEGER,
    details TEXT NOT NULL,
    thumbnail_path TEXT,
    clip_path TEXT
  );
  CREATE INDEX incidents_by_time ON incidents (started_at_ms);
  CREATE INDEX incidents_by_channel_time ON incidents (channel_id, started_at_ms);
  CREATE INDEX incidents_by_state_time ON incidents (state, started_at_ms);
  `,
  // 2: the notification outbox (notification-outbox.ts): one row per incident transition and target.
  `
  CREATE TABLE notification_outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    transition_key TEXT NOT NULL,
    target_id TEXT NOT NULL,
    incident_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    created_at_ms INTEGER NOT NULL,
    next_attempt_at_ms INTEGER NOT NULL,
    claimed_by TEXT,
    claimed_until_ms INTEGER,
    settled_at_ms INTEGER,
    last_error TEXT,
    UNIQUE (transition_key, target_id)
  );
  -- The claim: a target's pending rows in order; the partial index holds only what is still to send.
  CREATE INDEX notification_outbox_pending ON notification_outbox (target_id, seq) WHERE state = 'pending';
  CREATE INDEX notification_outbox_by_incident ON notification_outbox (incident_id, seq);
  `,
];

export const schemaVersion = migrations.length;

/**
 * Brings the database to `schemaVersion` in one write transaction: a crash halfway leaves the old version,
 * and two processes opening the same file at once apply each step only once.
 */
export function migrate(db: BetterSqlite3.Database, path: string): void {
  db.transaction(() => {
    db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at_ms INTEGER NOT NULL)',
    );
    const current =
      db
        .prepare<[], { version: number | null }>('SELECT MAX(version) AS version FROM schema_migrations')
        .get()?.version ?? 0;
    if (current > schemaVersion) {
      throw new StreamqcError(
        'STORE_FAILED',
        `cannot open store '${path}': its schema version ${current} is newer than this streamqc (${schemaVersion})`,
      );
    }
    const record = db.prepare<[number, number]>(
      'INSERT INTO schema_migrations (version, applied_at_ms) VALUES (?, ?)',
    );
    for (let version = current + 1; version <= schemaVersion; version += 1) {
      db.exec(migrations[version - 1] ?? '');
      record.run(version, Date.now());
    }
  }).immediate();
}
