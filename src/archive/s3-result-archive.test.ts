/**
 * The archive against a real S3-compatible server (s3rver, started here on 127.0.0.1): keys, contents,
 * retry while the server is down, shutdown flush and the bounded buffer. The archive's clock is moved by the
 * test; the uploads, the server and the gzip are real.
 */
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { S3Client } from '@aws-sdk/client-s3';
import type { ChunkRecord } from '../service/model.js';
import { baseTimeMs, exampleChunk } from '../store/result-store.fixtures.js';
import { waitUntil } from '../test-support/local-receiver.js';
import { S3TestServer, s3TestCredentials } from '../test-support/s3-test-server.js';
import { S3ResultArchive, type S3ResultArchiveOptions } from './s3-result-archive.js';

interface LogLine {
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** baseTimeMs is 2023-11-14T22:13:20Z: chunks 0-39 fall in minute 22:13, chunks 40-99 in 22:14. */
const minute2213 = baseTimeMs - 20_000;
const minute2214 = minute2213 + 60_000;

/** Wall-clock time that runs at real speed from wherever the test sets it. */
class TestClock {
  #offsetMs: number;
  constructor(startMs: number) {
    this.#offsetMs = startMs - Date.now();
  }
  nowMs(): number {
    return Date.now() + this.#offsetMs;
  }
  set(timeMs: number): void {
    this.#offsetMs = timeMs - Date.now();
  }
}

function testArchive(
  server: S3TestServer,
  client: S3Client,
  prefix: string,
  overrides: Partial<S3ResultArchiveOptions> = {},
): { archive: S3ResultArchive; clock: TestClock; logs: LogLine[] } {
  const clock = new TestClock(baseTimeMs);
  const logs: LogLine[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => logs.push(JSON.parse(line) as LogLine) });
  const archive = new S3ResultArchive({
    client,
    bucket: server.bucket,
    prefix,
    periodSeconds: 60,
    logger,
    checkIntervalMs: 10,
    minRetryMs: 40,
    maxRetryMs: 200,
    uploadTimeoutMs: 2000,
    nowMs: () => clock.nowMs(),
    ...overrides,
  });
  return { archive, clock, logs };
}

const chunks = (channelId: string, from: number, to: number): ChunkRecord[] =>
  Array.from({ length: to - from }, (_, i) => exampleChunk(channelId, from + i));

