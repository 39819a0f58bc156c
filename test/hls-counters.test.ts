/**
 * HLS delivery counters through the whole service: an HLS channel with real workers against an origin that
 * makes variant 0 stale for 3 s, answers 404 for one segment, sends another slowly and corrupts one
 * continuity counter in two segments, then ends the stream (EXT-X-ENDLIST) so that the monitor stops
 * asking and every request can be counted. The per-chunk figures in the timeline API, the channel's totals
 * and the /metrics counters then match what the origin served, exactly: playlist fetches and segment
 * requests per variant (FFmpeg's own requests, made with its `Lavf` user agent, left aside), one failure,
 * one slow segment, one stale playlist; and the TR 101 290 figures of the decoded rendition (variant 0):
 * every packet of its segments, two continuity errors, nothing else. A second channel on a clean origin
 * gets no transport error at all.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startApiServer } from '../src/api/api-server.js';
import type { OpenApiDocument } from '../src/api/openapi.js';
import { parseServiceConfig } from '../src/config/service-config.js';
import { mergeHlsFigures, readHlsFigures, type HlsChunkFigures } from '../src/hls/hls-chunk-figures.js';
import { startHlsOrigin } from '../src/hls/test-support/hls-origin.js';
import type { ChunkRecord } from '../src/service/model.js';
import { recordingMonitor } from '../src/test-support/recording-monitor.js';
import { readTimedPackets, writeLiveTestClip } from '../src/transport/test-support/live-ts-stream.js';
import { packetBytes } from '../src/transport/ts-constants.js';
import { tsChecks } from '../src/transport/ts-checks.js';
import {
  mergeTransportFigures,
  readTransportFigures,
  type TransportChunkFigures,
} from '../src/transport/transport-chunk-figures.js';

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, `timed out waiting: ${what}`);
    await sleep(250);
  }
}

/** Every chunk's `hls` figures as one. */
function timelineSum(chunks: readonly ChunkRecord[]): HlsChunkFigures | null {
  let sum: HlsChunkFigures | null = null;
  for (const chunk of chunks) {
    const figures = readHlsFigures(chunk.measurements['hls']);
    if (figures) sum = sum ? mergeHlsFigures(sum, figures) : figures;
  }
  return sum;
}

/** Every chunk's `transport` figures as one. */
function transportSum(chunks: readonly ChunkRecord[]): TransportChunkFigures | null {
  let sum: TransportChunkFigures | null = null;
  for (const chunk of chunks) {
    const figures = readTransportFigures(chunk.measurements['transport']);
    if (figures) sum = sum ? mergeTransportFigures(sum, figures) : figures;
  }
  return sum;
}

/** The checks with a non-zero count. */
function transportErrors(figures: TransportChunkFigures | null): Record<string, number> {
  const errors: Record<string, number> = {};
  for (const info of tsChecks) {
    const count = figures?.[info.counter] ?? 0;
    if (count !== 0) errors[info.counter] = count;
  }
  return errors;
}

