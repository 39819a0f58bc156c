import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { isStreamqcError, type ErrorCode } from '../errors/streamqc-error.js';
import { BatchedChunkWriter } from './chunk-writer.js';
import { describeResultStoreConformance } from './result-store.conformance.js';
import { exampleChunk, exampleMeasurements } from './result-store.fixtures.js';
import { limitFileSize, makeReadOnly } from './file-faults.js';
import { schemaVersion } from './sqlite-schema.js';
import { openSqliteStore } from './sqlite-store.js';

function tempDatabase(): { directory: string; path: string; remove: () => void } {
  const directory = mkdtempSync(join(tmpdir(), 'streamqc-store-'));
  return {
    directory,
    path: join(directory, 'results.db'),
    remove: () => rmSync(directory, { recursive: true, force: true }),
  };
}

describeResultStoreConformance('sqlite', async () => {
  const { path, remove } = tempDatabase();
  return {
    store: openSqliteStore({ path }),
    reopen: async () => openSqliteStore({ path }),
    cleanup: remove,
  };
});

/** The error a store must give: typed, one line (the CLI prints only the message), naming the file. */
function isStoreError(code: ErrorCode, retryable: boolean, path: string) {
  return (error: unknown): boolean => {
    assert.ok(isStreamqcError(error), `expected a StreamqcError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.equal(error.retryable, retryable);
    assert.ok(error.message.includes(`'${path}'`), error.message);
    assert.ok(!error.message.includes('\n'), error.message);
    return true;
  };
}

function countRows(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare<[], { rows: number }>('SELECT COUNT(*) AS rows FROM chunks').get()?.rows ?? -1;
  } finally {
    db.close();
  }
}

describe('SQLite store: opening', () => {
  it('creates the schema in WAL mode and applies each migration once', async () => {
    const { path, remove } = tempDatabase();
    try {
      await openSqliteStore({ path }).close();
      await openSqliteStore({ path }).close();
      const db = new Database(path, { readonly: true });
      try {
        assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
        const versions = db.prepare<[], { version: number }>('SELECT version FROM schema_migrations').all();
        assert.deepEqual(
          versions.map((row) => row.version),
          Array.from({ length: schemaVersion }, (_, index) => index + 1),
        );
      } finally {
        db.close();
      }
    } finally {
      remove();
    }
  });

  it('refuses a database written by a newer streamqc', async () => {
    const { path, remove } = tempDatabase();
    try {
      await openSqliteStore({ path }).close();
      const db = new Database(path);
      db.prepare('INSERT INTO schema_migrations (version, applied_at_ms) VALUES (?, 0)').run(
        schemaVersion + 1,
      );
      db.close();
      assert.throws(() => openSqliteStore({ path }), isStoreError('STORE_FAILED', false, path));
    } finally {
      remove();
    }
  });

  it('says the directory does not exist', () => {
    const { directory, remove } = tempDatabase();
    const path = join(directory, 'missing', 'results.db');
    try {
      assert.throws(() => openSqliteStore({ path }), isStoreError('STORE_FAILED', false, path));
      assert.throws(() => openSqliteStore({ path }), /directory '.*missing' does not exist/);
    } finally {
      remove();
    }
  });

  it('refuses a directory, and a file that is not a database', () => {
    const { directory, path, remove } = tempDatabase();
    try {
      const folder = join(directory, 'folder.db');
      mkdirSync(folder);
      assert.throws(() => openSqliteStore({ path: folder }), isStoreError('STORE_FAILED', false, folder));
      writeFileSync(
        path,
        'this is not a database, just some text long enough to be read as a header'.repeat(20),
      );
      assert.throws(() => openSqliteStore({ path }), isStoreError('STORE_FAILED', false, path));
      assert.throws(() => openSqliteStore({ path }), /not a database/);
    } finally {
      remove();
    }
  });

  it('refuses a read-only file at once instead of failing at the first write', async (t) => {
    const { path, remove } = tempDatabase();
    try {
      await openSqliteStore({ path }).close();
      const undo = makeReadOnly(path);
      if (undo === null) {
        t.skip('cannot make a file read-only here (root without chattr)');
        return;
      }
      try {
        assert.throws(() => openSqliteStore({ path }), isStoreError('STORE_FAILED', false, path));
        assert.throws(() => openSqliteStore({ path }), /read-only/);
      } finally {
        undo();
      }
    } finally {
      remove();
    }
  });
});

describe('SQLite store: failures while running', () => {
  it("a write blocked by another connection's lock is retryable, and the retry lands each row once", async () => {
    const { path, remove } = tempDatabase();
    const store = openSqliteStore({ path, busyTimeoutMs: 50 });
    const other = new Database(path);
    try {
      const batch = [0, 1, 2].map((index) => exampleChunk('ch-a', index));
      await store.writeChunks(batch.slice(0, 1));
      other.exec('BEGIN IMMEDIATE');
      await assert.rejects(store.writeChunks(batch), isStoreError('STORE_UNAVAILABLE', true, path));
      await assert.rejects(store.writeChunks(batch), /locked/);
      other.exec('ROLLBACK');
      await store.writeChunks(batch);
      assert.equal((await store.queryChunks('ch-a', 0, Number.MAX_SAFE_INTEGER)).length, 3);
    } finally {
      other.close();
      await store.close();
      remove();
    }
  });

  it('when the OS refuses writes, the writer keeps the rows and delivers each once after recovery', async (t) => {
    const { path, remove } = tempDatabase();
    const store = openSqliteStore({ path });
    const writer = new BatchedChunkWriter({ store, maxBatchRows: 1000 });
    try {
      for (let index = 0; index < 50; index += 1) writer.add(exampleChunk('ch-a', index));
      await writer.flush();
      for (let index = 50; index < 250; index += 1) writer.add(exampleChunk('ch-a', index));
      const restore = limitFileSize(0);
      if (restore === null) {
        t.skip('prlimit is not available to lower the file size limit');
        return;
      }
      try {
        await writer.flush();
      } finally {
        restore();
      }
      const failed = writer.counters();
      assert.equal(failed.writtenRows, 50);
      assert.equal(failed.pendingRows, 200);
      assert.equal(failed.consecutiveFailures, 1);
      assert.ok(failed.lastError !== null && isStoreError('STORE_UNAVAILABLE', true, path)(failed.lastError));
      t.diagnostic(`refused write reported as: ${failed.lastError.message}`);
      await writer.flush();
      assert.equal(writer.counters().pendingRows, 0);
      assert.equal(writer.counters().writtenRows, 250);
      await writer.close();
      await store.close();
      assert.equal(countRows(path), 250);
    } finally {
      await writer.close();
      await store.close();
      remove();
    }
  });
});

describe('SQLite store: throughput', () => {
  it('writes 10,000 rows of 12 detectors in batches of 500', async (t) => {
    const { path, remove } = tempDatabase();
    const store = openSqliteStore({ path });
    const writer = new BatchedChunkWriter({ store, maxBatchRows: 500 });
    const channels = 10;
    const rows = 10_000;
    try {
      const records = Array.from({ length: rows }, (_, row) =>
        exampleChunk(`channel-${row % channels}`, Math.floor(row / channels), {
          measurements: exampleMeasurements(row),
        }),
      );
      const startedMs = performance.now();
      for (const record of records) writer.add(record);
      await writer.close();
      const elapsedMs = performance.now() - startedMs;
      await store.close();
      assert.equal(writer.counters().writtenRows, rows);
      assert.equal(countRows(path), rows);
      const jsonBytesPerRow = JSON.stringify(records[0]?.measurements).length;
      const fileBytesPerRow = statSync(path).size / rows;
      t.diagnostic(
        `${rows} rows in ${elapsedMs.toFixed(0)} ms: ${Math.round(rows / (elapsedMs / 1000))} rows/s; ` +
          `${jsonBytesPerRow} bytes of JSON per row, ${fileBytesPerRow.toFixed(0)} bytes of file per row`,
      );
    } finally {
      await writer.close();
      await store.close();
      remove();
    }
  });
});
