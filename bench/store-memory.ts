/**
 * `npx tsx --expose-gc bench/store-memory.ts [rounds]`: the result store's memory as rows pile up. Writes chunk
 * rows of 3 channels through the batched writer to a fresh SQLite file, as the service does (batches of 3, one
 * second's rows), and prints RSS, glibc's main arena (`[heap]` in /proc/self/smaps) and the JavaScript heap
 * after a full collection every 10,000 rows. Used to tell SQLite's caches filling up (they level off) from a
 * leak (a line) in the soak's service process.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchedChunkWriter } from '../src/store/chunk-writer.js';
import { exampleChunk, exampleMeasurements } from '../src/store/result-store.fixtures.js';
import { openSqliteStore } from '../src/store/sqlite-store.js';

const rounds = Number(process.argv[2] ?? 12);
const channels = 3;

/** Resident kB of the process's `[heap]` mapping (glibc's main arena). */
function mainArenaKb(): number {
  let kb = 0;
  let inHeap = false;
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) inHeap = line.trim().endsWith('[heap]');
    else if (inHeap && line.startsWith('Rss:')) kb += Number(line.split(/\s+/)[1]);
  }
  return kb;
}

const directory = mkdtempSync(join(tmpdir(), 'streamqc-store-memory-'));
const store = openSqliteStore({ path: join(directory, 'store.db') });
const writer = new BatchedChunkWriter({ store, maxBatchRows: channels, maxBufferedRows: 1000 });
try {
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < 10_000; i++) {
      const row = round * 10_000 + i;
      writer.add(
        exampleChunk(`channel-${row % channels}`, Math.floor(row / channels), {
          measurements: exampleMeasurements(row),
        }),
      );
      if (writer.counters().pendingRows >= channels) await writer.flush();
    }
    (globalThis as { gc?: () => void }).gc?.();
    const usage = process.memoryUsage();
    console.log(
      `rows ${(round + 1) * 10_000}: RSS ${(usage.rss / 1e6).toFixed(1)} MB, main arena ` +
        `${(mainArenaKb() / 1024).toFixed(1)} MB, JS heap ${(usage.heapUsed / 1e6).toFixed(1)} MB`,
    );
  }
} finally {
  await writer.close();
  await store.close();
  rmSync(directory, { recursive: true, force: true });
}
