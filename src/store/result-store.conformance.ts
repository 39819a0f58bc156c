/**
 * What every ResultStore backend must do, as node:test tests. A backend's test file calls
 * `describeResultStoreConformance` with a function that opens a fresh, empty store.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { ChunkRecord, Incident } from '../service/model.js';
import { describeOutboxConformance } from './notification-outbox.conformance.js';
import { baseTimeMs, exampleChannel, exampleChunk, exampleIncident } from './result-store.fixtures.js';
import type { IncidentFilter, ResultStore } from './result-store.js';

export interface ConformanceBackend {
  readonly store: ResultStore;
  /** Opens the same data again after `store.close()`; backends without persistence leave it out. */
  readonly reopen?: () => Promise<ResultStore>;
  /** Removes whatever the backend created (called after the store is closed). */
  readonly cleanup: () => void | Promise<void>;
}

async function withStore(
  open: () => Promise<ConformanceBackend>,
  body: (store: ResultStore) => Promise<void>,
): Promise<void> {
  const backend = await open();
  try {
    await body(backend.store);
  } finally {
    await backend.store.close();
    await backend.cleanup();
  }
}

const keyOf = (record: ChunkRecord): string => `${record.sessionId}#${record.chunkIndex}`;
const ids = (incidents: readonly Incident[]): string[] => incidents.map((incident) => incident.id);

