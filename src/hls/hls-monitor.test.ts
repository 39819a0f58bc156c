/**
 * The HLS monitor against a local origin made to misbehave in one way per test: each fault gives exactly
 * its own event, and a clean origin gives none. Segments are 1 s (target duration 1), so each test runs a
 * few seconds; the tests run concurrently. A test runs until the origin has reached a given second (its
 * media sequence says which) or the expected event came, then one second more for anything extra, so a
 * slow start on a loaded machine moves nothing; timing margins are wide (slow = twice the segment
 * duration) so load cannot fake a finding.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventCollector, type ReportEvent } from '../pipeline/event-collector.js';
import { tsChecks } from '../transport/ts-checks.js';
import { packetBytes } from '../transport/ts-constants.js';
import { mergeTransportFigures, type TransportChunkFigures } from '../transport/transport-chunk-figures.js';
import { hlsWindowFigures, mergeHlsFigures, type HlsChunkFigures } from './hls-chunk-figures.js';
import { hlsConfigSchema } from './hls-config.js';
import { HlsMonitor, type HlsSummary } from './hls-monitor.js';
import {
  segmentBitrateBps,
  segmentBytesEach,
  startHlsOrigin,
  type OriginOptions,
} from './test-support/hls-origin.js';

interface Run {
  readonly events: readonly ReportEvent[];
  readonly summary: HlsSummary;
  /** The decoded rendition's TR 101 290 figures, every window's together (null: no TS was analysed). */
  readonly transport: TransportChunkFigures | null;
}

interface Progress {
  readonly events: readonly ReportEvent[];
  /** Playlist 0's media sequence: the origin's second, until a reset. */
  readonly mediaSequence: number;
}

/** Until the origin's playlist 0 has reached second `seconds`. */
const originAt =
  (seconds: number) =>
  ({ mediaSequence }: Progress): boolean =>
    mediaSequence >= seconds;

/** Until an event of `detector` has come. */
const eventOf =
  (detector: string) =>
  ({ events }: Progress): boolean =>
    events.some((event) => event.detector === detector);

/**
 * Slow means ten times the segment duration here but in the slow-segment test: a test process starved of
 * CPU (the suite runs beside other work) sees every download take longer, and must not report them.
 */
const testConfig = { bitrateWindowSeconds: 2, slowDownloadRatio: 10, segmentTimeoutMs: 20_000 };

async function monitor(
  origin: OriginOptions,
  until: (progress: Progress) => boolean,
  url?: (o: { url: string }) => string,
  config: Readonly<Record<string, unknown>> = {},
): Promise<Run> {
  const server = await startHlsOrigin(origin);
  const collector = new EventCollector();
  let mediaSequence = -1;
  let transport: TransportChunkFigures | null = null;
  const hls = HlsMonitor.start({
    url: url ? url(server) : server.url,
    config: hlsConfigSchema.parse({ ...testConfig, ...config }),
    onTransition: ({ detector, transition }) => collector.accept(detector, transition),
    onWindow: (window) => {
      mediaSequence = window.playlists[0]?.mediaSequence ?? mediaSequence;
      transport = sumFigures(transport, window.transport);
    },
  });
  const deadline = Date.now() + 20_000;
  while (!until({ events: collector.events(), mediaSequence }) && Date.now() < deadline) await sleep(100);
  await sleep(1000);
  const summary = await hls.close();
  await server.close();
  collector.closeAll(summary.durationSeconds);
  return { events: collector.events(), summary, transport };
}

