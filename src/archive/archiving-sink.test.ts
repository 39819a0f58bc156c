import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChunkRecord } from '../service/model.js';
import { BatchedChunkWriter } from '../store/chunk-writer.js';
import { exampleChunk } from '../store/result-store.fixtures.js';
import { archivingSink } from './archiving-sink.js';

describe('archivingSink', () => {
  it('gives every row to the store writer and the archive; a row the writer refuses is not archived', async () => {
    const stored: ChunkRecord[] = [];
    const archived: ChunkRecord[] = [];
    const writer = new BatchedChunkWriter({
      store: { writeChunks: async (rows) => void stored.push(...rows) },
    });
    const sink = archivingSink(writer, { add: (record) => archived.push(record) });
    const good = [exampleChunk('news', 0), exampleChunk('news', 1)];
    for (const record of good) sink.add(record);
    assert.throws(() => sink.add(exampleChunk('news', -1)));
    await sink.close();
    assert.deepEqual(stored, good, 'close() flushes the writer');
    assert.deepEqual(archived, good);
  });
});
