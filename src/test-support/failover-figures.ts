/**
 * The fail-over test's figures, from what the workers stored: when a killed worker's channels were analysed
 * again, how many seconds are missing, and whether any second or incident was produced twice. Pure
 * functions over stored rows, so the same figures come from per-worker SQLite files or one shared store.
 */
import type { ChunkRecord, Incident } from '../service/model.js';

/** A stored row and the worker that stored it. */
export interface Stored<T> {
  readonly workerId: string;
  readonly row: T;
}

export interface ChannelTakeover {
  readonly channelId: string;
  /** Seconds from the kill until the new owner's first chunk was complete. */
  readonly resumedAfterSeconds: number | null;
  /** Whole seconds of media between the last chunk stored before and the first after. */
  readonly missingChunks: number | null;
  readonly newOwner: string | null;
}

const endMs = (record: ChunkRecord) => record.startedAtMs + record.durationSeconds * 1000;

/** How a channel of the killed worker came back on another. */
export function takeover(
  channelId: string,
  chunks: readonly Stored<ChunkRecord>[],
  killedWorkerId: string,
  killedAtMs: number,
): ChannelTakeover {
  const rows = chunks
    .filter((c) => c.row.channelId === channelId)
    .sort((a, b) => a.row.startedAtMs - b.row.startedAtMs);
  const before = rows.filter((c) => c.workerId === killedWorkerId && c.row.startedAtMs < killedAtMs).at(-1);
  const after = rows.find((c) => c.workerId !== killedWorkerId && endMs(c.row) > killedAtMs);
  if (!after) return { channelId, resumedAfterSeconds: null, missingChunks: null, newOwner: null };
  return {
    channelId,
    resumedAfterSeconds: (endMs(after.row) - killedAtMs) / 1000,
    missingChunks: before
      ? Math.max(0, Math.round((after.row.startedAtMs - endMs(before.row)) / 1000))
      : null,
    newOwner: after.workerId,
  };
}

/** Seconds of one channel analysed by two workers at once: chunks of different workers that overlap by half. */
export function doubleAnalysedChunks(chunks: readonly Stored<ChunkRecord>[]): number {
  const byChannel = new Map<string, Stored<ChunkRecord>[]>();
  for (const c of chunks) byChannel.set(c.row.channelId, [...(byChannel.get(c.row.channelId) ?? []), c]);
  let doubled = 0;
  for (const rows of byChannel.values()) {
    rows.sort((a, b) => a.row.startedAtMs - b.row.startedAtMs);
    for (let i = 1; i < rows.length; i++) {
      const previous = rows[i - 1];
      const current = rows[i];
      if (!previous || !current || previous.workerId === current.workerId) continue;
      if (endMs(previous.row) - current.row.startedAtMs > 500) doubled += 1;
    }
  }
  return doubled;
}

/**
 * Pairs of incidents of one channel and kind whose times overlap: one condition reported twice. An incident
 * still open counts until `openUntilMs` of its worker (its kill, or the end of the run).
 */
export function duplicateIncidents(
  incidents: readonly Stored<Incident>[],
  openUntilMs: (workerId: string) => number,
): { readonly a: Stored<Incident>; readonly b: Stored<Incident> }[] {
  const until = (s: Stored<Incident>) => s.row.closedAtMs ?? openUntilMs(s.workerId);
  const found: { a: Stored<Incident>; b: Stored<Incident> }[] = [];
  for (let i = 0; i < incidents.length; i++) {
    for (let j = i + 1; j < incidents.length; j++) {
      const a = incidents[i];
      const b = incidents[j];
      if (!a || !b || a.row.channelId !== b.row.channelId || a.row.kind !== b.row.kind) continue;
      if (a.row.channel !== b.row.channel || a.row.id === b.row.id) continue;
      if (a.row.startedAtMs < until(b) && b.row.startedAtMs < until(a)) found.push({ a, b });
    }
  }
  return found;
}
