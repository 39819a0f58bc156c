import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StreamqcError } from '../errors/streamqc-error.js';
import type { ChunkRecord } from '../service/model.js';
import { BatchedChunkWriter, type ChunkWriterCounters } from './chunk-writer.js';
import { exampleChunk } from './result-store.fixtures.js';
import type { ResultStore } from './result-store.js';

/** Keeps rows like a real store (a row written again is ignored) and fails the next `failuresLeft` writes. */
class FlakyStore implements Pick<ResultStore, 'writeChunks'> {
  readonly rows = new Map<string, ChunkRecord>();
  readonly batchSizes: number[] = [];
  attempts = 0;
  failuresLeft = 0;

  /** Counts the attempt at once (as a database client sends at once), answers a turn later. */
  async writeChunks(records: readonly ChunkRecord[]): Promise<void> {
    this.attempts += 1;
    await Promise.resolve();
    if (this.failuresLeft > 0) {
      this.failuresLeft -= 1;
      throw new StreamqcError('STORE_UNAVAILABLE', "cannot write to store 'fake.db': disk I/O error");
    }
    this.batchSizes.push(records.length);
    for (const record of records) {
      const key = `${record.channelId}/${record.sessionId}/${record.chunkIndex}`;
      if (!this.rows.has(key)) this.rows.set(key, record);
    }
  }

