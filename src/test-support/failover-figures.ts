/**
 * The fail-over test's figures, from what the workers stored: when a killed worker's channels were analysed
 * again, how many seconds are missing, and whether any second or incident was produced twice. Pure
 * functions over stored rows, so the same figures come from per-worker SQLite files or one shared store.
 */
import type { ChunkRecord, Incident } from '../service/model.js';

/** The worker of a row that belongs to the channel rather than one worker (an incident in a shared store). */
export const anyWorker = '*';

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

/**
 * How a channel came back after its owner was killed, paused or stopped at `eventAtMs`: the first chunk of
 * any other decode session (another worker's, or the same worker's after it resumed and claimed again).
 */
export function takeover(
  channelId: string,
  chunks: readonly Stored<ChunkRecord>[],
  oldOwnerId: string,
  eventAtMs: number,
): ChannelTakeover {
  const rows = chunks
    .filter((c) => c.row.channelId === channelId)
    .sort((a, b) => a.row.startedAtMs - b.row.startedAtMs);
  const sessionOf = (c: Stored<ChunkRecord>) => `${c.workerId}/${c.row.sessionId}`;
  const oldSessions = new Set(
    rows.filter((c) => c.workerId === oldOwnerId && c.row.startedAtMs < eventAtMs).map(sessionOf),
  );
  const before = rows.filter((c) => oldSessions.has(sessionOf(c)) && c.row.startedAtMs < eventAtMs).at(-1);
  const after = rows.find((c) => !oldSessions.has(sessionOf(c)) && endMs(c.row) > eventAtMs);
  if (!after) return { channelId, resumedAfterSeconds: null, missingChunks: null, newOwner: null };
  return {
    channelId,
    resumedAfterSeconds: (endMs(after.row) - eventAtMs) / 1000,
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
 * left open (its worker died or lost the channel) counts until that worker's last chunk of the channel.
 */
export function duplicateIncidents(
  incidents: readonly Stored<Incident>[],
  chunks: readonly Stored<ChunkRecord>[],
): { readonly a: Stored<Incident>; readonly b: Stored<Incident> }[] {
  const lastChunkEndMs = new Map<string, number>();
  for (const c of chunks) {
    for (const key of [`${c.workerId}/${c.row.channelId}`, `${anyWorker}/${c.row.channelId}`])
      lastChunkEndMs.set(key, Math.max(lastChunkEndMs.get(key) ?? 0, endMs(c.row)));
  }
  const until = (s: Stored<Incident>) =>
    s.row.closedAtMs ?? lastChunkEndMs.get(`${s.workerId}/${s.row.channelId}`) ?? s.row.startedAtMs;
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
