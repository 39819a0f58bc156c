/**
 * `streamqc run` with `archive.s3` set, against a local S3-compatible server: every chunk the monitor stored
 * is also in the bucket after shutdown, in its channel's object, and credentials come from the environment.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import pino from 'pino';
import { startService } from '../src/cli/run-command.js';
import { parseServiceConfig } from '../src/config/service-config.js';
import { openSqliteStore } from '../src/store/sqlite-store.js';
import { fixtureDirectory, fixturePath } from '../src/synth/fixtures.js';
import { waitUntil } from '../src/test-support/local-receiver.js';
import { S3TestServer, s3TestCredentials } from '../src/test-support/s3-test-server.js';

describe('service with an S3 archive', () => {
  it('archives every stored chunk, uploaded at shutdown', async () => {
    const server = new S3TestServer();
    await server.start();
    // The standard AWS credential chain: the config has no keys.
    process.env.AWS_ACCESS_KEY_ID = s3TestCredentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = s3TestCredentials.secretAccessKey;
    const client = server.client();
    try {
      const directory = mkdtempSync(join(tmpdir(), 'streamqc-archive-'));
      const config = parseServiceConfig(
        {
          http: { port: 0 },
          storage: { path: join(directory, 'streamqc.db'), evidenceDirectory: join(directory, 'evidence') },
          archive: {
            s3: {
              endpoint: server.endpoint,
              region: 'us-east-1',
              bucket: server.bucket,
              prefix: 'service',
              forcePathStyle: true,
            },
          },
          inputs: { localDirectories: [fixtureDirectory] },
          channels: [{ id: 'black', url: await fixturePath('black.mp4'), loop: true, detectors: ['black'] }],
        },
        'test',
      );
      const service = await startService(config, pino({ level: 'silent' }));
      // Waits for chunks rather than for a fixed time: on a loaded machine the worker may start slowly.
      await waitUntil(
        () => (service.monitor.counters().chunksByChannel.black ?? 0) >= 3,
        60_000,
        'three analysed chunks',
      );
      await service.stop();

      const store = openSqliteStore({ path: config.storage.path });
      const stored = await store.queryChunks('black', 0, Date.now() + 60_000, 100_000);
      await store.close();
      assert.ok(stored.length >= 3, `stored ${stored.length} chunks`);
      const keys = await server.listKeys(client);
      for (const key of keys)
        assert.match(key, /^service\/black\/\d{4}\/\d\d\/\d\d\/\d\d\/black-[\dT:.-]+Z\.ndjson\.gz$/);
      const minutes = new Set(stored.map((row) => Math.floor(row.startedAtMs / 60_000)));
      assert.equal(keys.length, minutes.size, 'one object per minute with chunks');
      const archived = (await Promise.all(keys.map((key) => server.readRecords(client, key)))).flat();
      const order = (a: { chunkIndex: number }, b: { chunkIndex: number }) => a.chunkIndex - b.chunkIndex;
      assert.deepEqual(archived.sort(order), stored.sort(order));
    } finally {
      client.destroy();
      await server.stop();
    }
  });
});