export function describeResultStoreConformance(name: string, open: () => Promise<ConformanceBackend>): void {
  describe(`ResultStore conformance: ${name}`, () => {
    it('saves, replaces, lists (by id) and deletes channels', () =>
      withStore(open, async (store) => {
        assert.deepEqual(await store.listChannels(), []);
        await store.saveChannel(exampleChannel('b'));
        await store.saveChannel(exampleChannel('a', { loop: true, tags: [], detectorConfig: {} }));
        assert.deepEqual(await store.listChannels(), [
          exampleChannel('a', { loop: true, tags: [], detectorConfig: {} }),
          exampleChannel('b'),
        ]);
        await store.saveChannel(exampleChannel('b', { name: 'Renamed', enabled: false }));
        assert.deepEqual(
          (await store.listChannels())[1],
          exampleChannel('b', { name: 'Renamed', enabled: false }),
        );
        await store.deleteChannel('a');
        await store.deleteChannel('never-saved');
        assert.deepEqual(
          (await store.listChannels()).map((channel) => channel.id),
          ['b'],
        );
      }));

    it("keeps a deleted channel's chunks and incidents (history)", () =>
      withStore(open, async (store) => {
        await store.saveChannel(exampleChannel('ch-a'));
        await store.writeChunks([exampleChunk('ch-a', 0)]);
        await store.saveIncident(exampleIncident('i1'));
        await store.deleteChannel('ch-a');
        assert.equal((await store.queryChunks('ch-a', 0, Number.MAX_SAFE_INTEGER)).length, 1);
        assert.notEqual(await store.getIncident('i1'), null);
      }));

    it("returns one channel's chunks oldest first, with fromMs <= startedAtMs < toMs", () =>
      withStore(open, async (store) => {
        // Written out of order and interleaved with another channel.
        await store.writeChunks([4, 1, 3].map((index) => exampleChunk('ch-a', index)));
        await store.writeChunks([exampleChunk('ch-b', 2), exampleChunk('ch-a', 0), exampleChunk('ch-a', 2)]);
        const all = await store.queryChunks('ch-a', 0, Number.MAX_SAFE_INTEGER);
        assert.deepEqual(
          all.map((record) => record.chunkIndex),
          [0, 1, 2, 3, 4],
        );
        assert.deepEqual(all[2], exampleChunk('ch-a', 2));
        const window = await store.queryChunks('ch-a', baseTimeMs + 1000, baseTimeMs + 3000);
        assert.deepEqual(
          window.map((record) => record.chunkIndex),
          [1, 2],
        );
        assert.deepEqual(await store.queryChunks('ch-a', baseTimeMs + 1500, baseTimeMs + 1600), []);
        assert.deepEqual(await store.queryChunks('unknown', 0, Number.MAX_SAFE_INTEGER), []);
      }));

    it('keeps the oldest `limit` rows of the window', () =>
      withStore(open, async (store) => {
        await store.writeChunks([0, 1, 2, 3, 4, 5].map((index) => exampleChunk('ch-a', index)));
        const limited = await store.queryChunks('ch-a', baseTimeMs + 1000, Number.MAX_SAFE_INTEGER, 3);
        assert.deepEqual(
          limited.map((record) => record.chunkIndex),
          [1, 2, 3],
        );
        assert.deepEqual(await store.queryChunks('ch-a', 0, Number.MAX_SAFE_INTEGER, 0), []);
      }));

    it('round-trips measurements as JSON, and fractional times and durations exactly', () =>
      withStore(open, async (store) => {
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
        await store.writeChunks([record]);
        const [read] = await store.queryChunks('ch-a', 0, Number.MAX_SAFE_INTEGER);
        assert.deepEqual(read, {
          ...record,
          measurements: JSON.parse(JSON.stringify(measurements)) as unknown,
        });
      }));

    it('ignores an empty batch', () =>
      withStore(open, async (store) => {
        await store.writeChunks([]);
        assert.deepEqual(await store.queryChunks('ch-a', 0, Number.MAX_SAFE_INTEGER), []);
      }));

    it('ignores a row written again (the first write wins), within a batch and across batches', () =>
      withStore(open, async (store) => {
        await store.writeChunks([exampleChunk('ch-a', 0), exampleChunk('ch-a', 1)]);
        // A retried batch: the same rows again, one of them with other figures, plus new rows.
        await store.writeChunks([
          exampleChunk('ch-a', 0, { measurements: { changed: true } }),
          exampleChunk('ch-a', 1),
          exampleChunk('ch-a', 2),
          exampleChunk('ch-a', 2),
          exampleChunk('ch-a', 1, { sessionId: 'session-2', startedAtMs: baseTimeMs + 60_000 }),
        ]);
        const rows = await store.queryChunks('ch-a', 0, Number.MAX_SAFE_INTEGER);
        assert.deepEqual(rows.map(keyOf), ['session-1#0', 'session-1#1', 'session-1#2', 'session-2#1']);
        assert.deepEqual(rows[0], exampleChunk('ch-a', 0));
      }));

    it('saves, gets and replaces incidents by id', () =>
      withStore(open, async (store) => {
        assert.equal(await store.getIncident('i1'), null);
        const opened = exampleIncident('i1');
        await store.saveIncident(opened);
        assert.deepEqual(await store.getIncident('i1'), opened);
        const closed = exampleIncident('i1', {
          state: 'closed',
          closedAtMs: baseTimeMs + 9000,
          acknowledgedAtMs: baseTimeMs + 5000,
          acknowledgedBy: 'operator@example.net',
          details: { blackRatio: 1 },
          evidence: { thumbnailPath: 'evidence/i1.jpg', clipPath: 'evidence/i1.ts' },
        });
        await store.saveIncident(closed);
        assert.deepEqual(await store.getIncident('i1'), closed);
        assert.equal((await store.listIncidents({})).length, 1);
      }));

    it('keeps an audio channel of 0 and leaves `channel` out when there is none', () =>
      withStore(open, async (store) => {
        await store.saveIncident(exampleIncident('with-channel', { kind: 'silence', channel: 0 }));
        await store.saveIncident(exampleIncident('without-channel'));
        assert.equal((await store.getIncident('with-channel'))?.channel, 0);
        assert.equal(Object.hasOwn((await store.getIncident('without-channel')) ?? {}, 'channel'), false);
      }));

    it('lists incidents newest first (ties: id descending) with every filter, alone and combined', () =>
      withStore(open, async (store) => {
        const at = (seconds: number): number => baseTimeMs + seconds * 1000;
        await store.saveIncident(
          exampleIncident('a-black-old', { startedAtMs: at(10), state: 'closed', closedAtMs: at(20) }),
        );
        await store.saveIncident(exampleIncident('a-silence', { kind: 'silence', startedAtMs: at(30) }));
        await store.saveIncident(exampleIncident('b-black', { channelId: 'ch-b', startedAtMs: at(40) }));
        await store.saveIncident(exampleIncident('a-black-new', { startedAtMs: at(50) }));
        await store.saveIncident(exampleIncident('a-freeze', { kind: 'freeze', startedAtMs: at(50) }));
        const list = async (filter: IncidentFilter): Promise<string[]> =>
          ids(await store.listIncidents(filter));

        assert.deepEqual(await list({}), ['a-freeze', 'a-black-new', 'b-black', 'a-silence', 'a-black-old']);
        assert.deepEqual(await list({ channelId: 'ch-b' }), ['b-black']);
        assert.deepEqual(await list({ state: 'closed' }), ['a-black-old']);
        assert.deepEqual(await list({ kind: 'silence' }), ['a-silence']);
        assert.deepEqual(await list({ sinceMs: at(30) }), [
          'a-freeze',
          'a-black-new',
          'b-black',
          'a-silence',
        ]);
        assert.deepEqual(await list({ untilMs: at(40) }), ['a-silence', 'a-black-old']);
        assert.deepEqual(await list({ limit: 3 }), ['a-freeze', 'a-black-new', 'b-black']);
        const all = {
          channelId: 'ch-a',
          state: 'open',
          kind: 'black',
          sinceMs: at(0),
          untilMs: at(60),
        } as const;
        assert.deepEqual(await list(all), ['a-black-new']);
        assert.deepEqual(await list({ channelId: 'ch-a', sinceMs: at(20), limit: 2 }), [
          'a-freeze',
          'a-black-new',
        ]);
        assert.deepEqual(await list({ channelId: 'nobody' }), []);
      }));

    it('prunes only chunks older than the cut, in every channel, and returns the count', () =>
      withStore(open, async (store) => {
        const indexes = [0, 1, 2, 3, 4];
        await store.writeChunks(indexes.map((index) => exampleChunk('ch-a', index)));
        await store.writeChunks(indexes.map((index) => exampleChunk('ch-b', index)));
        await store.saveIncident(exampleIncident('i1', { startedAtMs: baseTimeMs }));
        // A row exactly at the cut is not older than it, so it stays.
        assert.equal(await store.pruneChunks(baseTimeMs + 3000), 6);
        for (const channelId of ['ch-a', 'ch-b']) {
          const left = await store.queryChunks(channelId, 0, Number.MAX_SAFE_INTEGER);
          assert.deepEqual(
            left.map((record) => record.chunkIndex),
            [3, 4],
          );
        }
        assert.equal(await store.pruneChunks(baseTimeMs + 3000), 0);
        assert.notEqual(await store.getIncident('i1'), null);
      }));

    it('keeps channels, chunks and incidents across close and reopen', async (t: TestContext) => {
      const backend = await open();
      let store = backend.store;
      try {
        if (backend.reopen === undefined) {
          t.skip(`${name} does not persist`);
          return;
        }
        await store.saveChannel(exampleChannel('ch-a'));
        await store.writeChunks([exampleChunk('ch-a', 0), exampleChunk('ch-a', 1)]);
        await store.saveIncident(exampleIncident('i1', { channel: 1 }));
        await store.close();
        store = await backend.reopen();
        assert.deepEqual(await store.listChannels(), [exampleChannel('ch-a')]);
        assert.deepEqual(await store.queryChunks('ch-a', 0, Number.MAX_SAFE_INTEGER), [
          exampleChunk('ch-a', 0),
          exampleChunk('ch-a', 1),
        ]);
        assert.deepEqual(await store.getIncident('i1'), exampleIncident('i1', { channel: 1 }));
        // A batch retried after the restart still does not duplicate.
        await store.writeChunks([exampleChunk('ch-a', 1), exampleChunk('ch-a', 2)]);
        assert.equal((await store.queryChunks('ch-a', 0, Number.MAX_SAFE_INTEGER)).length, 3);
      } finally {
        await store.close();
        await backend.cleanup();
      }
    });
  });
  describeOutboxConformance(name, open);
}
