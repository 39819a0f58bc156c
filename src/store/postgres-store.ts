/**
 * The shared result store: PostgreSQL through a pg connection pool, for many monitors and API nodes on one
 * database. Same schema, keys and answers as the SQLite store (one conformance suite runs over both).
 *
 * A batch of chunk rows is one INSERT whatever its size: the columns go as six arrays and `unnest` turns
 * them back into rows, so the statement text never changes (prepared once per connection) and a batch of
 * 500 rows is one round trip and one implicit transaction (all or nothing).
 */
import pg from 'pg';
import { StreamqcError } from '../errors/streamqc-error.js';
import { redactUrl, type ChannelSpec, type ChunkRecord, type Incident } from '../service/model.js';
import { assertValidChunkRecord } from './chunk-record-check.js';
import { guardedQuery, postgresStoreError } from './postgres-errors.js';
import { postgresStoreDefaults, schemaNamePattern, type PostgresStoreOptions } from './postgres-options.js';
import type { OutboxEntry } from './notification-outbox.js';
import { insertOutboxSql, insertOutboxValues, postgresOutbox } from './postgres-outbox.js';
import { migratePostgres } from './postgres-schema.js';
import type { IncidentFilter, ResultStore } from './result-store.js';

export type { PostgresStoreOptions } from './postgres-options.js';
import { incidentFromRow, incidentToRow, type IncidentRow } from './sqlite-incident-rows.js';

interface ChunkRow {
  readonly channel_id: string;
  readonly session_id: string;
  readonly chunk_index: number;
  readonly started_at_ms: number;
  readonly duration_seconds: number;
  readonly measurements: Record<string, unknown>;
}

const insertChunksSql = `
  INSERT INTO chunks (channel_id, session_id, chunk_index, started_at_ms, duration_seconds, measurements)
  SELECT channel_id, session_id, chunk_index, started_at_ms, duration_seconds, measurements::jsonb
  FROM unnest($1::text[], $2::text[], $3::integer[], $4::float8[], $5::float8[], $6::text[])
    AS batch (channel_id, session_id, chunk_index, started_at_ms, duration_seconds, measurements)
  ON CONFLICT (channel_id, session_id, chunk_index) DO NOTHING`;

// Walks the distinct channel ids through the (channel_id, started_at_ms) index, as the SQLite store does, so
// each channel's old rows are one index range and no index on time alone is needed.
const pruneChunksSql = `
  WITH RECURSIVE channel_ids(id) AS (
    SELECT (SELECT MIN(channel_id) FROM chunks)
    UNION ALL
    SELECT (SELECT MIN(channel_id) FROM chunks WHERE channel_id > channel_ids.id)
    FROM channel_ids WHERE channel_ids.id IS NOT NULL
  )
  DELETE FROM chunks WHERE channel_id IN (SELECT id FROM channel_ids) AND started_at_ms < $1`;

// details as text, so the row is the SQLite row and one conversion serves both backends.
const incidentColumns = `id, channel_id, kind, severity, state, started_at_ms, raised_at_ms, closed_at_ms,
  acknowledged_at_ms, acknowledged_by, channel, details::text AS details, thumbnail_path, clip_path`;

const saveIncidentSql = `
  INSERT INTO incidents (id, channel_id, kind, severity, state, started_at_ms, raised_at_ms, closed_at_ms,
    acknowledged_at_ms, acknowledged_by, channel, details, thumbnail_path, clip_path)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13, $14)
  ON CONFLICT (id) DO UPDATE SET channel_id = excluded.channel_id, kind = excluded.kind,
    severity = excluded.severity, state = excluded.state, started_at_ms = excluded.started_at_ms,
    raised_at_ms = excluded.raised_at_ms, closed_at_ms = excluded.closed_at_ms,
    acknowledged_at_ms = excluded.acknowledged_at_ms, acknowledged_by = excluded.acknowledged_by,
    channel = excluded.channel, details = excluded.details, thumbnail_path = excluded.thumbnail_path,
    clip_path = excluded.clip_path`;

