/**
 * The PostgreSQL schema as a list of migration steps, the same tables, keys and indexes as SQLite's
 * (sqlite-schema.ts). Step N takes a schema from version N-1 to N; a released step is never edited, a change
 * is a new step appended to the list (in both files, so the backends stay alike).
 *
 * Types: times in ms are `double precision` (a JS number, fractions kept, as SQLite's REAL-capable INTEGER
 * column keeps them); figures are `jsonb`; ids use the "C" collation so they sort byte-wise as in SQLite,
 * whatever the database's locale.
 */
import type { PoolClient } from 'pg';
import { StreamqcError } from '../errors/streamqc-error.js';
import { schemaNamePattern } from './postgres-options.js';

export const postgresMigrations: readonly string[] = [
  // 1: the first schema.
  `
  CREATE TABLE channels (
    id text COLLATE "C" PRIMARY KEY,
    spec jsonb NOT NULL
  );

  CREATE TABLE chunks (
    channel_id text COLLATE "C" NOT NULL,
    session_id text COLLATE "C" NOT NULL,
    chunk_index integer NOT NULL,
    started_at_ms double precision NOT NULL,
    duration_seconds double precision NOT NULL,
    measurements jsonb NOT NULL,
    PRIMARY KEY (channel_id, session_id, chunk_index)
  );
  -- Serves both the per-channel time query and pruning (see pruneChunks), so no index on time alone.
  CREATE INDEX chunks_by_channel_time ON chunks (channel_id, started_at_ms);

  CREATE TABLE incidents (
    id text COLLATE "C" PRIMARY KEY,
    channel_id text COLLATE "C" NOT NULL,
    kind text NOT NULL,
    severity text NOT NULL,
    state text NOT NULL,
    started_at_ms double precision NOT NULL,
    raised_at_ms double precision NOT NULL,
    closed_at_ms double precision,
    acknowledged_at_ms double precision,
    acknowledged_by text,
    channel integer,
    details jsonb NOT NULL,
    thumbnail_path text,
    clip_path text
  );
  CREATE INDEX incidents_by_time ON incidents (started_at_ms);
  CREATE INDEX incidents_by_channel_time ON incidents (channel_id, started_at_ms);
  CREATE INDEX incidents_by_state_time ON incidents (state, started_at_ms);
  `,
  // 2: the notification outbox (notification-outbox.ts): one row per incident transition and target.
  `
  CREATE TABLE notification_outbox (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transition_key text COLLATE "C" NOT NULL,
    target_id text COLLATE "C" NOT NULL,
    incident_id text COLLATE "C" NOT NULL,
    payload text NOT NULL,
    state text NOT NULL,
    attempts integer NOT NULL,
    created_at_ms double precision NOT NULL,
    next_attempt_at_ms double precision NOT NULL,
    claimed_by text,
    claimed_until_ms double precision,
    settled_at_ms double precision,
    last_error text,
    UNIQUE (transition_key, target_id)
  );
  CREATE INDEX notification_outbox_pending ON notification_outbox (target_id, seq) WHERE state = 'pending';
  CREATE INDEX notification_outbox_by_incident ON notification_outbox (incident_id, seq);
  `,
];

export const postgresSchemaVersion = postgresMigrations.length;

/**
 * Brings `schema` to `postgresSchemaVersion` in one transaction, under an advisory lock held until commit:
 * many nodes starting at once against one database apply each step exactly once, and a crash halfway
 * leaves the old version.
 */
export async function migratePostgres(client: PoolClient, schema: string, name: string): Promise<void> {
  if (!schemaNamePattern.test(schema)) throw new Error(`invalid schema name '${schema}'`);
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`streamqc-migrate:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(`SET LOCAL search_path TO ${schema}`);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at_ms double precision NOT NULL)',
    );
    const result = await client.query<{ version: number | null }>(
      'SELECT MAX(version) AS version FROM schema_migrations',
    );
    const current = result.rows[0]?.version ?? 0;
    if (current > postgresSchemaVersion) {
      throw new StreamqcError(
        'STORE_FAILED',
        `cannot open store '${name}': its schema version ${current} is newer than this streamqc (${postgresSchemaVersion})`,
      );
    }
    for (let version = current + 1; version <= postgresSchemaVersion; version += 1) {
      await client.query(postgresMigrations[version - 1] ?? '');
      await client.query('INSERT INTO schema_migrations (version, applied_at_ms) VALUES ($1, $2)', [
        version,
        Date.now(),
      ]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
