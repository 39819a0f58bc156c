/**
 * Rejects a malformed chunk record where it is made. Checked before buffering, a bad row fails its producer
 * at once instead of failing every later batch it would sit in (a poison row that blocks all writes).
 */
import type { ChunkRecord } from '../service/model.js';

function problemWith(record: ChunkRecord): string | null {
  if (typeof record.channelId !== 'string' || record.channelId === '')
    return 'channelId must be a non-empty string';
  if (typeof record.sessionId !== 'string' || record.sessionId === '')
    return 'sessionId must be a non-empty string';
  if (!Number.isSafeInteger(record.chunkIndex) || record.chunkIndex < 0) {
    return `chunkIndex must be an integer >= 0, got ${String(record.chunkIndex)}`;
  }
  if (!Number.isFinite(record.startedAtMs))
    return `startedAtMs must be a finite number, got ${String(record.startedAtMs)}`;
  if (!Number.isFinite(record.durationSeconds) || record.durationSeconds < 0) {
    return `durationSeconds must be a finite number >= 0, got ${String(record.durationSeconds)}`;
  }
  if (
    typeof record.measurements !== 'object' ||
    record.measurements === null ||
    Array.isArray(record.measurements)
  ) {
    return 'measurements must be an object';
  }
  return null;
}

/** Throws a TypeError (a bug in the producer, not an operational failure) naming the row and the field. */
export function assertValidChunkRecord(record: ChunkRecord): void {
  const problem = problemWith(record);
  if (problem !== null) {
    throw new TypeError(
      `invalid chunk record (channel '${String(record.channelId)}', chunk ${String(record.chunkIndex)}): ${problem}`,
    );
  }
}