/** The value of one sample in Prometheus text, or null. */
function sample(text: string, name: string, labels: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line === undefined ? null : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('HLS delivery counters in the service', () => {
  it('stores, serves and exports per-second counts that match what the origin did', async () => {
    // A decodable stream, so that the decoder makes the chunks the figures ride on.
    const directory = mkdtempSync(join(tmpdir(), 'streamqc-hls-counters-'));
    const clip = join(directory, 'clip.ts');
    await writeLiveTestClip(clip, 20);
    const packets = await readTimedPackets(clip);
    const origin = await startHlsOrigin({
      packets,
      bandwidthsBps: [1_600_000, 2_000_000],
      endAtSeconds: 10,
      faults: {
        freezePlaylist: { fromSeconds: 1, forSeconds: 3 },
        missingSegments: [6],
        slowSegments: { 7: 4000 },
        corruptContinuityInSegments: [5, 9],
      },
    });
    const cleanOrigin = await startHlsOrigin({ packets, endAtSeconds: 10 });
    const config = parseServiceConfig(
      {
        storage: { evidenceDirectory: join(directory, 'evidence') },
        channels: [
          {
            id: 'hls',
            url: origin.url,
            detectors: ['silence'],
            // Slow means three times the segment duration (a loaded machine must not make others slow); the
            // 4-second segment must not time out (by default after three target durations).
            // The small test clip carries far less than any BANDWIDTH declared: no bitrate check here.
            hls: { rendition: 'lowest', slowDownloadRatio: 3, segmentTimeoutMs: 20_000, minBitrateRatio: 0 },
          },
          {
            id: 'clean',
            url: cleanOrigin.url,
            detectors: ['silence'],
            hls: { slowDownloadRatio: 3, segmentTimeoutMs: 20_000, minBitrateRatio: 0 },
          },
        ],
      },
      'test config',
    );
    const { monitor, transitions } = recordingMonitor(config);
    await monitor.start();
    const server = await startApiServer({
      api: monitor,
      port: 0,
      tokens: [],
      evidenceDirectory: config.storage.evidenceDirectory,
    });
    const get = async (path: string) => {
      const response = await fetch(`${server.url}${path}`);
      assert.equal(response.status, 200, path);
      return response;
    };
    // The decoder's requests have FFmpeg's user agent; the worker also reads the multivariant playlist before
    // each decoder session to pick the rendition, so only the media playlists and segments are the checks'.
    const checkerRequests = (of = origin) =>
      of.requests.filter((r) => !r.userAgent.startsWith('Lavf') && r.path !== '/master.m3u8');
    const served = (pattern: RegExp) => checkerRequests().filter((r) => pattern.test(r.path)).length;
    /** Packets of the segments the checks downloaded from one variant. */
    const segmentPackets = (of: typeof origin, variant: number) =>
      checkerRequests(of)
        .filter((r) => r.path.startsWith(`/v${variant}/seg-`))
        .reduce((sum, r) => sum + r.bytes, 0) / packetBytes;
    const timeline = async (channel = 'hls') => {
      const answer = (await (
        await get(`/api/channels/${channel}/chunks?from=0&to=${Date.now() + 60_000}&limit=10000`)
      ).json()) as { chunks: ChunkRecord[] };
      return answer.chunks;
    };
    try {
      // The stream ends at 10 s of the origin's time; then the checks ask nothing more.
      let seen = -1;
      let quietSince = Date.now();
      await waitFor(
        async () => {
          const count = checkerRequests().length;
          if (count !== seen) [seen, quietSince] = [count, Date.now()];
          return served(/\.m3u8$/) > 20 && Date.now() - quietSince > 3000;
        },
        60_000,
        'the checks have read the whole stream',
      );
      // Figures of the last seconds reach the timeline with the next chunks (FFmpeg reads the ended stream
      // again as a VOD after each end).
      await waitFor(
        async () => timelineSum(await timeline())?.playlistFetches === served(/\.m3u8$/) + 1,
        30_000,
        'the timeline holds every playlist fetch',
      );
      // The end of the last segment is analysed once the stream ended, and rides on a later chunk.
      await waitFor(
        async () =>
          transportSum(await timeline())?.packets === segmentPackets(origin, 0) &&
          transportSum(await timeline('clean'))?.packets === segmentPackets(cleanOrigin, 0),
        30_000,
        'the timelines hold every packet of the decoded renditions',
      );
      const chunks = await timeline();
      const sum = timelineSum(chunks);
      assert.ok(sum);
      const of = (index: number) => sum.playlists.find((p) => p.playlist === index);
      assert.equal(of(-1)?.playlistFetches, 1, 'the checks read the multivariant playlist once');
      for (const index of [0, 1]) {
        const playlist = of(index);
        assert.equal(playlist?.playlistFetches, served(new RegExp(`^/v${index}/index\\.m3u8$`)), `v${index}`);
        assert.equal(playlist?.playlistErrors, 0, `v${index}`);
        assert.equal(
          (playlist?.segments ?? 0) + (playlist?.segmentFailures ?? 0),
          served(new RegExp(`^/v${index}/seg-`)),
          `v${index}: every segment request is a download or a failure`,
        );
        const bytes = checkerRequests()
          .filter((r) => r.path.startsWith(`/v${index}/seg-`))
          .reduce((sum, r) => sum + r.bytes, 0);
        assert.equal(playlist?.segmentBytes, bytes, `v${index} bytes`);
      }
      assert.deepEqual(
        [of(0)?.segmentFailures, of(0)?.slowSegments, of(0)?.stalePlaylists],
        [1, 1, 1],
        'variant 0: one 404, one slow segment, one stale playlist',
      );
      assert.deepEqual([of(1)?.segmentFailures, of(1)?.slowSegments, of(1)?.stalePlaylists], [0, 0, 0]);
      const errors = Object.fromEntries(Object.entries(sum.errors).filter(([, count]) => count > 0));
      assert.deepEqual(errors, { 'stale-playlist': 1, 'segment-failed': 1, 'segment-slow': 1 });

      // The decoded rendition's segments through the TR 101 290 analyser: the two corrupted counters only.
      const transport = transportSum(chunks);
      assert.deepEqual(transportErrors(transport), { continuityError: 2 });
      assert.deepEqual([transport?.priority1Errors, transport?.priority2Errors], [2, 0]);
      const clean = transportSum(await timeline('clean'));
      assert.ok(Number(clean?.packets) > 0);
      assert.deepEqual(transportErrors(clean), {}, 'clean segments: no transport error');
      assert.deepEqual([clean?.priority1Errors, clean?.priority2Errors], [0, 0]);
      // The segments' TR 101 290 findings are the same incident kinds as a UDP input's, raised at once.
      const raised = (channelId: string) =>
        transitions
          .filter((t) => t.kind === 'raised' && t.incident.channelId === channelId)
          .map((t) => t.incident.kind)
          .filter((kind) => kind === 'transport' || kind.startsWith('ts-'));
      assert.deepEqual([...new Set(raised('hls'))], ['ts-continuity']);
      assert.deepEqual(raised('clean'), []);

      // The OpenAPI document describes exactly what the timeline carries.
      const document = (await (await get('/api/openapi.json')).json()) as OpenApiDocument;
      const documented = Object.keys(document.components.schemas['HlsChunkFigures']?.properties ?? {});
      for (const chunk of chunks) {
        const figures = chunk.measurements['hls'];
        if (figures !== undefined)
          assert.deepEqual(Object.keys(figures as object).sort(), [...documented].sort());
      }

      // The channel's totals and /metrics count the same.
      const status = monitor.getChannel('hls');
      const totals = status?.hls?.playlists.find((p) => p.playlist === 0);
      assert.equal(totals?.playlistFetches, of(0)?.playlistFetches);
      assert.equal(totals?.segmentFailures, 1);
      assert.ok(Number(totals?.lastSegmentDownloadMs) >= 0);
      const metrics = await (await get('/metrics')).text();
      for (const index of [0, 1]) {
        const labels = `channel="hls",variant="${index}"`;
        assert.equal(
          sample(metrics, 'streamqc_hls_playlist_fetches_total', labels),
          served(new RegExp(`^/v${index}/index\\.m3u8$`)),
          `/metrics fetches v${index}`,
        );
        assert.equal(sample(metrics, 'streamqc_hls_segments_total', labels), of(index)?.segments);
        assert.equal(sample(metrics, 'streamqc_hls_segment_failures_total', labels), index === 0 ? 1 : 0);
        assert.equal(sample(metrics, 'streamqc_hls_slow_segments_total', labels), index === 0 ? 1 : 0);
        assert.equal(sample(metrics, 'streamqc_hls_stale_playlists_total', labels), index === 0 ? 1 : 0);
        assert.ok((sample(metrics, 'streamqc_hls_segment_download_seconds', labels) ?? -1) >= 0);
      }
      assert.equal(
        sample(metrics, 'streamqc_hls_playlist_fetches_total', 'channel="hls",variant="multivariant"'),
        1,
      );
      assert.equal(sample(metrics, 'streamqc_hls_errors_total', 'channel="hls",check="segment-failed"'), 1);
      assert.equal(sample(metrics, 'streamqc_hls_errors_total', 'channel="hls",check="media-sequence"'), 0);
      assert.equal(
        sample(metrics, 'streamqc_hls_declared_bandwidth_bits_per_second', 'channel="hls",variant="1"'),
        2_000_000,
      );
      for (const info of tsChecks) {
        const labels = (channel: string) =>
          `channel="${channel}",check="${info.counter}",priority="${info.priority}"`;
        const expected = info.counter === 'continuityError' ? 2 : 0;
        assert.equal(
          sample(metrics, 'streamqc_transport_errors_total', labels('hls')),
          expected,
          info.counter,
        );
        assert.equal(sample(metrics, 'streamqc_transport_errors_total', labels('clean')), 0, info.counter);
      }
      assert.equal(status?.transport?.counts.continuityError, 2);
      assert.equal(status?.transport?.packets, segmentPackets(origin, 0));
    } finally {
      await server.close();
      await monitor.stop();
      await origin.close();
      await cleanOrigin.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
