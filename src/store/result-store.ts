/**
 * Where `streamqc run` keeps its results. One interface, one conformance suite
 * (src/store/result-store.conformance.ts) that every backend passes: SQLite now, PostgreSQL later.
 */
import type { ChannelSpec, ChunkRecord, Incident } from '../service/model.js';

export interface IncidentFilter {
  readonly channelId?: string;
  readonly state?: 'open' | 'closed';
  readonly kind?: string;
  readonly sinceMs?: number;
  readonly untilMs?: number;
  readonly limit?: number;
}

export interface ResultStore {
  /** Channels added at runtime survive a restart. */
  saveChannel(channel: ChannelSpec): void;
  deleteChannel(channelId: string): void;
  listChannels(): ChannelSpec[];
  /**
   * Writes many chunk rows in one transaction. Writing a row again (same channel, session, chunk index) is
   * ignored, so a retried batch never duplicates.
   */
  writeChunks(records: readonly ChunkRecord[]): void;
  queryChunks(channelId: string, fromMs: number, toMs: number, limit?: number): ChunkRecord[];
  /** Inserts or replaces an incident by id. */
  saveIncident(incident: Incident): void;
  getIncident(id: string): Incident | null;
  listIncidents(filter: IncidentFilter): Incident[];
  /** Deletes chunk rows older than `olderThanMs` (wall clock); incidents are kept. Returns rows deleted. */
  pruneChunks(olderThanMs: number): number;
  close(): void;
}