function sumFigures(
  sum: TransportChunkFigures | null,
  next: TransportChunkFigures | null,
): TransportChunkFigures | null {
  return sum && next ? mergeTransportFigures(sum, next) : (sum ?? next);
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

function kinds(events: readonly ReportEvent[]): string[] {
  return events.map((event) => `${event.detector} p${String(event.details.playlist)}`);
}

describe('HlsMonitor against a local origin', { concurrency: true }, () => {
  it('reports nothing for a clean origin, and measures what it serves', async () => {
    const { events, summary, transport } = await monitor(
      { bandwidthsBps: [1_600_000, 2_000_000] },
      originAt(3),
    );
    assert.deepEqual(kinds(events), []);
    // The decoded rendition's segments, every packet of them, through the analyser: no error.
    const chosen = summary.playlists.find((p) => p.chosen);
    assert.equal(transport?.packets, ((chosen?.figures.segments ?? 0) * segmentBytesEach) / packetBytes);
    assert.deepEqual(transportErrors(transport), {});
    assert.deepEqual([transport?.priority1Errors, transport?.priority2Errors], [0, 0]);
    assert.equal(summary.kind, 'multivariant');
    assert.equal(summary.playlists.length, 2);
    for (const playlist of summary.playlists) {
      assert.ok(playlist.figures.segments >= 2, `${playlist.label}: ${playlist.figures.segments} segments`);
      assert.equal(playlist.measuredBitrateBps, segmentBitrateBps);
      assert.equal(playlist.targetDurationSeconds, 1);
      assert.ok(Object.values(playlist.transport).every((count) => count === 0));
    }
    assert.deepEqual(
      summary.playlists.map((p) => p.chosen),
      [false, true],
      'the highest BANDWIDTH is chosen by default',
    );
  });

  it('finds a stale playlist once, from its last change until it moves again', async () => {
    const { events } = await monitor(
      { faults: { freezePlaylist: { fromSeconds: 0, forSeconds: 4 } } },
      originAt(5),
    );
    assert.deepEqual(kinds(events), ['hls-stale-playlist p0']);
    const [stale] = events;
    // From the first read (the playlist never changed after it) to the first change after the freeze, at
    // about 4 s; a reload delayed by load can only make it look shorter.
    const lastedSeconds = (stale?.endSeconds ?? 0) - (stale?.startSeconds ?? 0);
    assert.ok(lastedSeconds >= 2 && lastedSeconds <= 5, JSON.stringify(stale));
    assert.equal(stale?.details.limitSeconds, 1.5);
  });

  it('finds a segment that answers 404, exactly once', async () => {
    const { events, summary } = await monitor({ faults: { missingSegments: [5] } }, originAt(4));
    assert.deepEqual(kinds(events), ['hls-segment-failed p0']);
    assert.equal(events[0]?.details.sequence, 5);
    assert.equal(events[0]?.details.status, 404);
    assert.equal(summary.playlists[0]?.figures.segmentErrors, 1);
    assert.equal(summary.errors['segment-failed'], 1);
  });

  it('finds a slow segment download, exactly once', async () => {
    const { events, summary } = await monitor(
      { faults: { slowSegments: { 5: 4000 } } },
      originAt(7),
      undefined,
      { slowDownloadRatio: 3 },
    );
    assert.deepEqual(kinds(events), ['hls-segment-slow p0']);
    assert.equal(events[0]?.details.sequence, 5);
    assert.ok(Number(events[0]?.details.downloadMs) >= 4000);
    assert.equal(summary.playlists[0]?.figures.slowSegments, 1);
  });

  it('finds a media sequence reset, exactly once', async () => {
    const { events } = await monitor({ faults: { resetAtSeconds: 2 } }, eventOf('hls-media-sequence'));
    assert.deepEqual(kinds(events), ['hls-media-sequence p0']);
    // Backwards, or (when the last version read before the restart still began at 0) the same numbers
    // naming the new encoder's segments.
    assert.ok(['backwards', 'reused'].includes(String(events[0]?.details.problem)));
    assert.equal(events[0]?.details.toSequence, 0);
  });

  it('finds a media sequence that skips segments never listed, exactly once', async () => {
    const { events } = await monitor(
      { faults: { skip: { atSeconds: 2, segments: 6 } } },
      eventOf('hls-media-sequence'),
    );
    assert.deepEqual(kinds(events), ['hls-media-sequence p0']);
    assert.equal(events[0]?.details.problem, 'jump');
    // Which segments were never listed depends on when the last version before the jump was read: at
    // least the 2 the origin skipped past the end of its 4-segment window.
    const { fromSequence, toSequence, missedSegments } = events[0]?.details ?? {};
    assert.equal(missedSegments, Number(toSequence) - Number(fromSequence) - 1);
    assert.ok(Number(missedSegments) >= 2);
  });

  it('finds the variant whose BANDWIDTH lies, and only that one', async () => {
    const { events } = await monitor({ bandwidthsBps: [1_600_000, 300_000] }, originAt(3));
    assert.deepEqual(kinds(events), ['hls-bitrate p1']);
    assert.equal(events[0]?.details.direction, 'over');
    assert.equal(events[0]?.details.measuredBps, segmentBitrateBps);
    assert.equal(events[0]?.details.declaredBps, 300_000);
  });

  it('counts a continuity error inside a TS segment through the TR 101 290 analyser', async () => {
    const { events, summary, transport } = await monitor(
      { faults: { corruptContinuityInSegments: [5] } },
      originAt(4),
    );
    assert.deepEqual(kinds(events), ['transport p0']);
    assert.equal(events[0]?.details.check, '1.4 continuity');
    assert.equal(summary.playlists[0]?.transport.continuityError, 1);
    // The same error in the per-second figures of the decoded rendition (the only one here).
    assert.deepEqual(transportErrors(transport), { continuityError: 1 });
    assert.deepEqual([transport?.priority1Errors, transport?.priority2Errors], [1, 0]);
  });

  it('finds a segment longer than the target duration, and watches a media playlist URL alone', async () => {
    const { events, summary } = await monitor(
      { editPlaylist: (text) => text.replace('#EXTINF:1.000,\nseg-0-5.ts', '#EXTINF:2.000,\nseg-0-5.ts') },
      originAt(3),
      (origin) => origin.url.replace('master.m3u8', 'v0/index.m3u8'),
    );
    assert.equal(summary.kind, 'media');
    assert.deepEqual(kinds(events), ['hls-segment-duration p0']);
    assert.equal(events[0]?.details.sequence, 5);
  });

  it('reports a new discontinuity, and a discontinuity sequence that does not count it once it left', async () => {
    // Segment 3 follows a discontinuity; with a 2-segment window it leaves the playlist at about 4 s.
    const origin = (countsIt: boolean): OriginOptions => ({
      windowSegments: 2,
      editPlaylist: (text) => {
        const edited = text.replace(
          '#EXTINF:1.000,\nseg-0-3.ts',
          '#EXT-X-DISCONTINUITY\n#EXTINF:1.000,\nseg-0-3.ts',
        );
        const sequence = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)?.[1]);
        if (!countsIt || sequence < 4) return edited;
        return edited.replace(
          '#EXT-X-MEDIA-SEQUENCE',
          '#EXT-X-DISCONTINUITY-SEQUENCE:1\n#EXT-X-MEDIA-SEQUENCE',
        );
      },
    });
    const [right, wrong] = await Promise.all([
      monitor(origin(true), originAt(5)),
      monitor(origin(false), originAt(5)),
    ]);
    assert.deepEqual(kinds(right.events), ['hls-discontinuity p0']);
    assert.equal(right.events[0]?.details.sequence, 3);
    assert.equal(right.events[0]?.severity, 'info');
    assert.deepEqual(kinds(wrong.events), ['hls-discontinuity p0', 'hls-discontinuity-sequence p0']);
    assert.deepEqual([wrong.events[1]?.details.expected, wrong.events[1]?.details.found], [1, 0]);
  });

  it('reports a channel URL that answers 404, and stops cleanly', async () => {
    const { events, summary } = await monitor({}, eventOf('hls-playlist-http'), (origin) =>
      origin.url.replace('master', 'nothing'),
    );
    assert.deepEqual(kinds(events), ['hls-playlist-http p-1']);
    assert.equal(events[0]?.details.reason, 'HTTP 404');
    assert.equal(summary.kind, null);
  });

  it('counts per second add up to exactly what the origin served', async () => {
    // Variant 0 is stale from 1 s to 4 s, answers 404 for segment 6, sends segment 7 in 4 s and has a
    // corrupted continuity counter in segments 5 and 9; the stream ends at 9 s, so every request can be
    // counted once the monitor has stopped asking. Variant 0 is the decoded rendition.
    const server = await startHlsOrigin({
      bandwidthsBps: [1_600_000, 2_000_000],
      endAtSeconds: 9,
      faults: {
        freezePlaylist: { fromSeconds: 1, forSeconds: 3 },
        missingSegments: [6],
        slowSegments: { 7: 4000 },
        corruptContinuityInSegments: [5, 9],
      },
    });
    let figures: HlsChunkFigures | null = null;
    let transport: TransportChunkFigures | null = null;
    const hls = HlsMonitor.start({
      url: server.url,
      config: hlsConfigSchema.parse({ ...testConfig, slowDownloadRatio: 3, rendition: 'lowest' }),
      onWindow: (window) => {
        const next = hlsWindowFigures(window);
        figures = figures ? mergeHlsFigures(figures, next) : next;
        transport = sumFigures(transport, window.transport);
      },
    });
    const ended = await Promise.race([hls.ended.then(() => true), sleep(30_000).then(() => false)]);
    // The last segment's end is counted when the stream ends, not only when the monitor stops.
    await sleep(1500);
    const transportBeforeClose = transport as TransportChunkFigures | null;
    await hls.close();
    await server.close();
    assert.ok(ended, 'every playlist ended');
    const total = figures as HlsChunkFigures | null;
    assert.ok(total);
    const served = (pattern: RegExp) => server.requests.filter((r) => pattern.test(r.path)).length;
    const of = (index: number) => total.playlists.find((p) => p.playlist === index);
    assert.equal(of(-1)?.playlistFetches, served(/^\/master\.m3u8$/));
    assert.equal(of(-1)?.playlistFetches, 1);
    for (const index of [0, 1]) {
      const playlist = of(index);
      assert.equal(playlist?.playlistFetches, served(new RegExp(`^/v${index}/index\\.m3u8$`)), `v${index}`);
      assert.equal(playlist?.playlistErrors, 0);
      assert.equal(
        (playlist?.segments ?? 0) + (playlist?.segmentFailures ?? 0),
        served(new RegExp(`^/v${index}/seg-`)),
        `v${index} segments`,
      );
      assert.equal(playlist?.segmentBytes, (playlist?.segments ?? 0) * segmentBytesEach);
    }
    assert.deepEqual(
      [of(0)?.segmentFailures, of(0)?.slowSegments, of(0)?.stalePlaylists],
      [1, 1, 1],
      'variant 0: one 404, one slow segment, one stale playlist',
    );
    assert.deepEqual([of(1)?.segmentFailures, of(1)?.slowSegments, of(1)?.stalePlaylists], [0, 0, 0]);
    // Every packet of variant 0's segments went through the analyser, which found the two errors only.
    const packets = ((of(0)?.segments ?? 0) * segmentBytesEach) / packetBytes;
    assert.equal(transportBeforeClose?.packets, packets);
    assert.deepEqual(transportErrors(transportBeforeClose), { continuityError: 2 });
    assert.deepEqual(transport, transportBeforeClose, 'nothing left for close()');
    assert.ok(Number(of(0)?.segmentDownloadMsMax) >= 4000);
    assert.equal(of(1)?.declaredBandwidthBps, 2_000_000);
    assert.equal(of(1)?.measuredBitrateBps, segmentBitrateBps);
    assert.equal(total.playlistFetches, served(/\.m3u8$/));
    const nonZero = Object.entries(total.errors).filter(([, count]) => count > 0);
    assert.deepEqual(Object.fromEntries(nonZero), {
      'stale-playlist': 1,
      'segment-failed': 1,
      'segment-slow': 1,
    });
  });
});