describe('S3ResultArchive', () => {
  const server = new S3TestServer();
  let client: S3Client;
  const keysUnder = async (prefix: string) =>
    (await server.listKeys(client)).filter((key) => key.startsWith(`${prefix}/`));

  before(async () => {
    await server.start();
    client = server.client();
  });
  after(async () => {
    client.destroy();
    await server.stop();
  });

  it('writes one gzip NDJSON object per channel per minute once the minute has ended', async () => {
    const { archive, clock } = testArchive(server, client, 'keys');
    const news = chunks('news', 0, 70);
    const sport = chunks('sport', 30, 50);
    // Arrival order as the monitor sees it: channels interleaved second by second.
    for (const record of [...news, ...sport].sort((a, b) => a.startedAtMs - b.startedAtMs))
      archive.add(record);

    clock.set(minute2214 + 4_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(archive.counters().archivedObjects, 0, 'the late-arrival wait has not passed');

    clock.set(minute2214 + 5_000);
    await waitUntil(() => archive.counters().archivedObjects === 2, 5000, 'minute 22:13 archived');
    assert.equal(archive.counters().pendingRecords, 30 + 10, 'minute 22:14 still open');

    clock.set(minute2214 + 65_000);
    await waitUntil(() => archive.counters().archivedObjects === 4, 5000, 'minute 22:14 archived');

    const keys = await keysUnder('keys');
    assert.deepEqual(keys, [
      'keys/news/2023/11/14/22/news-2023-11-14T22:13:20.000Z.ndjson.gz',
      'keys/news/2023/11/14/22/news-2023-11-14T22:14:00.000Z.ndjson.gz',
      'keys/sport/2023/11/14/22/sport-2023-11-14T22:13:50.000Z.ndjson.gz',
      'keys/sport/2023/11/14/22/sport-2023-11-14T22:14:00.000Z.ndjson.gz',
    ]);
    const [news13, news14, sport13, sport14] = await Promise.all(
      keys.map((key) => server.readRecords(client, key)),
    );
    assert.deepEqual(news13, news.slice(0, 40));
    assert.deepEqual(news14, news.slice(40));
    assert.deepEqual(sport13, sport.slice(0, 10));
    assert.deepEqual(sport14, sport.slice(10));
    assert.deepEqual(archive.counters(), {
      archivedRecords: 90,
      archivedObjects: 4,
      pendingRecords: 0,
      droppedRecords: 0,
      failedUploads: 0,
      consecutiveFailures: 0,
    });
    await archive.close();
  });

  it('retries with growing pauses while the server is down and uploads once it is back', async () => {
    const { archive, clock, logs } = testArchive(server, client, 'retry');
    const records = chunks('news', 0, 10);
    await server.stop();
    try {
      for (const record of records) archive.add(record);
      clock.set(minute2214 + 5_000);
      await waitUntil(() => archive.counters().failedUploads >= 3, 5000, 'three failed uploads');
      assert.equal(archive.counters().pendingRecords, 10, 'nothing lost while the server is down');
    } finally {
      await server.start();
    }
    await waitUntil(() => archive.counters().archivedObjects === 1, 5000, 'the upload after the retry');

    assert.deepEqual(await keysUnder('retry'), [
      'retry/news/2023/11/14/22/news-2023-11-14T22:13:20.000Z.ndjson.gz',
    ]);
    const [key] = await keysUnder('retry');
    assert.deepEqual(await server.readRecords(client, key ?? ''), records);
    const failures = logs.filter((line) => line.msg === 'archive upload failed: will retry');
    assert.ok(failures.length >= 3);
    assert.deepEqual(
      failures.slice(0, 3).map((line) => line.retryInMs),
      [40, 80, 160],
      'the pause doubles',
    );
    assert.ok(logs.some((line) => line.msg === 'archive: uploads work again'));
    const logged = JSON.stringify(logs);
    assert.ok(!logged.includes(s3TestCredentials.secretAccessKey), 'credentials never logged');
    assert.equal(archive.counters().consecutiveFailures, 0);
    await archive.close();
  });

  it('close() uploads the periods that are still open', async () => {
    const { archive } = testArchive(server, client, 'shutdown');
    const records = chunks('news', 40, 43);
    for (const record of records) archive.add(record);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(archive.counters().archivedObjects, 0, 'the minute has not ended');

    const counters = await archive.close();
    assert.equal(counters.archivedRecords, 3);
    assert.equal(counters.pendingRecords, 0);
    const keys = await keysUnder('shutdown');
    assert.deepEqual(keys, ['shutdown/news/2023/11/14/22/news-2023-11-14T22:14:00.000Z.ndjson.gz']);
    assert.deepEqual(await server.readRecords(client, keys[0] ?? ''), records);
  });

  it('close() with the server down gives up at its deadline and counts the rows lost', async () => {
    const { archive, logs } = testArchive(server, client, 'lost');
    await server.stop();
    try {
      for (const record of chunks('news', 0, 4)) archive.add(record);
      const counters = await archive.close(300);
      assert.equal(counters.droppedRecords, 4);
      assert.equal(counters.pendingRecords, 0);
      assert.ok(counters.failedUploads >= 1);
      assert.ok(logs.some((line) => line.msg === 'archive: rows not uploaded before shutdown'));
    } finally {
      await server.start();
    }
  });

  // The timeout only guards against a hang: close() must not wait for the 60 s upload timeout.
  it(
    'abandons an upload that hangs, at its timeout and at the close() deadline',
    { timeout: 20_000 },
    async () => {
      // Accepts connections and never answers.
      const sockets: Socket[] = [];
      const silent = createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const address = silent.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const hangingClient = new S3Client({
        endpoint: `http://127.0.0.1:${port}`,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: s3TestCredentials,
        maxAttempts: 1,
      });
      try {
        const { archive, clock } = testArchive(server, hangingClient, 'hang', { uploadTimeoutMs: 100 });
        for (const record of chunks('news', 0, 3)) archive.add(record);
        clock.set(minute2214 + 5_000);
        await waitUntil(() => archive.counters().failedUploads >= 1, 5000, 'the upload timeout');
        await archive.close(0);

        // With a long upload timeout, the deadline of close() is what ends the hanging upload.
        const patient = testArchive(server, hangingClient, 'hang', { uploadTimeoutMs: 60_000 }).archive;
        for (const record of chunks('news', 0, 3)) patient.add(record);
        const counters = await patient.close(300);
        assert.equal(counters.droppedRecords, 3);
        assert.equal(counters.archivedRecords, 0);
        assert.equal(counters.failedUploads, 1);
      } finally {
        hangingClient.destroy();
        for (const socket of sockets) socket.destroy();
        silent.close();
      }
    },
  );

  it('keeps at most maxBufferedRecords rows: the oldest go, counted, logged once', async () => {
    const { archive, clock, logs } = testArchive(server, client, 'bounded', { maxBufferedRecords: 5 });
    await server.stop();
    const records = chunks('news', 0, 8);
    try {
      for (const record of records) archive.add(record);
      assert.equal(archive.counters().droppedRecords, 3);
      assert.equal(archive.counters().pendingRecords, 5);
      clock.set(minute2214 + 5_000);
      await waitUntil(() => archive.counters().failedUploads >= 1, 5000, 'a failed upload');
    } finally {
      await server.start();
    }
    await waitUntil(() => archive.counters().archivedObjects === 1, 5000, 'the upload after the retry');
    const [key] = await keysUnder('bounded');
    assert.deepEqual(await server.readRecords(client, key ?? ''), records.slice(3), 'the newest 5 rows');
    const dropLogs = logs.filter((line) => line.msg === 'archive buffer full: oldest rows dropped');
    assert.equal(dropLogs.length, 1, 'one log line for a burst of drops');
    await archive.close();
  });
});
