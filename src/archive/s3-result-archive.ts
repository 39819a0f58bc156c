/**
 * Per-chunk results archived to S3-compatible object storage: one gzip NDJSON object per channel per period
 * (a minute by default). Rows wait in memory per channel and period; a period's object is written once the
 * period has ended (plus a short wait for late rows) and at shutdown. Uploads run one at a time in the
 * background, so `add()` never waits for the network; a failed upload stays first in line and is retried
 * with a doubling pause. The buffer is bounded: past `maxBufferedRecords` the oldest rows go, counted and
 * logged, rather than memory growing while the object store is down.
 */
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Logger } from 'pino';
import { redactUrl, type ChunkRecord } from '../service/model.js';
import { archiveObjectKey, normalizePrefix, periodStartMs } from './archive-key.js';

const gzipAsync = promisify(gzip);

export interface ArchiveCounters {
  readonly archivedRecords: number;
  readonly archivedObjects: number;
  /** Rows waiting: in open periods, in written-out periods not yet uploaded, and in the upload under way. */
  readonly pendingRecords: number;
  /** Rows given up: the buffer was full, or shutdown ended while the object store still failed. */
  readonly droppedRecords: number;
  readonly failedUploads: number;
  /** 0 while uploads succeed. */
  readonly consecutiveFailures: number;
}

/** The part of the S3 client the archive uses (a real `S3Client` in production and in the tests). */
export type ObjectPutter = Pick<S3Client, 'send'>;

export interface S3ResultArchiveOptions {
  readonly client: ObjectPutter;
  readonly bucket: string;
  /** Key prefix, without leading or trailing slash (they are removed); may be empty. */
  readonly prefix: string;
  readonly periodSeconds: number;
  readonly logger: Logger;
  readonly maxBufferedRecords?: number;
  /** A period's object is written this long after the period ends, so rows of a lagging channel make it. */
  readonly lateArrivalMs?: number;
  /** How often periods are checked for their end and failed uploads for their retry time. */
  readonly checkIntervalMs?: number;
  readonly minRetryMs?: number;
  readonly maxRetryMs?: number;
  /** One upload that takes longer is abandoned and retried. */
  readonly uploadTimeoutMs?: number;
  /** The wall clock (the tests move it). */
  readonly nowMs?: () => number;
}

export const s3ArchiveDefaults = {
  // About 100 MB of rows: 100 channels for a quarter of an hour.
  maxBufferedRecords: 100_000,
  lateArrivalMs: 5000,
  checkIntervalMs: 1000,
  minRetryMs: 1000,
  maxRetryMs: 60_000,
  uploadTimeoutMs: 30_000,
} as const;

/** Logs about dropped rows at most this often: the drop itself can happen on every chunk. */
const dropLogIntervalMs = 60_000;

interface Batch {
  readonly channelId: string;
  readonly periodStartMs: number;
  readonly records: ChunkRecord[];
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1)
    throw new RangeError(`${name} must be an integer >= 1, got ${value}`);
  return value;
}

