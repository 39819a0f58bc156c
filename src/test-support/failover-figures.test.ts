/** The fail-over figures on hand-made rows whose answers are known. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChunkRecord, Incident } from '../service/model.js';
import { exampleChunk, exampleIncident } from '../store/result-store.fixtures.js';
import { doubleAnalysedChunks, duplicateIncidents, takeover, type Stored } from './failover-figures.js';

const t0 = 1_800_000_000_000;

function chunk(workerId: string, channelId: string, second: number): Stored<ChunkRecord> {
  return {
    workerId,
    row: exampleChunk(channelId, second, { startedAtMs: t0 + second * 1000, durationSeconds: 1 }),
  };
}

function incident(workerId: string, id: string, fromS: number, toS: number | null): Stored<Incident> {
  return {
    workerId,
    row: exampleIncident(id, {
      channelId: 'c',
      startedAtMs: t0 + fromS * 1000,
      state: toS === null ? 'open' : 'closed',
      closedAtMs: toS === null ? null : t0 + toS * 1000,
    }),
  };
}

describe('fail-over figures', () => {
  it('take-over time and missing seconds', () => {
    // a stored 0-9, was killed at 10.5 s; b stored 17-20.
    const rows = [
      ...[0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((s) => chunk('a', 'c', s)),
      ...[17, 18, 19, 20].map((s) => chunk('b', 'c', s)),
    ];
    assert.deepEqual(takeover('c', rows, 'a', t0 + 10_500), {
      channelId: 'c',
      resumedAfterSeconds: 7.5,
      missingChunks: 7,
      newOwner: 'b',
    });
    assert.equal(takeover('c', rows.slice(0, 10), 'a', t0 + 10_500).newOwner, null);
    // a resumed and took the channel back itself, in a new session, before b had a chunk.
    const back = { workerId: 'a', row: { ...chunk('a', 'c', 15).row, sessionId: 'later' } };
    assert.deepEqual(takeover('c', [...rows, back], 'a', t0 + 10_500), {
      channelId: 'c',
      resumedAfterSeconds: 5.5,
      missingChunks: 5,
      newOwner: 'a',
    });
  });

  it('seconds analysed by two workers, not one worker’s own consecutive chunks', () => {
    const single = [0, 1, 2].map((s) => chunk('a', 'c', s));
    assert.equal(doubleAnalysedChunks(single), 0);
    const overlapping = [...single, chunk('b', 'c', 2), { ...chunk('b', 'c', 3) }];
    assert.equal(doubleAnalysedChunks(overlapping), 1);
    assert.equal(doubleAnalysedChunks([chunk('a', 'c', 0), chunk('b', 'd', 0)]), 0, 'other channel');
  });

  it('duplicate incidents overlap in time; an open one lasts until its worker’s last chunk of the channel', () => {
    // a analysed 0-9 s, b from 12 s on.
    const until = [
      ...[0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((s) => chunk('a', 'c', s)),
      ...[12, 13, 14, 15, 16, 17, 18, 19, 20].map((s) => chunk('b', 'c', s)),
    ];
    assert.equal(
      duplicateIncidents([incident('a', 'i1', 5, null), incident('b', 'i2', 15, 20)], until).length,
      0,
    );
    assert.equal(
      duplicateIncidents([incident('a', 'i1', 5, null), incident('b', 'i2', 8, 20)], until).length,
      1,
    );
    assert.equal(duplicateIncidents([incident('a', 'i1', 5, 7), incident('a', 'i2', 8, 9)], until).length, 0);
  });
});