  indexes(): number[] {
    return [...this.rows.values()].map((record) => record.chunkIndex);
  }
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

/** Lets a write the timer started finish (setImmediate is not among the mocked timers). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('BatchedChunkWriter', () => {
  it('writes waiting rows every flushIntervalMs, in one batch', async (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    const store = new FlakyStore();
    const writer = new BatchedChunkWriter({ store, flushIntervalMs: 1000 });
    for (const index of range(0, 3)) writer.add(exampleChunk('ch-a', index));
    t.mock.timers.tick(999);
    assert.equal(store.attempts, 0);
    t.mock.timers.tick(1);
    await settle();
    assert.deepEqual(store.batchSizes, [3]);
    t.mock.timers.tick(5000);
    await settle();
    assert.equal(store.attempts, 1, 'nothing waiting, nothing written');
    await writer.close();
  });

  it('writes as soon as maxBatchRows are waiting, and flushes in batches of at most maxBatchRows', async (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    const store = new FlakyStore();
    const writer = new BatchedChunkWriter({ store, maxBatchRows: 4 });
    for (const index of range(0, 4)) writer.add(exampleChunk('ch-a', index));
    await settle();
    assert.deepEqual(store.batchSizes, [4]);
    store.failuresLeft = 1;
    for (const index of range(4, 8)) writer.add(exampleChunk('ch-a', index));
    await settle();
    // The failed batch stays; while the store fails, a full batch waits for the timer.
    for (const index of range(8, 14)) writer.add(exampleChunk('ch-a', index));
    await settle();
    assert.equal(store.attempts, 2);
    await writer.flush();
    assert.deepEqual(store.batchSizes, [4, 4, 4, 2]);
    assert.deepEqual(store.indexes(), range(0, 14));
    await writer.close();
  });

  it('keeps rows through failed writes and writes each once when the store is back', async () => {
    const store = new FlakyStore();
    const errors: [string, ChunkWriterCounters][] = [];
    const writer = new BatchedChunkWriter({
      store,
      onWriteError: (error, counters) => errors.push([error.message, counters]),
    });
    store.failuresLeft = 3;
    for (const index of range(0, 5)) writer.add(exampleChunk('ch-a', index));
    for (let attempt = 0; attempt < 3; attempt += 1) await writer.flush();
    const failing = writer.counters();
    assert.equal(failing.pendingRows, 5);
    assert.equal(failing.writtenRows, 0);
    assert.equal(failing.failedWrites, 3);
    assert.equal(failing.consecutiveFailures, 3);
    assert.ok(failing.lastError instanceof StreamqcError && failing.lastError.retryable);
    assert.equal(errors.length, 3);
    assert.equal(errors[2]?.[1].consecutiveFailures, 3);

    await writer.flush();
    assert.deepEqual(store.indexes(), range(0, 5));
    const recovered = writer.counters();
    assert.equal(recovered.pendingRows, 0);
    assert.equal(recovered.writtenRows, 5);
    assert.equal(recovered.consecutiveFailures, 0);
    assert.equal(recovered.lastError, failing.lastError, 'the last failure stays visible');
    await writer.close();
  });

  it('retries after 1, 2, 4 intervals, then every maxRetryIntervalMs', async (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    const store = new FlakyStore();
    const writer = new BatchedChunkWriter({ store, flushIntervalMs: 1000, maxRetryIntervalMs: 4000 });
    store.failuresLeft = 100;
    writer.add(exampleChunk('ch-a', 0));
    const attemptSeconds: number[] = [];
    for (let second = 1; second <= 20; second += 1) {
      const before = store.attempts;
      t.mock.timers.tick(1000);
      await settle();
      if (store.attempts > before) attemptSeconds.push(second);
    }
    assert.deepEqual(attemptSeconds, [1, 2, 4, 8, 12, 16, 20]);
    store.failuresLeft = 0;
    t.mock.timers.tick(4000);
    await settle();
    assert.equal(writer.counters().pendingRows, 0);
    await writer.close();
  });

  it('drops the oldest rows beyond maxBufferedRows, counts them, and writes the rest in order', async () => {
    const store = new FlakyStore();
    const writer = new BatchedChunkWriter({ store, maxBatchRows: 300, maxBufferedRows: 2000 });
    store.failuresLeft = 1;
    await writer.flush(); // nothing waiting: no attempt, the failure is still to come
    assert.equal(store.attempts, 0);
    // The first full batch is sent at once and fails a turn later; meanwhile the buffer overflows.
    for (const index of range(0, 5000)) writer.add(exampleChunk('ch-a', index));
    await settle();
    const full = writer.counters();
    assert.equal(full.pendingRows, 2000);
    assert.equal(full.droppedRows, 3000);
    await writer.flush();
    assert.deepEqual(store.indexes(), range(3000, 5000));
    assert.equal(writer.counters().writtenRows, 2000);
    await writer.close();
  });

  it('keeps maxBufferedRows besides the batch being written; if that write fails, the oldest go', async () => {
    const store = new FlakyStore();
    const writer = new BatchedChunkWriter({ store, maxBatchRows: 3, maxBufferedRows: 5 });
    store.failuresLeft = 1;
    for (const index of range(0, 3)) writer.add(exampleChunk('ch-a', index));
    // Rows 0-2 are being written; 3-9 overflow the buffer while the write is out: 3 and 4 go.
    for (const index of range(3, 10)) writer.add(exampleChunk('ch-a', index));
    assert.equal(writer.counters().pendingRows, 8);
    await settle();
    // The failed batch is queued again, first: now it is the oldest, and it goes.
    assert.equal(writer.counters().pendingRows, 5);
    assert.equal(writer.counters().droppedRows, 5);
    await writer.flush();
    assert.deepEqual(store.indexes(), [5, 6, 7, 8, 9]);
    await writer.close();
  });

  it('close flushes, stops the timer and refuses more rows', async (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    const store = new FlakyStore();
    const writer = new BatchedChunkWriter({ store });
    writer.add(exampleChunk('ch-a', 0));
    writer.add(exampleChunk('ch-a', 1));
    await writer.close();
    assert.deepEqual(store.indexes(), [0, 1]);
    assert.throws(() => writer.add(exampleChunk('ch-a', 2)), /closed/);
    t.mock.timers.tick(10_000);
    await settle();
    assert.equal(store.attempts, 1);
    await writer.close();
  });

  it('rejects a malformed row when it is added, so it can never block a batch', async () => {
    const store = new FlakyStore();
    const writer = new BatchedChunkWriter({ store });
    assert.throws(
      () => writer.add(exampleChunk('ch-a', 3, { startedAtMs: Number.NaN })),
      (error: unknown) => error instanceof TypeError && /'ch-a', chunk 3\).*startedAtMs/.test(error.message),
    );
    assert.throws(() => writer.add(exampleChunk('ch-a', 1.5)), /chunkIndex/);
    assert.throws(() => writer.add(exampleChunk('', 1)), /channelId/);
    assert.equal(writer.counters().pendingRows, 0);
    await writer.close();
  });

  it('rejects options that are not positive integers', () => {
    const store = new FlakyStore();
    assert.throws(() => new BatchedChunkWriter({ store, maxBatchRows: 0 }), /maxBatchRows/);
    assert.throws(() => new BatchedChunkWriter({ store, flushIntervalMs: 0.5 }), /flushIntervalMs/);
  });
});
