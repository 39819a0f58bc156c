/**
 * The database stops taking writes while the service runs (a full disk, a file system gone read-only): the
 * channels go on, and once writes work again every second and every incident is in the file, once. The
 * outage is this process's file-size limit lowered to 0 (RLIMIT_FSIZE: every write to a regular file fails
 * with EFBIG, root included), so only the monitor's own writes fail; the channel workers are other processes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { startService } from '../src/cli/run-command.js';
import { parseServiceConfig } from '../src/config/service-config.js';
import type { LiveEvent } from '../src/service/monitor-api.js';
import type { ChunkRecord } from '../src/service/model.js';
import { limitFileSize } from '../src/store/file-faults.js';
import { openSqliteStore } from '../src/store/sqlite-store.js';
import { fixtureDirectory, fixturePath } from '../src/synth/fixtures.js';
import { startReceiver } from '../src/test-support/local-receiver.js';

describe('database outage under a running service', () => {
  it('keeps analysing, then stores every second and every incident exactly once', async (t) => {
    const directory = mkdtempSync(join(tmpdir(), 'streamqc-outage-'));
    const databasePath = join(directory, 'results.db');
    const black = await fixturePath('black.mp4');
    // Notifications wait in the outbox with their incident: those raised during the outage go out after it.
    const receiver = await startReceiver();
    t.after(() => receiver.close());
    const config = parseServiceConfig(
      {
        http: { port: 0 },
        alerts: { defaults: { raiseAfterSeconds: 1, clearAfterSeconds: 1 } },
        storage: { path: databasePath, evidenceDirectory: join(directory, 'evidence') },
        inputs: { localDirectories: [fixtureDirectory] },
        channels: [
          { id: 'one', url: black, loop: true, detectors: ['black', 'silence'] },
          { id: 'two', url: black, loop: true, detectors: ['black', 'silence'] },
        ],
        notifications: [{ id: 'ops', kind: 'webhook', url: receiver.url }],
      },
      'store outage test',
    );
    const logged: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void logged.push(line) });
    const service = await startService(config, logger);
    const raised = new Set<string>();
    const unsubscribe = service.monitor.subscribe((event: LiveEvent) => {
      if (event.type === 'incident' && event.transition.kind === 'raised')
        raised.add(event.transition.incident.id);
    });
    let chunksDuringOutage = 0;
    try {
      await sleep(6000);
      const restore = limitFileSize(0);
      if (restore === null) {
        t.skip('prlimit is not available to lower the file size limit');
        return;
      }
      const before = service.monitor.counters().chunksByChannel;
      try {
        // Long enough to cover the black second of the 12 s loop (4-7 s) on at least one pass.
        await sleep(14_000);
      } finally {
        restore();
      }
      const after = service.monitor.counters().chunksByChannel;
      chunksDuringOutage = Object.keys(after).reduce(
        (sum, id) => sum + (after[id] ?? 0) - (before[id] ?? 0),
        0,
      );
      await sleep(4000);
    } finally {
      unsubscribe();
      await service.stop();
    }
    assert.ok(
      chunksDuringOutage >= 20,
      `the channels went on during the outage (${chunksDuringOutage} chunks)`,
    );
    assert.ok(raised.size >= 2, `incidents raised (${raised.size})`);
    assert.ok(
      logged.some((line) => line.includes('chunk write failed')),
      'the outage really refused writes (the writer logged it)',
    );

    const store = openSqliteStore({ path: databasePath });
    try {
      for (const id of ['one', 'two']) {
        const rows = await store.queryChunks(id, 0, Date.now() + 60_000, 100_000);
        const analysed = service.monitor.counters().chunksByChannel[id] ?? 0;
        assert.equal(rows.length, analysed, `${id}: every analysed second stored`);
        const keys = new Set(rows.map((row: ChunkRecord) => `${row.sessionId}/${row.chunkIndex}`));
        assert.equal(keys.size, rows.length, `${id}: no second stored twice`);
      }
      const stored = await store.listIncidents({ limit: 10_000 });
      const storedIds = stored.map((incident) => incident.id);
      assert.equal(new Set(storedIds).size, storedIds.length, 'no incident stored twice');
      for (const id of raised) assert.ok(storedIds.includes(id), `incident ${id} stored`);
      const sentKeys = receiver.requests.map((request) => String(request.headers['idempotency-key']));
      assert.equal(
        new Set(sentKeys).size,
        sentKeys.length,
        `no notification sent twice: ${sentKeys.join(' ')}`,
      );
      for (const id of raised) assert.ok(sentKeys.includes(`${id}:raised`), `incident ${id} notified`);
    } finally {
      await store.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
