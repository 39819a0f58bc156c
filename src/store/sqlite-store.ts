/**
 * The embedded result store: one SQLite file, nothing to install. WAL lets readers (the HTTP API, a CLI in
 * another process) run while the service writes; synchronous=NORMAL commits without an fsync per
 * transaction, which loses nothing when the process dies and at most the last transactions on power loss.
 * better-sqlite3 is synchronous: each method does its work at once and returns a settled Promise, so a
 * failure is a rejection as with every backend.
 */
import { accessSync, constants, statSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { StreamqcError } from '../errors/streamqc-error.js';
import type { ChannelSpec, ChunkRecord, Incident } from '../service/model.js';
import { assertValidChunkRecord } from './chunk-record-check.js';
import type { IncidentFilter, ResultStore } from './result-store.js';
import { guarded, storeError } from './sqlite-errors.js';
import type { OutboxEntry } from './notification-outbox.js';
import { sqliteOutbox } from './sqlite-outbox.js';
import { migrate } from './sqlite-schema.js';
import {
  incidentFromRow,
  incidentToRow,
  type IncidentRow,
  listIncidentsSql,
  sqlLimit,
} from './sqlite-incident-rows.js';

export interface SqliteStoreOptions {
  /** The database file; its directory must exist. `:memory:` gives a store that lives as long as the handle. */
  readonly path: string;
  /**
   * How long a statement waits for another connection's lock before failing with a retryable error. Short,
   * because better-sqlite3 waits on the event loop's thread; the chunk writer retries later instead.
   */
  readonly busyTimeoutMs?: number;
}

const defaultBusyTimeoutMs = 1000;

interface ChunkRow {
  readonly channel_id: string;
  readonly session_id: string;
  readonly chunk_index: number;
  readonly started_at_ms: number;
  readonly duration_seconds: number;
  readonly measurements: string;
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function canAccess(path: string, mode: number): boolean {
  try {
    accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
}

/** What SQLite would report only as "unable to open database file", or later as a failed write. */
function pathProblem(path: string): string | null {
  const directory = dirname(path);
  const directoryStats = statOrUndefined(directory);
  if (directoryStats === undefined) return `directory '${directory}' does not exist`;
  if (!directoryStats.isDirectory()) return `'${directory}' is not a directory`;
  const fileStats = statOrUndefined(path);
  if (fileStats?.isDirectory() === true) return 'it is a directory';
  // SQLite opens a file it cannot write read-only without a word; the first write would fail much later.
  if (fileStats !== undefined && !canAccess(path, constants.R_OK | constants.W_OK)) {
    return 'the file is read-only or unreadable';
  }
  // The -wal and -shm files are created beside the database.
  if (!canAccess(directory, constants.W_OK)) return `directory '${directory}' is not writable`;
  return null;
}

function openDatabase(path: string, busyTimeoutMs: number): Database.Database {
  const problem = path === ':memory:' ? null : pathProblem(path);
  if (problem !== null) throw new StreamqcError('STORE_FAILED', `cannot open store '${path}': ${problem}`);
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { timeout: busyTimeoutMs });
    // Rows of ~650 bytes waste less of an 8 KiB page than of a 4 KiB one: measured 844 against 918 bytes of
    // file per chunk row. Takes effect only when the file is created.
    db.pragma('page_size = 8192');
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (path !== ':memory:' && mode !== 'wal') {
      throw new StreamqcError(
        'STORE_FAILED',
        `cannot open store '${path}': cannot use WAL mode (got ${String(mode)})`,
      );
    }
    db.pragma('synchronous = NORMAL');
    migrate(db, path);
    return db;
  } catch (error) {
    db?.close();
    throw storeError(error, path, 'open');
  }
}

function chunkFromRow(row: ChunkRow): ChunkRecord {
  return {
    channelId: row.channel_id,
    sessionId: row.session_id,
    chunkIndex: row.chunk_index,
    startedAtMs: row.started_at_ms,
    durationSeconds: row.duration_seconds,
    measurements: JSON.parse(row.measurements) as Record<string, unknown>,
  };
}

export function openSqliteStore(options: SqliteStoreOptions): ResultStore {
  const { path } = options;
  const db = openDatabase(path, options.busyTimeoutMs ?? defaultBusyTimeoutMs);

  // Prepared once: compiling SQL costs more than running these small statements.
  const saveChannel = db.prepare<[string, string]>(
    'INSERT INTO channels (id, spec) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET spec = excluded.spec',
  );
  const deleteChannel = db.prepare<[string]>('DELETE FROM channels WHERE id = ?');
  const listChannels = db.prepare<[], { spec: string }>('SELECT spec FROM channels ORDER BY id');
  // DO NOTHING on the key only: unlike INSERT OR IGNORE it does not also skip rows that break NOT NULL.
  const insertChunk = db.prepare<[string, string, number, number, number, string]>(
    `INSERT INTO chunks (channel_id, session_id, chunk_index, started_at_ms, duration_seconds, measurements)
     VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (channel_id, session_id, chunk_index) DO NOTHING`,
  );
  const queryChunks = db.prepare<[string, number, number, number], ChunkRow>(
    `SELECT * FROM chunks WHERE channel_id = ? AND started_at_ms >= ? AND started_at_ms < ?
     ORDER BY started_at_ms LIMIT ?`,
  );
  // Deleting by time alone would scan the whole table (the index leads with the channel). The recursive CTE
  // walks the distinct channel ids through that index, so each channel's old rows are one index range.
  const pruneChunks = db.prepare<[number]>(
    `WITH RECURSIVE channel_ids(id) AS (
       SELECT (SELECT MIN(channel_id) FROM chunks)
       UNION ALL
       SELECT (SELECT MIN(channel_id) FROM chunks WHERE channel_id > channel_ids.id)
       FROM channel_ids WHERE channel_ids.id IS NOT NULL
     )
     DELETE FROM chunks WHERE channel_id IN (SELECT id FROM channel_ids) AND started_at_ms < ?`,
  );
  const saveIncident = db.prepare<[IncidentRow]>(
    `INSERT OR REPLACE INTO incidents (id, channel_id, kind, severity, state, started_at_ms, raised_at_ms,
       closed_at_ms, acknowledged_at_ms, acknowledged_by, channel, details, thumbnail_path, clip_path)
     VALUES (@id, @channel_id, @kind, @severity, @state, @started_at_ms, @raised_at_ms, @closed_at_ms,
       @acknowledged_at_ms, @acknowledged_by, @channel, @details, @thumbnail_path, @clip_path)`,
  );
  const getIncident = db.prepare<[string], IncidentRow>('SELECT * FROM incidents WHERE id = ?');
  // One statement per combination of filters actually used (at most 32), each prepared on first use, so
  // every combination gets a plan that uses its index.
  const listIncidentStatements = new Map<
    string,
    Database.Statement<[Record<string, unknown>], IncidentRow>
  >();

  const writeChunks = db.transaction((records: readonly ChunkRecord[]) => {
    for (const record of records) {
      insertChunk.run(
        record.channelId,
        record.sessionId,
        record.chunkIndex,
        record.startedAtMs,
        record.durationSeconds,
        JSON.stringify(record.measurements),
      );
    }
  });

  const { insertWithinTransaction: insertNotifications, ...outbox } = sqliteOutbox(db, path);
  const saveIncidentWithNotifications = db.transaction(
    (incident: Incident, notifications: readonly OutboxEntry[]) => {
      saveIncident.run(incidentToRow(incident));
      insertNotifications(notifications);
    },
  );

  let closed = false;

  return {
    async saveChannel(channel: ChannelSpec): Promise<void> {
      guarded(path, 'write to', () => saveChannel.run(channel.id, JSON.stringify(channel)));
    },
    async deleteChannel(channelId: string): Promise<void> {
      guarded(path, 'write to', () => deleteChannel.run(channelId));
    },
    async listChannels(): Promise<ChannelSpec[]> {
      return guarded(path, 'read', () =>
        listChannels.all().map((row) => JSON.parse(row.spec) as ChannelSpec),
      );
    },
    async writeChunks(records: readonly ChunkRecord[]): Promise<void> {
      if (records.length === 0) return;
      records.forEach(assertValidChunkRecord);
      guarded(path, 'write to', () => writeChunks.immediate(records));
    },
    async queryChunks(
      channelId: string,
      fromMs: number,
      toMs: number,
      limit?: number,
    ): Promise<ChunkRecord[]> {
      const rows = guarded(path, 'read', () => queryChunks.all(channelId, fromMs, toMs, sqlLimit(limit)));
      return rows.map(chunkFromRow);
    },
    async saveIncident(incident: Incident, notifications: readonly OutboxEntry[] = []): Promise<void> {
      guarded(path, 'write to', () => saveIncidentWithNotifications.immediate(incident, notifications));
    },
    async getIncident(id: string): Promise<Incident | null> {
      const row = guarded(path, 'read', () => getIncident.get(id));
      return row === undefined ? null : incidentFromRow(row);
    },
    async listIncidents(filter: IncidentFilter): Promise<Incident[]> {
      const { sql, key, parameters } = listIncidentsSql(filter);
      return guarded(path, 'read', () => {
        let statement = listIncidentStatements.get(key);
        if (statement === undefined) {
          statement = db.prepare<[Record<string, unknown>], IncidentRow>(sql);
          listIncidentStatements.set(key, statement);
        }
        return statement.all(parameters).map(incidentFromRow);
      });
    },
    async pruneChunks(olderThanMs: number): Promise<number> {
      return guarded(path, 'write to', () => pruneChunks.run(olderThanMs).changes);
    },
    ...outbox,
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      // Closing the last connection checkpoints the WAL into the database file and removes it.
      guarded(path, 'write to', () => db.close());
    },
  };
}
