/**
 * Choosing the result store in the service config: old configs stay valid (SQLite), a PostgreSQL section is
 * checked with its paths, and a database that is missing or unreachable stops the start with one line that
 * never shows the password. Needs no PostgreSQL server.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import pino from 'pino';
import { startService } from '../src/cli/run-command.js';
import { parseServiceConfig } from '../src/config/service-config.js';
import { isStreamqcError } from '../src/errors/streamqc-error.js';

/** A logger whose lines are kept, to check what it wrote. */
function capturingLogger(): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

describe('storage.kind', () => {
  it('defaults to SQLite, so configs written before PostgreSQL stay valid', () => {
    const config = parseServiceConfig({ storage: { path: 'results.db', retentionDays: 3 } }, 'old.yaml');
    assert.equal(config.storage.kind, 'sqlite');
    assert.equal(config.storage.path, 'results.db');
    assert.equal(config.storage.postgres.urlEnv, 'STREAMQC_POSTGRES_URL');
    assert.equal(config.storage.postgres.schema, 'public');
  });

  it('lists every problem of a PostgreSQL section with its path', () => {
    assert.throws(
      () =>
        parseServiceConfig(
          {
            storage: {
              kind: 'postgresql',
              postgres: { url: 'mysql://x', schema: 'Bad-Name', maxConnections: 0, pasword: 'x' },
            },
          },
          'bad.yaml',
        ),
      (error: Error) =>
        /storage\.kind/.test(error.message) &&
        /storage\.postgres\.url: .*postgres:\/\//.test(error.message) &&
        /storage\.postgres\.schema: lower-case/.test(error.message) &&
        /storage\.postgres\.maxConnections/.test(error.message) &&
        /pasword/.test(error.message),
    );
  });

  it('refuses to start without a URL, naming the setting and the environment variable', async () => {
    const config = parseServiceConfig(
      { storage: { kind: 'postgres', postgres: { urlEnv: 'STREAMQC_TEST_NEVER_SET_URL' } } },
      'test',
    );
    await assert.rejects(
      startService(config, pino({ level: 'silent' })),
      (error: unknown) =>
        isStreamqcError(error) &&
        error.code === 'BAD_CONFIG' &&
        /storage\.postgres\.url: not set, and the environment variable STREAMQC_TEST_NEVER_SET_URL is empty/.test(
          error.message,
        ),
    );
  });

  it('stops with one retryable line when the server is unreachable, never showing the password', async () => {
    const url = 'postgres://streamqc:hunter2-secret@127.0.0.1:1/streamqc';
    const config = parseServiceConfig(
      { http: { port: 0 }, storage: { kind: 'postgres', postgres: { url, connectTimeoutMs: 2000 } } },
      'test',
    );
    const { logger, lines } = capturingLogger();
    await assert.rejects(startService(config, logger), (error: unknown) => {
      assert.ok(isStreamqcError(error), String(error));
      assert.equal(error.code, 'STORE_UNAVAILABLE');
      assert.equal(error.retryable, true);
      assert.match(
        error.message,
        /^cannot open store 'postgres:\/\/streamqc:\*\*\*@127\.0\.0\.1:1\/streamqc': /,
      );
      assert.ok(!error.message.includes('\n'));
      return true;
    });
    assert.ok(
      lines.every((line) => !line.includes('hunter2')),
      lines.join(''),
    );
  });
});