/** PostgreSQL reads LIMIT NULL as none and rejects a fraction; callers may pass either. */
function pgLimit(limit: number | undefined): number | null {
  return limit === undefined ? null : Math.max(0, Math.floor(limit));
}

/** The listing query for a filter, with one numbered parameter per field that is set. */
function listIncidentsQuery(filter: IncidentFilter): { text: string; values: unknown[] } {
  const conditions: string[] = [];
  const values: unknown[] = [];
  const add = (sql: string, value: unknown): void => {
    values.push(value);
    conditions.push(sql.replace('?', `$${values.length}`));
  };
  if (filter.channelId !== undefined) add('channel_id = ?', filter.channelId);
  if (filter.state !== undefined) add('state = ?', filter.state);
  if (filter.kind !== undefined) add('kind = ?', filter.kind);
  if (filter.sinceMs !== undefined) add('started_at_ms >= ?', filter.sinceMs);
  if (filter.untilMs !== undefined) add('started_at_ms < ?', filter.untilMs);
  const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
  values.push(pgLimit(filter.limit));
  return {
    text: `SELECT ${incidentColumns} FROM incidents ${where} ORDER BY started_at_ms DESC, id DESC LIMIT $${values.length}`,
    values,
  };
}

function chunkFromRow(row: ChunkRow): ChunkRecord {
  return {
    channelId: row.channel_id,
    sessionId: row.session_id,
    chunkIndex: row.chunk_index,
    startedAtMs: row.started_at_ms,
    durationSeconds: row.duration_seconds,
    measurements: row.measurements,
  };
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new StreamqcError('BAD_CONFIG', `${name} must be an integer >= 1, got ${value}`);
  }
  return value;
}