/** SDK errors for a refused connection carry their reason in `code` or in nested errors, not the message. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = 'code' in error && typeof error.code === 'string' ? error.code : null;
  const message = error.message || (error instanceof AggregateError ? describeError(error.errors[0]) : '');
  return [error.name, code, message].filter((part) => part !== null && part !== '').join(': ');
}

export class S3ResultArchive {
  readonly #client: ObjectPutter;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #periodMs: number;
  readonly #logger: Logger;
  readonly #maxBufferedRecords: number;
  readonly #lateArrivalMs: number;
  readonly #minRetryMs: number;
  readonly #maxRetryMs: number;
  readonly #uploadTimeoutMs: number;
  readonly #nowMs: () => number;
  readonly #timer: NodeJS.Timeout;

  /** Periods still receiving rows, keyed by channel and period start; Map order is arrival order. */
  readonly #open = new Map<string, Batch>();
  /** Periods that have ended, oldest first; the first one is the one being uploaded or retried. */
  readonly #sealed: Batch[] = [];
  #uploading: Batch | null = null;
  /** Aborts the upload under way: at its timeout, or when close() reaches its deadline. */
  #abortUpload: AbortController | null = null;
  #draining: Promise<void> | null = null;
  #nextAttemptAtMs = 0;
  #pendingRecords = 0;
  #archivedRecords = 0;
  #archivedObjects = 0;
  #droppedRecords = 0;
  #droppedSinceLog = 0;
  #lastDropLogMs = -Infinity;
  #failedUploads = 0;
  #consecutiveFailures = 0;
  #closed = false;

  constructor(options: S3ResultArchiveOptions) {
    if (options.bucket.length < 3) throw new RangeError(`bucket must have 3 characters or more`);
    this.#client = options.client;
    this.#bucket = options.bucket;
    this.#prefix = normalizePrefix(options.prefix);
    this.#periodMs = positiveInteger('periodSeconds', options.periodSeconds) * 1000;
    this.#logger = options.logger;
    this.#maxBufferedRecords = positiveInteger(
      'maxBufferedRecords',
      options.maxBufferedRecords ?? s3ArchiveDefaults.maxBufferedRecords,
    );
    this.#lateArrivalMs = options.lateArrivalMs ?? s3ArchiveDefaults.lateArrivalMs;
    this.#minRetryMs = positiveInteger('minRetryMs', options.minRetryMs ?? s3ArchiveDefaults.minRetryMs);
    this.#maxRetryMs = positiveInteger('maxRetryMs', options.maxRetryMs ?? s3ArchiveDefaults.maxRetryMs);
    this.#uploadTimeoutMs = positiveInteger(
      'uploadTimeoutMs',
      options.uploadTimeoutMs ?? s3ArchiveDefaults.uploadTimeoutMs,
    );
    this.#nowMs = options.nowMs ?? Date.now;
    const checkIntervalMs = positiveInteger(
      'checkIntervalMs',
      options.checkIntervalMs ?? s3ArchiveDefaults.checkIntervalMs,
    );
    this.#timer = setInterval(() => this.#onTick(), checkIntervalMs);
    // The archive never keeps the process alive: shutdown calls close(), which uploads what is left.
    this.#timer.unref();
  }

  /** Queues one row in its channel's period. Never waits and never throws for the object store's sake. */
  add(record: ChunkRecord): void {
    if (this.#closed) {
      this.#drop(1);
      return;
    }
    const startMs = periodStartMs(record.startedAtMs, this.#periodMs);
    const key = `${record.channelId}\u0000${startMs}`;
    let batch = this.#open.get(key);
    if (!batch) {
      batch = { channelId: record.channelId, periodStartMs: startMs, records: [] };
      this.#open.set(key, batch);
    }
    batch.records.push(record);
    this.#pendingRecords += 1;
    if (this.#pendingRecords > this.#maxBufferedRecords) this.#dropOldest();
  }

  /**
   * Writes out every period, ended or not, and uploads until everything is archived or `timeoutMs` has
   * passed (retrying failures with the usual pauses, cut short by the deadline; an upload under way at the
   * deadline is abandoned). Rows still not uploaded then are counted as dropped and logged. Safe to call
   * more than once.
   */
  async close(timeoutMs = 10_000): Promise<ArchiveCounters> {
    if (!this.#closed) {
      this.#closed = true;
      clearInterval(this.#timer);
      this.#sealWhere(() => true);
    }
    const deadlineMs = Date.now() + timeoutMs;
    // An upload still under way at the deadline is abandoned, so shutdown never waits longer.
    const deadlineTimer = setTimeout(() => this.#abortUpload?.abort(), timeoutMs);
    for (;;) {
      await this.#draining;
      if (this.#sealed.length === 0 || Date.now() >= deadlineMs) break;
      const pauseMs = Math.min(Math.max(0, this.#nextAttemptAtMs - this.#nowMs()), deadlineMs - Date.now());
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
      this.#startDrain();
    }
    clearTimeout(deadlineTimer);
    if (this.#sealed.length > 0) {
      const lost = this.#sealed.reduce((sum, batch) => sum + batch.records.length, 0);
      this.#sealed.length = 0;
      this.#pendingRecords -= lost;
      this.#droppedRecords += lost;
      this.#logger.error(
        { bucket: this.#bucket, lostRecords: lost, droppedRecords: this.#droppedRecords },
        'archive: rows not uploaded before shutdown',
      );
    }
    const counters = this.counters();
    this.#logger.info(
      {
        archivedObjects: counters.archivedObjects,
        archivedRecords: counters.archivedRecords,
        droppedRecords: counters.droppedRecords,
        failedUploads: counters.failedUploads,
      },
      'archive closed',
    );
    return counters;
  }

  counters(): ArchiveCounters {
    return {
      archivedRecords: this.#archivedRecords,
      archivedObjects: this.#archivedObjects,
      pendingRecords: this.#pendingRecords,
      droppedRecords: this.#droppedRecords,
      failedUploads: this.#failedUploads,
      consecutiveFailures: this.#consecutiveFailures,
    };
  }

  #onTick(): void {
    const nowMs = this.#nowMs();
    this.#sealWhere((batch) => batch.periodStartMs + this.#periodMs + this.#lateArrivalMs <= nowMs);
    if (this.#sealed.length > 0 && nowMs >= this.#nextAttemptAtMs) this.#startDrain();
  }

  #sealWhere(ended: (batch: Batch) => boolean): void {
    for (const [key, batch] of this.#open) {
      if (!ended(batch)) continue;
      this.#open.delete(key);
      this.#sealed.push(batch);
    }
  }

  #startDrain(): void {
    if (this.#draining) return;
    this.#draining = this.#drain().finally(() => {
      this.#draining = null;
    });
  }

  /** Uploads written-out periods, oldest first, until none is left or one fails. Never rejects. */
  async #drain(): Promise<void> {
    for (let batch = this.#sealed[0]; batch; batch = this.#sealed[0]) {
      this.#uploading = batch;
      const key = archiveObjectKey({
        prefix: this.#prefix,
        channelId: batch.channelId,
        // reduce, not Math.min(...rows): a day-long period holds more rows than a call takes arguments.
        startMs: batch.records.reduce((earliest, record) => Math.min(earliest, record.startedAtMs), Infinity),
      });
      try {
        await this.#upload(key, batch.records);
      } catch (error) {
        this.#recordFailure(error, key);
        return;
      } finally {
        this.#uploading = null;
      }
      this.#sealed.splice(this.#sealed.indexOf(batch), 1);
      this.#pendingRecords -= batch.records.length;
      this.#archivedRecords += batch.records.length;
      this.#archivedObjects += 1;
      if (this.#consecutiveFailures > 0) {
        this.#logger.info(
          { bucket: this.#bucket, failedAttempts: this.#consecutiveFailures },
          'archive: uploads work again',
        );
      }
      this.#consecutiveFailures = 0;
      this.#nextAttemptAtMs = 0;
    }
  }

  async #upload(key: string, records: readonly ChunkRecord[]): Promise<void> {
    const ndjson = records.map((record) => `${JSON.stringify(record)}\n`).join('');
    const body = await gzipAsync(Buffer.from(ndjson, 'utf8'));
    const abort = new AbortController();
    const timeout = setTimeout(() => abort.abort(), this.#uploadTimeoutMs);
    this.#abortUpload = abort;
    try {
      await this.#client.send(
        new PutObjectCommand({ Bucket: this.#bucket, Key: key, Body: body, ContentType: 'application/gzip' }),
        { abortSignal: abort.signal },
      );
    } finally {
      clearTimeout(timeout);
      this.#abortUpload = null;
    }
  }

  #recordFailure(error: unknown, key: string): void {
    this.#failedUploads += 1;
    this.#consecutiveFailures += 1;
    // 1, 2, 4, ... times minRetryMs: an object store that is down is not hammered, one back soon is used soon.
    const retryInMs = Math.min(
      this.#minRetryMs * 2 ** Math.min(this.#consecutiveFailures - 1, 30),
      this.#maxRetryMs,
    );
    this.#nextAttemptAtMs = this.#nowMs() + retryInMs;
    this.#logger.warn(
      {
        err: describeError(error),
        bucket: this.#bucket,
        key,
        consecutiveFailures: this.#consecutiveFailures,
        pendingRecords: this.#pendingRecords,
        retryInMs,
      },
      'archive upload failed: will retry',
    );
  }

  /** Removes rows from the oldest batch not being uploaded until the buffer is within its bound. */
  #dropOldest(): void {
    const candidates = [...this.#sealed, ...this.#open.values()].filter((batch) => batch !== this.#uploading);
    for (const batch of candidates) {
      const excess = this.#pendingRecords - this.#maxBufferedRecords;
      if (excess <= 0) break;
      const removed = batch.records.splice(0, excess).length;
      this.#pendingRecords -= removed;
      this.#drop(removed);
      if (batch.records.length === 0) this.#forget(batch);
    }
  }

  #forget(batch: Batch): void {
    const sealedIndex = this.#sealed.indexOf(batch);
    if (sealedIndex >= 0) this.#sealed.splice(sealedIndex, 1);
    else this.#open.delete(`${batch.channelId}\u0000${batch.periodStartMs}`);
  }

  #drop(count: number): void {
    this.#droppedRecords += count;
    this.#droppedSinceLog += count;
    const nowMs = this.#nowMs();
    if (nowMs - this.#lastDropLogMs < dropLogIntervalMs) return;
    this.#logger.error(
      {
        bucket: this.#bucket,
        droppedRecords: this.#droppedRecords,
        droppedSinceLastLog: this.#droppedSinceLog,
        maxBufferedRecords: this.#maxBufferedRecords,
      },
      'archive buffer full: oldest rows dropped',
    );
    this.#lastDropLogMs = nowMs;
    this.#droppedSinceLog = 0;
  }
}

