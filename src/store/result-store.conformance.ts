/**
 * What every ResultStore backend must do, as node:test tests. A backend's test file calls
 * `describeResultStoreConformance` with a function that opens a fresh, empty store.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { ChunkRecord, Incident } from '../service/model.js';
import { baseTimeMs, exampleChannel, exampleChunk, exampleIncident } from './result-store.fixtures.js';
import type { IncidentFilter, ResultStore } from './result-store.js';

export interface ConformanceBackend {
  readonly store: ResultStore;
  /** Opens the same data again after `store.close()`; backends without persistence leave it out. */
  readonly reopen?: () => ResultStore;
  /** Removes whatever the backend created (called after the store is closed). */
  readonly cleanup: () => void;
}

function withStore(open: () => ConformanceBackend, body: (store: ResultStore) => void): void {
  const backend = open();
  try {
    body(backend.store);
  } finally {
    backend.store.close();
    backend.cleanup();
  }
}

const keyOf = (record: ChunkRecord): string => `${record.sessionId}#${record.chunkIndex}`;
const ids = (incidents: readonly Incident[]): string[] => incidents.map((incident) => incident.id);

export function describeResultStoreConformance(name: string, open: () => ConformanceBackend): void {
  describe(`ResultStore conformance: ${name}`, () => {
    it('saves, replaces, lists (by id) and deletes channels', () =>
      withStore(open, (store) => {
        assert.deepEqual(store.listChannels(), []);
        store.saveChannel(exampleChannel('b'));
        store.saveChannel(exampleChannel('a', { loop: true, tags: [], detectorConfig: {} }));
        assert.deepEqual(store.listChannels(), [
          exampleChannel('a', { loop: true, tags: [], detectorConfig: {} }),
          exampleChannel('b'),
        ]);
        store.saveChannel(exampleChannel('b', { name: 'Renamed', enabled: false }));
        assert.deepEqual(store.listChannels()[1], exampleChannel('b', { name: 'Renamed', enabled: false }));
        store.deleteChannel('a');
        store.deleteChannel('never-saved');
        assert.deepEqual(
          store.listChannels().map((channel) => channel.id),
          ['b'],
        );
      }));

    it("keeps a deleted channel's chunks and incidents (history)", () =>
      withStore(open, (store) => {
        store.saveChannel(exampleChannel('ch-a'));
        store.writeChunks([exampleChunk('ch-a', 0)]);
        store.saveIncident(exampleIncident('i1'));
        store.deleteChannel('ch-a');
        assert.equal(store.queryChunks('ch-a', 0, Number.MAX_SAFE_INTEGER).length, 1);
        assert.notEqual(store.getIncident('i1'), null);
      }));

    it("returns one channel's chunks oldest first, with fromMs <= startedAtMs < toMs", () =>
      withStore(open, (store) => {
        // Written out of order and interleaved with another channel.
        store.writeChunks([4, 1, 3].map((index) => exampleChunk('ch-a', index)));
        store.writeChunks([exampleChunk('ch-b', 2), exampleChunk('ch-a', 0), exampleChunk('ch-a', 2)]);
        const all = store.queryChunks('ch-a', 0, Number.MAX_SAFE_INTEGER);
        assert.deepEqual(
          all.map((record) => record.chunkIndex),
          [0, 1, 2, 3, 4],
        );
        assert.deepEqual(all[2], exampleChunk('ch-a', 2));
        const window = store.queryChunks('ch-a', baseTimeMs + 1000, baseTimeMs + 3000);
        assert.deepEqual(
          window.map((record) => record.chunkIndex),
          [1, 2],
        );
        assert.deepEqual(store.queryChunks('ch-a', baseTimeMs + 1500, baseTimeMs + 1600), []);
        assert.deepEqual(store.queryChunks('unknown', 0, Number.MAX_SAFE_INTEGER), []);
      }));

    it('keeps the oldest `limit` rows of the window', () =>
      withStore(open, (store) => {
        store.writeChunks([0, 1, 2, 3, 4, 5].map((index) => exampleChunk('ch-a', index)));
        const limited = store.queryChunks('ch-a', baseTimeMs + 1000, Number.MAX_SAFE_INTEGER, 3);
        assert.deepEqual(
          limited.map((record) => record.chunkIndex),
          [1, 2, 3],
        );
        assert.deepEqual(store.queryChunks('ch-a', 0, Number.MAX_SAFE_INTEGER, 0), []);
      }));

    it('round-trips measurements as JSON, and fractional times and durations exactly', () =>
      withStore(open, (store) => {
        const measurements = {
          nested: { deeper: { value: -12.345678901234, flag: true } },
          list: [1, 2.5, null, 'text', { a: [] }],
          empty: {},
          missing: null,
          unicode: 'café ✓ 日本',
          // JSON has no Infinity or NaN: they come back as null, as JSON.stringify writes them.
          silentLoudnessLufs: -Infinity,
        };
        const record = exampleChunk('ch-a', 7, {
          startedAtMs: baseTimeMs + 0.25,
          durationSeconds: 1.001,
          measurements,
        });
        store.writeChunks([record]);
        const [read] = store.queryChunks('ch-a', 0, Number.MAX_SAFE_INTEGER);
        assert.deepEqual(read, {
          ...record,
          measurements: JSON.parse(JSON.stringify(measurements)) as unknown,
        });
      }));

    it('ignores an empty batch', () =>
      withStore(open, (store) => {
        store.writeChunks([]);
        assert.deepEqual(store.queryChunks('ch-a', 0, Number.MAX_SAFE_INTEGER), []);
      }));

    it('ignores a row written again (the first write wins), within a batch and across batches', () =>
      withStore(open, (store) => {
        store.writeChunks([exampleChunk('ch-a', 0), exampleChunk('ch-a', 1)]);
        // A retried batch: the same rows again, one of them with other figures, plus new rows.
        store.writeChunks([
          exampleChunk('ch-a', 0, { measurements: { changed: true } }),
          exampleChunk('ch-a', 1),
          exampleChunk('ch-a', 2),
          exampleChunk('ch-a', 2),
          exampleChunk('ch-a', 1, { sessionId: 'session-2', startedAtMs: baseTimeMs + 60_000 }),
        ]);
        const rows = store.queryChunks('ch-a', 0, Number.MAX_SAFE_INTEGER);
        assert.deepEqual(rows.map(keyOf), ['session-1#0', 'session-1#1', 'session-1#2', 'session-2#1']);
        assert.deepEqual(rows[0], exampleChunk('ch-a', 0));
      }));

    it('saves, gets and replaces incidents by id', () =>
      withStore(open, (store) => {
        assert.equal(store.getIncident('i1'), null);
        const opened = exampleIncident('i1');
        store.saveIncident(opened);
        assert.deepEqual(store.getIncident('i1'), opened);
        const closed = exampleIncident('i1', {
          state: 'closed',
          closedAtMs: baseTimeMs + 9000,
          acknowledgedAtMs: baseTimeMs + 5000,
          acknowledgedBy: 'operator@example.net',
          details: { blackRatio: 1 },
          evidence: { thumbnailPath: 'evidence/i1.jpg', clipPath: 'evidence/i1.ts' },
        });
        store.saveIncident(closed);
        assert.deepEqual(store.getIncident('i1'), closed);
        assert.equal(store.listIncidents({}).length, 1);
      }));

    it('keeps an audio channel of 0 and leaves `channel` out when there is none', () =>
      withStore(open, (store) => {
        store.saveIncident(exampleIncident('with-channel', { kind: 'silence', channel: 0 }));
        store.saveIncident(exampleIncident('without-channel'));
        assert.equal(store.getIncident('with-channel')?.channel, 0);
        assert.equal(Object.hasOwn(store.getIncident('without-channel') ?? {}, 'channel'), false);
      }));

    it('lists incidents newest first (ties: id descending) with every filter, alone and combined', () =>
      withStore(open, (store) => {
        const at = (seconds: number): number => baseTimeMs + seconds * 1000;
        store.saveIncident(
          exampleIncident('a-black-old', { startedAtMs: at(10), state: 'closed', closedAtMs: at(20) }),
        );
        store.saveIncident(exampleIncident('a-silence', { kind: 'silence', startedAtMs: at(30) }));
        store.saveIncident(exampleIncident('b-black', { channelId: 'ch-b', startedAtMs: at(40) }));
        store.saveIncident(exampleIncident('a-black-new', { startedAtMs: at(50) }));
        store.saveIncident(exampleIncident('a-freeze', { kind: 'freeze', startedAtMs: at(50) }));
        const list = (filter: IncidentFilter): string[] => ids(store.listIncidents(filter));

        assert.deepEqual(list({}), ['a-freeze', 'a-black-new', 'b-black', 'a-silence', 'a-black-old']);
        assert.deepEqual(list({ channelId: 'ch-b' }), ['b-black']);
        assert.deepEqual(list({ state: 'closed' }), ['a-black-old']);
        assert.deepEqual(list({ kind: 'silence' }), ['a-silence']);
        assert.deepEqual(list({ sinceMs: at(30) }), ['a-freeze', 'a-black-new', 'b-black', 'a-silence']);
        assert.deepEqual(list({ untilMs: at(40) }), ['a-silence', 'a-black-old']);
        assert.deepEqual(list({ limit: 3 }), ['a-freeze', 'a-black-new', 'b-black']);
        const all = {
          channelId: 'ch-a',
          state: 'open',
          kind: 'black',
          sinceMs: at(0),
          untilMs: at(60),
        } as const;
        assert.deepEqual(list(all), ['a-black-new']);
        assert.deepEqual(list({ channelId: 'ch-a', sinceMs: at(20), limit: 2 }), ['a-freeze', 'a-black-new']);
        assert.deepEqual(list({ channelId: 'nobody' }), []);
      }));

    it('prunes only chunks older than the cut, in every channel, and returns the count', () =>
      withStore(open, (store) => {
        const indexes = [0, 1, 2, 3, 4];
        store.writeChunks(indexes.map((index) => exampleChunk('ch-a', index)));
        store.writeChunks(indexes.map((index) => exampleChunk('ch-b', index)));
        store.saveIncident(exampleIncident('i1', { startedAtMs: baseTimeMs }));
        // A row exactly at the cut is not older than it, so it stays.
        assert.equal(store.pruneChunks(baseTimeMs + 3000), 6);
        for (const channelId of ['ch-a', 'ch-b']) {
          const left = store.queryChunks(channelId, 0, Number.MAX_SAFE_INTEGER);
          assert.deepEqual(
            left.map((record) => record.chunkIndex),
            [3, 4],
          );
        }
        assert.equal(store.pruneChunks(baseTimeMs + 3000), 0);
        assert.notEqual(store.getIncident('i1'), null);
      }));

    it('keeps channels, chunks and incidents across close and reopen', (t: TestContext) => {
      const backend = open();
      let store = backend.store;
      try {
        if (backend.reopen === undefined) {
          t.skip(`${name} does not persist`);
          return;
        }
        store.saveChannel(exampleChannel('ch-a'));
        store.writeChunks([exampleChunk('ch-a', 0), exampleChunk('ch-a', 1)]);
        store.saveIncident(exampleIncident('i1', { channel: 1 }));
        store.close();
        store = backend.reopen();
        assert.deepEqual(store.listChannels(), [exampleChannel('ch-a')]);
        assert.deepEqual(store.queryChunks('ch-a', 0, Number.MAX_SAFE_INTEGER), [
          exampleChunk('ch-a', 0),
          exampleChunk('ch-a', 1),
        ]);
        assert.deepEqual(store.getIncident('i1'), exampleIncident('i1', { channel: 1 }));
        // A batch retried after the restart still does not duplicate.
        store.writeChunks([exampleChunk('ch-a', 1), exampleChunk('ch-a', 2)]);
        assert.equal(store.queryChunks('ch-a', 0, Number.MAX_SAFE_INTEGER).length, 3);
      } finally {
        store.close();
        backend.cleanup();
      }
    });
  });
}
