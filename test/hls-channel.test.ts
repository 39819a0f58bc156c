/**
 * An HLS channel in `streamqc run`, with real worker processes: the delivery checks of every variant become
 * incidents (a variant whose BANDWIDTH lies, segments that answer 404 for 3 s: a condition shorter than the
 * incident engine's 1-second evaluation could pass unraised), and the decoder opens the chosen
 * rendition's media playlist rather than the multivariant one.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { parseServiceConfig } from '../src/config/service-config.js';
import { startHlsOrigin } from '../src/hls/test-support/hls-origin.js';
import type { IncidentTransition } from '../src/service/model.js';
import { Monitor } from '../src/service/monitor.js';
import { openMemoryStore } from '../src/store/memory-store.js';

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await sleep(100);
  }
}

describe('HLS channel in the monitor', () => {
  it('raises incidents from the delivery checks and decodes the chosen rendition', async () => {
    const origin = await startHlsOrigin({
      bandwidthsBps: [300_000, 1_600_000],
      faults: { missingSegments: [3] },
    });
    const config = parseServiceConfig(
      {
        alerts: { defaults: { raiseAfterSeconds: 0, clearAfterSeconds: 0.5 } },
        storage: { evidenceDirectory: join(mkdtempSync(join(tmpdir(), 'streamqc-hls-')), 'evidence') },
        channels: [
          {
            id: 'hls-channel',
            url: origin.url,
            detectors: ['silence'],
            hls: { rendition: 'lowest', bitrateWindowSeconds: 2 },
          },
        ],
      },
      'test config',
    );
    const store = openMemoryStore();
    const transitions: IncidentTransition[] = [];
    const monitor = new Monitor({
      config,
      store,
      chunks: { add: () => undefined, flush: async () => undefined, close: async () => undefined },
      notifier: {
        notify: (t) => transitions.push(t),
        flush: async () => undefined,
        counters: () => ({ failed: 0 }),
        close: async () => undefined,
      },
      logger: pino({ level: 'silent' }),
    });
    const seen = (kind: string, transition: IncidentTransition['kind']) =>
      transitions.some((t) => t.incident.kind === kind && t.kind === transition);
    await monitor.start();
    try {
      await waitFor(() => seen('hls-bitrate', 'raised'), 20_000);
      await waitFor(() => seen('hls-segment-failed', 'cleared'), 20_000);
    } finally {
      await monitor.stop();
      await origin.close();
    }
    const bitrate = transitions.find((t) => t.incident.kind === 'hls-bitrate')?.incident;
    assert.equal(bitrate?.details.playlist, 0, 'variant 0 declares 300 kb/s and carries 1.5 Mb/s');
    assert.equal(bitrate?.details.declaredBps, 300_000);
    const failed = transitions.find((t) => t.incident.kind === 'hls-segment-failed')?.incident;
    assert.equal(failed?.details.sequence, 3);
    assert.equal(
      transitions.filter((t) => t.incident.kind === 'hls-segment-failed' && t.kind === 'raised').length,
      1,
      'three failures in a row are one incident',
    );
    const decoderPlaylists = new Set(
      origin.requests
        .filter((r) => r.userAgent.startsWith('Lavf') && r.path.endsWith('.m3u8'))
        .map((r) => r.path),
    );
    assert.deepEqual([...decoderPlaylists], ['/v0/index.m3u8'], 'FFmpeg opens the lowest rendition only');
  });
});
