/**
 * The PostgreSQL store against a real server (STREAMQC_TEST_POSTGRES_URL), each test in its own schema.
 * Without the variable every test here is skipped with one line saying so.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { isStreamqcError, type ErrorCode } from '../errors/streamqc-error.js';
import {
  postgresSkipReason,
  postgresTestUrl,
  testSchema,
  type TestSchema,
} from '../test-support/postgres-test-db.js';
import { BatchedChunkWriter } from './chunk-writer.js';
import { postgresSchemaVersion } from './postgres-schema.js';
import { openPostgresStore, type PostgresStoreOptions } from './postgres-store.js';
import { describeResultStoreConformance } from './result-store.conformance.js';
import { exampleChunk, exampleMeasurements } from './result-store.fixtures.js';
import type { ResultStore } from './result-store.js';

const url = postgresTestUrl();

/** The error a store must give: typed, one line, naming the server without its password. */
function isStoreError(code: ErrorCode, pattern?: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(isStreamqcError(error), `expected a StreamqcError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.equal(error.retryable, code === 'STORE_UNAVAILABLE');
    assert.ok(!error.message.includes('\n'), error.message);
    assert.doesNotMatch(error.message, /:secret-password@|:streamqc@/);
    if (pattern !== undefined) assert.match(error.message, pattern);
    return true;
  };
}

/** Runs a body with a store in a fresh schema, then closes it and drops the schema. */
async function withSchema(
  body: (
    schema: TestSchema,
    open: (extra?: Partial<PostgresStoreOptions>) => Promise<ResultStore>,
  ) => Promise<void>,
): Promise<void> {
  const schema = testSchema(url ?? '');
  const opened: ResultStore[] = [];
  const open = async (extra: Partial<PostgresStoreOptions> = {}): Promise<ResultStore> => {
    const store = await openPostgresStore({ url: schema.url, schema: schema.schema, ...extra });
    opened.push(store);
    return store;
  };
  try {
    await body(schema, open);
  } finally {
    await Promise.all(opened.map((store) => store.close()));
    await schema.drop();
  }
}

/** A plain connection into the test schema, for what the store does not offer (locks, counts). */
async function sideConnection(schema: TestSchema): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: schema.url, options: `-c search_path=${schema.schema}` });
  await client.connect();
  return client;
}

if (url === null) {
  describe('PostgreSQL store', { skip: postgresSkipReason }, () => undefined);
} else {
  describeResultStoreConformance('postgres', async () => {
    const schema = testSchema(url);
    const options = { url, schema: schema.schema };
    return {
      store: await openPostgresStore(options),
      reopen: () => openPostgresStore(options),
      cleanup: () => schema.drop(),
    };
  });

  describe('PostgreSQL store: opening', () => {
    it('creates its schema and applies each migration once, also when several nodes open at once', () =>
      withSchema(async (schema, open) => {
        await Promise.all([open(), open(), open()]);
        await open();
        const side = await sideConnection(schema);
        try {
          const result = await side.query<{ version: number }>(
            'SELECT version FROM schema_migrations ORDER BY version',
          );
          assert.deepEqual(
            result.rows.map((row) => row.version),
            Array.from({ length: postgresSchemaVersion }, (_, index) => index + 1),
          );
        } finally {
          await side.end();
        }
      }));

    it('refuses a schema written by a newer streamqc', () =>
      withSchema(async (schema, open) => {
        await (await open()).close();
        const side = await sideConnection(schema);
        try {
          await side.query('INSERT INTO schema_migrations (version, applied_at_ms) VALUES ($1, 0)', [
            postgresSchemaVersion + 1,
          ]);
        } finally {
          await side.end();
        }
        await assert.rejects(open(), isStoreError('STORE_FAILED', /newer than this streamqc/));
      }));

    it('says the password is wrong, without showing it, and that retrying will not help', async () => {
      const wrong = new URL(url);
      wrong.password = 'secret-password';
      await assert.rejects(
        openPostgresStore({ url: wrong.toString(), schema: 'streamqc_never_created' }),
        isStoreError('STORE_FAILED', /password authentication failed|authentication/),
      );
    });

    it('says the server cannot be reached, as a retryable failure', async () => {
      const unreachable = new URL(url);
      unreachable.hostname = '127.0.0.1';
      unreachable.port = '1';
      await assert.rejects(
        openPostgresStore({ url: unreachable.toString(), connectTimeoutMs: 2000 }),
        isStoreError('STORE_UNAVAILABLE', /connection refused/),
      );
    });

    it('refuses a schema name that would need quoting', async () => {
      await assert.rejects(
        openPostgresStore({ url, schema: 'Robert"); DROP TABLE chunks;--' }),
        isStoreError('BAD_CONFIG', /schema must be/),
      );
    });
  });

  describe('PostgreSQL store: several nodes', () => {
    it('lands each row once when two nodes write overlapping batches at the same time', () =>
      withSchema(async (schema, open) => {
        const [first, second] = await Promise.all([open(), open()]);
        const rows = (from: number, to: number) =>
          Array.from({ length: to - from }, (_, offset) => exampleChunk('ch-a', from + offset));
        // 0-599 and 300-899: 300 rows in both batches, sent at once from two pools.
        await Promise.all([first.writeChunks(rows(0, 600)), second.writeChunks(rows(300, 900))]);
        const stored = await first.queryChunks('ch-a', 0, Number.MAX_SAFE_INTEGER);
        assert.deepEqual(
          stored.map((record) => record.chunkIndex),
          Array.from({ length: 900 }, (_, index) => index),
        );
        const side = await sideConnection(schema);
        try {
          const count = await side.query<{ rows: number }>('SELECT COUNT(*)::integer AS rows FROM chunks');
          assert.equal(count.rows[0]?.rows, 900);
        } finally {
          await side.end();
        }
      }));
  });

  describe('PostgreSQL store: failures while running', () => {
    it('a write blocked by a lock times out as retryable; the writer retries and lands each row once', () =>
      withSchema(async (schema, open) => {
        const store = await open({ statementTimeoutMs: 300 });
        const writer = new BatchedChunkWriter({ store, maxBatchRows: 1000 });
        const side = await sideConnection(schema);
        try {
          for (let index = 0; index < 50; index += 1) writer.add(exampleChunk('ch-a', index));
          await writer.flush();
          await side.query('BEGIN');
          await side.query('LOCK TABLE chunks IN ACCESS EXCLUSIVE MODE');
          for (let index = 0; index < 250; index += 1) writer.add(exampleChunk('ch-a', index));
          await writer.flush();
          const failed = writer.counters();
          assert.equal(failed.writtenRows, 50);
          assert.equal(failed.pendingRows, 250);
          assert.ok(
            failed.lastError !== null && isStoreError('STORE_UNAVAILABLE', /timed out/)(failed.lastError),
          );
          await side.query('ROLLBACK');
          await writer.flush();
          assert.equal(writer.counters().pendingRows, 0);
          const count = await side.query<{ rows: number }>('SELECT COUNT(*)::integer AS rows FROM chunks');
          assert.equal(count.rows[0]?.rows, 250);
        } finally {
          await side.end();
          await writer.close();
        }
      }));

    it('reconnects after the server ended its connections', () =>
      withSchema(async (schema, open) => {
        const store = await open();
        await store.writeChunks([exampleChunk('ch-a', 0)]);
        const side = await sideConnection(schema);
        try {
          const ended = await side.query<{ ended: boolean }>(
            'SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE application_name = $1',
            [`streamqc/${schema.schema}`],
          );
          assert.ok(ended.rows.length >= 1 && ended.rows.every((row) => row.ended));
        } finally {
          await side.end();
        }
        // The pool drops the broken idle connection; a query that met it fails retryable, the next one works.
        let rows: number | null = null;
        for (let attempt = 0; attempt < 3 && rows === null; attempt += 1) {
          try {
            rows = (await store.queryChunks('ch-a', 0, Number.MAX_SAFE_INTEGER)).length;
          } catch (error) {
            isStoreError('STORE_UNAVAILABLE')(error);
          }
        }
        assert.equal(rows, 1);
      }));
  });

  describe('PostgreSQL store: throughput', () => {
    it('writes 10,000 rows of 12 detectors in batches of 500', (t) =>
      withSchema(async (schema, open) => {
        const store = await open();
        const writer = new BatchedChunkWriter({ store, maxBatchRows: 500 });
        const rows = 10_000;
        const records = Array.from({ length: rows }, (_, row) =>
          exampleChunk(`channel-${row % 10}`, Math.floor(row / 10), {
            measurements: exampleMeasurements(row),
          }),
        );
        const startedMs = performance.now();
        for (const record of records) writer.add(record);
        await writer.close();
        const elapsedMs = performance.now() - startedMs;
        assert.equal(writer.counters().writtenRows, rows);
        const side = await sideConnection(schema);
        try {
          const count = await side.query<{ rows: number; bytes: number }>(
            `SELECT COUNT(*)::integer AS rows, pg_total_relation_size('chunks')::float8 AS bytes FROM chunks`,
          );
          assert.equal(count.rows[0]?.rows, rows);
          t.diagnostic(
            `${rows} rows in ${elapsedMs.toFixed(0)} ms: ${Math.round(rows / (elapsedMs / 1000))} rows/s; ` +
              `${((count.rows[0]?.bytes ?? 0) / rows).toFixed(0)} bytes of table and indexes per row`,
          );
        } finally {
          await side.end();
        }
      }));
  });
}