/**
 * Connects, brings the schema up to date and resolves with the store; rejects with a one-line StreamqcError
 * (the URL without its password) when the database cannot be reached or used.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<ResultStore> {
  const name = redactUrl(options.url);
  const schema = options.schema ?? postgresStoreDefaults.schema;
  if (!schemaNamePattern.test(schema)) {
    throw new StreamqcError(
      'BAD_CONFIG',
      `store '${name}': schema must be lower-case letters, digits and _ (at most 63), got '${schema}'`,
    );
  }
  let pool: pg.Pool;
  try {
    pool = new pg.Pool({
      connectionString: options.url,
      max: positiveInteger('maxConnections', options.maxConnections ?? postgresStoreDefaults.maxConnections),
      connectionTimeoutMillis: options.connectTimeoutMs ?? postgresStoreDefaults.connectTimeoutMs,
      statement_timeout: options.statementTimeoutMs ?? postgresStoreDefaults.statementTimeoutMs,
      // Shows in pg_stat_activity which deployment (schema) a connection serves.
      application_name: `streamqc/${schema}`,
      // Idle connections do not keep a process alive that has nothing else to do (a CLI after an error).
      allowExitOnIdle: true,
      // Every connection resolves table names in the schema: two deployments (or test runs) share a
      // database without seeing each other's rows.
      options: `-c search_path=${schema}`,
    });
  } catch (error) {
    // A URL pg cannot parse; its message may quote the URL, so it is not passed on.
    throw new StreamqcError('BAD_CONFIG', `store '${name}': not a valid PostgreSQL URL`, { cause: error });
  }
  // An idle connection that breaks (server restart) is dropped by the pool; the next query reconnects or
  // fails and is reported there. Without a listener the error would end the process.
  pool.on('error', () => undefined);

  try {
    const client = await pool.connect();
    try {
      await migratePostgres(client, schema, name);
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw postgresStoreError(error, name, 'open');
  }

  const read = <T>(operation: () => Promise<T>): Promise<T> => guardedQuery(name, 'read', operation);
  const write = <T>(operation: () => Promise<T>): Promise<T> => guardedQuery(name, 'write to', operation);
  let closing: Promise<void> | null = null;

  return {
    async saveChannel(channel: ChannelSpec): Promise<void> {
      await write(() =>
        pool.query(
          'INSERT INTO channels (id, spec) VALUES ($1, $2::jsonb) ON CONFLICT (id) DO UPDATE SET spec = excluded.spec',
          [channel.id, JSON.stringify(channel)],
        ),
      );
    },
    async deleteChannel(channelId: string): Promise<void> {
      await write(() => pool.query('DELETE FROM channels WHERE id = $1', [channelId]));
    },
    async listChannels(): Promise<ChannelSpec[]> {
      const result = await read(() =>
        pool.query<{ spec: ChannelSpec }>('SELECT spec FROM channels ORDER BY id'),
      );
      return result.rows.map((row) => row.spec);
    },
    async writeChunks(records: readonly ChunkRecord[]): Promise<void> {
      if (records.length === 0) return;
      records.forEach(assertValidChunkRecord);
      await write(() =>
        pool.query({
          name: 'streamqc-insert-chunks',
          text: insertChunksSql,
          values: [
            records.map((record) => record.channelId),
            records.map((record) => record.sessionId),
            records.map((record) => record.chunkIndex),
            records.map((record) => record.startedAtMs),
            records.map((record) => record.durationSeconds),
            records.map((record) => JSON.stringify(record.measurements)),
          ],
        }),
      );
    },
    async queryChunks(
      channelId: string,
      fromMs: number,
      toMs: number,
      limit?: number,
    ): Promise<ChunkRecord[]> {
      const result = await read(() =>
        pool.query<ChunkRow>({
          name: 'streamqc-query-chunks',
          text: `SELECT channel_id, session_id, chunk_index, started_at_ms, duration_seconds, measurements
                 FROM chunks WHERE channel_id = $1 AND started_at_ms >= $2 AND started_at_ms < $3
                 ORDER BY started_at_ms LIMIT $4`,
          values: [channelId, fromMs, toMs, pgLimit(limit)],
        }),
      );
      return result.rows.map(chunkFromRow);
    },
    async saveIncident(incident: Incident, notifications: readonly OutboxEntry[] = []): Promise<void> {
      const row = incidentToRow(incident);
      const saveQuery = {
        name: 'streamqc-save-incident',
        text: saveIncidentSql,
        values: [
          row.id,
          row.channel_id,
          row.kind,
          row.severity,
          row.state,
          row.started_at_ms,
          row.raised_at_ms,
          row.closed_at_ms,
          row.acknowledged_at_ms,
          row.acknowledged_by,
          row.channel,
          row.details,
          row.thumbnail_path,
          row.clip_path,
        ],
      };
      if (notifications.length === 0) {
        await write(() => pool.query(saveQuery));
        return;
      }
      // The incident and its outbox rows in one transaction: a notification exists only with its incident.
      await write(async () => {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          await client.query(saveQuery);
          await client.query(insertOutboxSql, insertOutboxValues(notifications));
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        } finally {
          client.release();
        }
      });
    },
    async getIncident(id: string): Promise<Incident | null> {
      const result = await read(() =>
        pool.query<IncidentRow>(`SELECT ${incidentColumns} FROM incidents WHERE id = $1`, [id]),
      );
      const row = result.rows[0];
      return row === undefined ? null : incidentFromRow(row);
    },
    async listIncidents(filter: IncidentFilter): Promise<Incident[]> {
      const result = await read(() => pool.query<IncidentRow>(listIncidentsQuery(filter)));
      return result.rows.map(incidentFromRow);
    },
    async pruneChunks(olderThanMs: number): Promise<number> {
      const result = await write(() => pool.query(pruneChunksSql, [olderThanMs]));
      return result.rowCount ?? 0;
    },
    ...postgresOutbox(pool, read, write),
    close(): Promise<void> {
      closing ??= pool.end().catch((error: unknown) => {
        throw postgresStoreError(error, name, 'write to');
      });
      return closing;
    },
  };
}
