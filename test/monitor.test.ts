/**
 * The monitor end to end with real worker processes: a looped file with black at 4-7 s raises and clears
 * a black incident; killing one channel's worker does not stop the other, and the channel comes back.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { parseServiceConfig } from '../src/config/service-config.js';
import { Monitor, type ChunkSink, type TransitionSink } from '../src/service/monitor.js';
import type { ChunkRecord, IncidentTransition } from '../src/service/model.js';
import { openMemoryStore } from '../src/store/memory-store.js';
import { fixtureDirectory, fixturePath } from '../src/synth/fixtures.js';

function sinks() {
  const store = openMemoryStore();
  const rows: ChunkRecord[] = [];
  const transitions: IncidentTransition[] = [];
  const chunks: ChunkSink = {
    add: (r) => rows.push(r),
    flush: () => store.writeChunks(rows.splice(0)),
    close: async () => undefined,
  };
  const notifier: TransitionSink = {
    notify: (t) => transitions.push(t),
    flush: async () => undefined,
    counters: () => ({ failed: 0 }),
    close: async () => undefined,
  };
  return { store, chunks, notifier, transitions };
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await sleep(100);
  }
}

describe('monitor', () => {
  it('raises and clears incidents from a looped channel; a killed worker restarts without stopping the other', async () => {
    const black = await fixturePath('black.mp4');
    const clean = await fixturePath('clean.mp4');
    const config = parseServiceConfig(
      {
        alerts: { defaults: { raiseAfterSeconds: 1, clearAfterSeconds: 1 } },
        storage: { evidenceDirectory: join(mkdtempSync(join(tmpdir(), 'streamqc-evidence-')), 'evidence') },
        worker: { heartbeatTimeoutMs: 5000, maxRestartBackoffMs: 1000 },
        inputs: { localDirectories: [fixtureDirectory] },
        channels: [
          { id: 'black-channel', url: black, loop: true, detectors: ['black', 'freeze', 'silence'] },
          { id: 'clean-channel', url: clean, loop: true, detectors: ['black', 'freeze', 'silence'] },
        ],
      },
      'test config',
    );
    const { store, chunks, notifier, transitions } = sinks();
    const monitor = new Monitor({ config, store, chunks, notifier, logger: pino({ level: 'silent' }) });
    await monitor.start();
    try {
      await waitFor(
        () => transitions.some((t) => t.kind === 'raised' && t.incident.kind === 'black'),
        30_000,
      );
      const raised = transitions.find((t) => t.kind === 'raised');
      assert.equal(raised?.incident.channelId, 'black-channel');
      await waitFor(
        () => transitions.some((t) => t.kind === 'cleared' && t.incident.kind === 'black'),
        20_000,
      );
      const incidentId = raised?.incident.id ?? '';
      await waitFor(async () => (await store.getIncident(incidentId))?.evidence.clipPath != null, 30_000);
      const evidence = (await store.getIncident(incidentId))?.evidence;
      assert.equal(
        readFileSync(evidence?.clipPath ?? '')
          .subarray(4, 8)
          .toString('latin1'),
        'ftyp',
        'the clip is MP4',
      );
      assert.deepEqual(
        [...readFileSync(evidence?.thumbnailPath ?? '').subarray(0, 2)],
        [0xff, 0xd8],
        'the thumbnail is a JPEG',
      );

      await waitFor(() => monitor.liveThumbnail('clean-channel') !== null, 10_000);
      assert.deepEqual(
        [...(monitor.liveThumbnail('clean-channel')?.jpeg.subarray(0, 2) ?? [])],
        [0xff, 0xd8],
      );
      const cleanChunksBefore = monitor.getChannel('clean-channel')?.lastChunkAtMs ?? 0;
      monitor.killWorker('black-channel');
      await waitFor(() => (monitor.getChannel('black-channel')?.restarts ?? 0) >= 1, 5000);
      await waitFor(
        () => (monitor.getChannel('clean-channel')?.lastChunkAtMs ?? 0) > cleanChunksBefore,
        5000,
      );
      await waitFor(() => monitor.getChannel('black-channel')?.state === 'ok', 30_000);
      assert.deepEqual(
        transitions.filter((t) => t.incident.channelId === 'clean-channel').map((t) => t.incident.kind),
        [],
      );
    } finally {
      await monitor.stop();
    }
    assert.ok((await store.queryChunks('clean-channel', 0, Date.now() + 1000)).length >= 5);
    const keys = transitions.map((t) => t.key);
    assert.equal(new Set(keys).size, keys.length, 'every transition has its own idempotency key');
  });
});
