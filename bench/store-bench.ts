/**
 * `npm run bench:store`: chunk rows per second through the BatchedChunkWriter at several batch sizes, and
 * the time of the dashboard's 5-minute timeline read (300 rows), for SQLite (a temporary file) and for
 * PostgreSQL when STREAMQC_TEST_POSTGRES_URL is set (a temporary schema, dropped afterwards). Rows are
 * the 12-detector rows of the store tests (about 650 bytes of JSON). BENCH_STORE_ROWS sets the row count.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchedChunkWriter } from '../src/store/chunk-writer.js';
import { openPostgresStore } from '../src/store/postgres-store.js';
import { exampleChunk, exampleMeasurements, baseTimeMs } from '../src/store/result-store.fixtures.js';
import type { ResultStore } from '../src/store/result-store.js';
import { openSqliteStore } from '../src/store/sqlite-store.js';
import { postgresTestUrl, testSchema } from '../src/test-support/postgres-test-db.js';

const rows = Number(process.env.BENCH_STORE_ROWS ?? 20_000);
const channels = 20;
const batchSizes = [1, 50, 500];

interface Backend {
  readonly name: string;
  open(): Promise<{ store: ResultStore; cleanup: () => Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: 'sqlite',
    async open() {
      const directory = mkdtempSync(join(tmpdir(), 'streamqc-bench-'));
      const store = openSqliteStore({ path: join(directory, 'bench.db') });
      return { store, cleanup: async () => rmSync(directory, { recursive: true, force: true }) };
    },
  },
];
const url = postgresTestUrl();
if (url !== null) {
  backends.push({
    name: 'postgres',
    async open() {
      const schema = testSchema(url);
      const store = await openPostgresStore({ url, schema: schema.schema });
      return { store, cleanup: () => schema.drop() };
    },
  });
}

/** Rows per second for `count` rows (from `channels` channels, in time order) in batches of `batchRows`. */
async function writeRate(store: ResultStore, count: number, batchRows: number) {
  const writer = new BatchedChunkWriter({ store, maxBatchRows: batchRows, maxBufferedRows: count });
  const records = Array.from({ length: count }, (_, row) =>
    exampleChunk(`b${batchRows}-channel-${row % channels}`, Math.floor(row / channels), {
      measurements: exampleMeasurements(row),
    }),
  );
  const startedMs = performance.now();
  for (const record of records) {
    writer.add(record);
    // As in service: full batches are written as rows arrive, one at a time.
    if (writer.counters().pendingRows >= batchRows) await writer.flush();
  }
  await writer.close();
  const elapsedMs = performance.now() - startedMs;
  if (writer.counters().writtenRows !== count)
    throw new Error(`wrote ${writer.counters().writtenRows}/${count}`);
  return Math.round(count / (elapsedMs / 1000));
}

/** Median time of the 5-minute timeline read of one channel. */
async function timelineReadMs(store: ResultStore): Promise<number> {
  const times: number[] = [];
  for (let trial = 0; trial < 21; trial += 1) {
    const startedMs = performance.now();
    const read = await store.queryChunks('b500-channel-0', baseTimeMs, baseTimeMs + 300_000);
    times.push(performance.now() - startedMs);
    if (read.length !== Math.min(300, rows / channels))
      throw new Error(`the timeline read found ${read.length} rows`);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
}

console.log(`${rows} rows per batch size, ${channels} channels, 12 detectors per row`);
if (url === null) console.log('STREAMQC_TEST_POSTGRES_URL is not set: PostgreSQL not measured');
console.log(
  '| store | ' + batchSizes.map((size) => `rows/s, batches of ${size}`).join(' | ') + ' | 300-row read |',
);
for (const backend of backends) {
  const { store, cleanup } = await backend.open();
  try {
    const rates: number[] = [];
    for (const size of batchSizes) {
      // Batches of one are slow by design: fewer rows, so the run stays short.
      const count = size === 1 ? Math.min(rows, 2000) : rows;
      rates.push(await writeRate(store, count, size));
    }
    const readMs = await timelineReadMs(store);
    console.log(`| ${backend.name} | ${rates.join(' | ')} | ${readMs.toFixed(2)} ms |`);
  } finally {
    await store.close();
    await cleanup();
  }
}
