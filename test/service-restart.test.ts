/**
 * The whole service with SQLite, stopped as SIGTERM stops it and started again: every analysed chunk is
 * stored exactly once, incidents survive, and an incident left open is taken over by the next run.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { startService } from '../src/cli/run-command.js';
import { parseServiceConfig } from '../src/config/service-config.js';
import { openSqliteStore } from '../src/store/sqlite-store.js';
import { fixtureDirectory, fixturePath } from '../src/synth/fixtures.js';

describe('service restart', () => {
  it('stores every analysed chunk once across a stop and a restart, and keeps incidents', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'streamqc-restart-'));
    const config = parseServiceConfig(
      {
        http: { port: 0 },
        storage: { path: join(directory, 'streamqc.db'), evidenceDirectory: join(directory, 'evidence') },
        alerts: { defaults: { raiseAfterSeconds: 1, clearAfterSeconds: 30 } },
        inputs: { localDirectories: [fixtureDirectory] },
        channels: [{ id: 'black', url: await fixturePath('black.mp4'), loop: true, detectors: ['black'] }],
      },
      'test',
    );
    const logger = pino({ level: 'silent' });
    let analysed = 0;

    const first = await startService(config, logger);
    await sleep(8000);
    await first.stop();
    analysed += first.monitor.counters().chunksByChannel.black ?? 0;

    const second = await startService(config, logger);
    await sleep(4000);
    await second.stop();
    analysed += second.monitor.counters().chunksByChannel.black ?? 0;

    const store = openSqliteStore({ path: config.storage.path });
    try {
      const rows = await store.queryChunks('black', 0, Date.now() + 60_000, 100_000);
      assert.ok(analysed >= 4, `analysed ${analysed} chunks`);
      assert.equal(rows.length, analysed, 'every analysed chunk stored, none twice');
      const sessions = new Set(rows.map((row) => row.sessionId));
      assert.ok(sessions.size >= 2, 'each run is its own session');
      const incidents = await store.listIncidents({ channelId: 'black' });
      assert.ok(
        incidents.some((incident) => incident.kind === 'black'),
        JSON.stringify(incidents),
      );
    } finally {
      await store.close();
    }
  });
});