export interface S3ArchiveSettings {
  readonly endpoint?: string | undefined;
  readonly region: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly forcePathStyle?: boolean | undefined;
  readonly periodSeconds: number;
  readonly maxBufferedRecords?: number | undefined;
}

/**
 * The archive for `streamqc run`'s `archive.s3` settings. Credentials come from the AWS SDK's standard chain
 * (environment, shared files, container or instance roles); they are never part of the config or the logs.
 */
export function createS3ResultArchive(settings: S3ArchiveSettings, logger: Logger): S3ResultArchive {
  const client = new S3Client({
    region: settings.region,
    ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
    ...(settings.forcePathStyle === undefined ? {} : { forcePathStyle: settings.forcePathStyle }),
  });
  logger.info(
    {
      bucket: settings.bucket,
      prefix: settings.prefix,
      endpoint: settings.endpoint === undefined ? 'AWS' : redactUrl(settings.endpoint),
      periodSeconds: settings.periodSeconds,
    },
    'archiving chunk results to S3',
  );
  return new S3ResultArchive({
    client,
    bucket: settings.bucket,
    prefix: settings.prefix,
    periodSeconds: settings.periodSeconds,
    logger,
    ...(settings.maxBufferedRecords === undefined ? {} : { maxBufferedRecords: settings.maxBufferedRecords }),
  });
}
