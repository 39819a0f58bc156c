/**
 * Few, batched writes: chunk rows from every channel wait in memory and go to the store in one transaction
 * per batch, every `flushIntervalMs` or as soon as `maxBatchRows` are waiting. When the store fails, the
 * rows stay (up to `maxBufferedRows`, then the oldest go and are counted) and the writer retries with a
 * growing pause. Writing a row twice is harmless: the store ignores a (channel, session, chunk) it holds.
 */
import type { ChunkRecord } from '../service/model.js';
import { assertValidChunkRecord } from './chunk-record-check.js';
import type { ResultStore } from './result-store.js';

export interface ChunkWriterCounters {
  readonly writtenRows: number;
  readonly pendingRows: number;
  /** Rows given up because the buffer was full while the store kept failing. */
  readonly droppedRows: number;
  readonly failedWrites: number;
  /** 0 while the store works. */
  readonly consecutiveFailures: number;
  /** The latest write failure, kept after the store recovers; null if there never was one. */
  readonly lastError: Error | null;
}

export interface BatchedChunkWriterOptions {
  readonly store: Pick<ResultStore, 'writeChunks'>;
  readonly flushIntervalMs?: number;
  readonly maxBatchRows?: number;
  readonly maxBufferedRows?: number;
  /** The longest pause between retries while the store fails; pauses double from `flushIntervalMs`. */
  readonly maxRetryIntervalMs?: number;
  /** Told about every failed write (for the log); the rows are kept either way. Must not throw. */
  readonly onWriteError?: (error: Error, counters: ChunkWriterCounters) => void;
}

export const chunkWriterDefaults = {
  flushIntervalMs: 1000,
  maxBatchRows: 500,
  // About 60 MB of rows: 100 channels for a quarter of an hour.
  maxBufferedRows: 100_000,
  maxRetryIntervalMs: 30_000,
} as const;

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1)
    throw new RangeError(`${name} must be an integer >= 1, got ${value}`);
  return value;
}

export class BatchedChunkWriter {
  readonly #store: Pick<ResultStore, 'writeChunks'>;
  readonly #maxBatchRows: number;
  readonly #maxBufferedRows: number;
  readonly #maxTicksBetweenRetries: number;
  readonly #onWriteError: BatchedChunkWriterOptions['onWriteError'];
  readonly #timer: NodeJS.Timeout;

  // A queue without Array.shift (which moves every row): rows before #head are done and cut off in bulk.
  #rows: ChunkRecord[] = [];
  #head = 0;
  /** The batch the store is writing now: out of the queue, back at its front if the write fails. */
  #inFlight: readonly ChunkRecord[] = [];
  /** The running write loop; at most one, so batches land in order and a retry never overlaps a write. */
  #writing: Promise<void> | null = null;
  #writtenRows = 0;
  #droppedRows = 0;
  #failedWrites = 0;
  #consecutiveFailures = 0;
  #lastError: Error | null = null;
  #ticksToSkip = 0;
  #closed = false;

