/**
 * Where `streamqc run` keeps its results. One interface, one conformance suite
 * (src/store/result-store.conformance.ts) that every backend passes: memory, SQLite and PostgreSQL.
 * Every method returns a Promise (PostgreSQL answers over the network); a failure is a rejection.
 */
import type { ChannelSpec, ChunkRecord, Incident } from '../service/model.js';
import type { NotificationOutboxStore, OutboxEntry } from './notification-outbox.js';

/** Every field that is set must match. The time window is on `startedAtMs`: sinceMs <= t < untilMs. */
export interface IncidentFilter {
  readonly channelId?: string;
  readonly state?: 'open' | 'closed';
  readonly kind?: string;
  readonly sinceMs?: number;
  readonly untilMs?: number;
  readonly limit?: number;
}

export interface ResultStore extends NotificationOutboxStore {
  /** Channels added at runtime survive a restart. */
  saveChannel(channel: ChannelSpec): Promise<void>;
  /** Removes the channel only: its chunks stay until pruned, its incidents stay (history). */
  deleteChannel(channelId: string): Promise<void>;
  /** Ordered by id. */
  listChannels(): Promise<ChannelSpec[]>;
  /**
   * Writes many chunk rows in one transaction. Writing a row again (same channel, session, chunk index) is
   * ignored (the first write wins), so a retried batch never duplicates. A failed call writes none of them.
   */
  writeChunks(records: readonly ChunkRecord[]): Promise<void>;
  /** Rows with fromMs <= startedAtMs < toMs, oldest first; `limit` keeps the oldest rows. */
  queryChunks(channelId: string, fromMs: number, toMs: number, limit?: number): Promise<ChunkRecord[]>;
  /**
   * Inserts or replaces an incident by id, and in the same transaction adds its notification outbox rows
   * (notification-outbox.ts); a row whose (transition key, target) is already there is left as it is.
   */
  saveIncident(incident: Incident, notifications?: readonly OutboxEntry[]): Promise<void>;
  getIncident(id: string): Promise<Incident | null>;
  /** Newest `startedAtMs` first (ties: id descending); `limit` keeps the newest. */
  listIncidents(filter: IncidentFilter): Promise<Incident[]>;
  /** Deletes chunk rows older than `olderThanMs` (wall clock); incidents are kept. Returns rows deleted. */
  pruneChunks(olderThanMs: number): Promise<number>;
  /** Safe to call more than once. */
  close(): Promise<void>;
}