  constructor(options: BatchedChunkWriterOptions) {
    const flushIntervalMs = positiveInteger(
      'flushIntervalMs',
      options.flushIntervalMs ?? chunkWriterDefaults.flushIntervalMs,
    );
    this.#store = options.store;
    this.#maxBatchRows = positiveInteger(
      'maxBatchRows',
      options.maxBatchRows ?? chunkWriterDefaults.maxBatchRows,
    );
    this.#maxBufferedRows = positiveInteger(
      'maxBufferedRows',
      options.maxBufferedRows ?? chunkWriterDefaults.maxBufferedRows,
    );
    const maxRetryIntervalMs = positiveInteger(
      'maxRetryIntervalMs',
      options.maxRetryIntervalMs ?? chunkWriterDefaults.maxRetryIntervalMs,
    );
    this.#maxTicksBetweenRetries = Math.max(1, Math.round(maxRetryIntervalMs / flushIntervalMs));
    this.#onWriteError = options.onWriteError;
    this.#timer = setInterval(() => this.#onTick(), flushIntervalMs);
    // The writer never keeps the process alive: shutdown calls close(), which flushes.
    this.#timer.unref();
  }

  get #queuedRows(): number {
    return this.#rows.length - this.#head;
  }

  get #pendingRows(): number {
    return this.#queuedRows + this.#inFlight.length;
  }

  /** Queues one row; writes a batch at once when `maxBatchRows` are waiting and the store is not failing. */
  add(record: ChunkRecord): void {
    if (this.#closed) throw new Error('chunk writer is closed');
    assertValidChunkRecord(record);
    this.#rows.push(record);
    this.#dropOverflow();
    if (this.#queuedRows >= this.#maxBatchRows && this.#consecutiveFailures === 0) void this.#writePending();
  }

  /**
   * Writes every waiting row now, ignoring the retry pause (shutdown). Resolves when the queue is empty or a
   * write failed (those rows stay queued); never rejects.
   */
  async flush(): Promise<void> {
    await this.#writing;
    await this.#writePending();
  }

  /** Stops the timer and flushes. Rows still pending afterwards (the store is down) are in `counters()`. */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      clearInterval(this.#timer);
    }
    await this.flush();
  }

  counters(): ChunkWriterCounters {
    return {
      writtenRows: this.#writtenRows,
      pendingRows: this.#pendingRows,
      droppedRows: this.#droppedRows,
      failedWrites: this.#failedWrites,
      consecutiveFailures: this.#consecutiveFailures,
      lastError: this.#lastError,
    };
  }

  #onTick(): void {
    if (this.#ticksToSkip > 0) {
      this.#ticksToSkip -= 1;
      return;
    }
    void this.#writePending();
  }

  /** Starts the write loop unless one runs (it takes the new rows too); resolves when it ends. */
  #writePending(): Promise<void> {
    if (this.#writing === null && this.#queuedRows > 0) {
      this.#writing = this.#writeBatches().finally(() => {
        this.#writing = null;
      });
    }
    return this.#writing ?? Promise.resolve();
  }

  /** Whole batches, oldest first, until the queue is empty or a write fails. */
  async #writeBatches(): Promise<void> {
    while (this.#queuedRows > 0) {
      const batch = this.#rows.slice(this.#head, this.#head + this.#maxBatchRows);
      this.#head += batch.length;
      this.#inFlight = batch;
      try {
        await this.#store.writeChunks(batch);
      } catch (error) {
        this.#inFlight = [];
        this.#rows = [...batch, ...this.#rows.slice(this.#head)];
        this.#head = 0;
        this.#dropOverflow();
        this.#recordFailure(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      this.#inFlight = [];
      this.#writtenRows += batch.length;
      this.#consecutiveFailures = 0;
      this.#ticksToSkip = 0;
      this.#compact();
    }
  }

  /**
   * Beyond `maxBufferedRows` queued rows the oldest go. The batch being written is not counted until its
   * write fails and it is queued again (then it is the oldest).
   */
  #dropOverflow(): void {
    const overflowRows = this.#queuedRows - this.#maxBufferedRows;
    if (overflowRows <= 0) return;
    this.#head += overflowRows;
    this.#droppedRows += overflowRows;
    this.#compact();
  }

  #recordFailure(error: Error): void {
    this.#failedWrites += 1;
    this.#consecutiveFailures += 1;
    this.#lastError = error;
    // Retry after 1, 2, 4, ... intervals: a store that is down is not hammered, one that is back soon is
    // used soon.
    const ticksBetweenRetries = Math.min(
      2 ** Math.min(this.#consecutiveFailures - 1, 30),
      this.#maxTicksBetweenRetries,
    );
    this.#ticksToSkip = ticksBetweenRetries - 1;
    this.#onWriteError?.(error, this.counters());
  }

  #compact(): void {
    if (this.#head === this.#rows.length) {
      this.#rows = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#rows.length) {
      this.#rows = this.#rows.slice(this.#head);
      this.#head = 0;
    }
  }
}
