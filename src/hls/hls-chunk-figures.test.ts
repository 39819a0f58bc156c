import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hlsWindowFigures, mergeHlsFigures, readHlsFigures } from './hls-chunk-figures.js';
import type { HlsWindow, PlaylistWindowFigures } from './hls-monitor.js';
import { emptyFigures } from './playlist-watch.js';

function playlist(index: number, overrides: Partial<PlaylistWindowFigures>): PlaylistWindowFigures {
  return {
    ...emptyFigures(),
    playlist: index,
    mediaSequence: null,
    measuredBitrateBps: null,
    declaredBandwidthBps: null,
    errors: {},
    ...overrides,
  };
}

const first: HlsWindow = {
  startSeconds: 0,
  endSeconds: 1,
  transport: null,
  playlists: [
    playlist(-1, { playlistRequests: 1, playlistLatencyMsSum: 3, playlistLatencyMsMax: 3 }),
    playlist(0, {
      playlistRequests: 2,
      playlistErrors: 1,
      playlistLatencyMsMax: 40,
      segments: 1,
      segmentBytes: 1000,
      segmentDownloadMsSum: 8,
      segmentDownloadMsMax: 8,
      mediaSequence: 5,
      measuredBitrateBps: 8000,
      declaredBandwidthBps: 9000,
      errors: { 'playlist-http': 1, 'stale-playlist': 1 },
    }),
  ],
};
const second: HlsWindow = {
  startSeconds: 1,
  endSeconds: 2.0004,
  transport: null,
  playlists: [
    playlist(0, {
      playlistRequests: 1,
      playlistLatencyMsMax: 10,
      segments: 2,
      segmentErrors: 1,
      slowSegments: 1,
      skippedSegments: 3,
      segmentBytes: 3000,
      segmentDownloadMsSum: 16,
      segmentDownloadMsMax: 12,
      mediaSequence: 7,
      declaredBandwidthBps: 9000,
      errors: { 'segment-failed': 1, 'segment-slow': 1 },
    }),
    playlist(1, { playlistRequests: 1, errors: { discontinuity: 2 } }),
  ],
};

describe('HLS chunk figures', () => {
  it('turns a window into channel totals and per-playlist figures', () => {
    const figures = hlsWindowFigures(first);
    assert.equal(figures.seconds, 1);
    assert.equal(figures.playlistFetches, 3);
    assert.equal(figures.playlistErrors, 1);
    assert.equal(figures.playlistLatencyMsMax, 40);
    assert.equal(figures.segmentThroughputBps, 1_000_000, '1000 bytes in 8 ms');
    assert.equal(figures.errors['stale-playlist'], 1);
    assert.equal(figures.errors['segment-failed'], 0);
    assert.deepEqual(
      figures.playlists.map((p) => [p.playlist, p.playlistFetches, p.stalePlaylists]),
      [
        [-1, 1, 0],
        [0, 2, 1],
      ],
    );
  });

  it('merges periods: counts add, maxima take the larger, gauges the latest known', () => {
    const merged = mergeHlsFigures(hlsWindowFigures(first), hlsWindowFigures(second));
    assert.equal(merged.seconds, 2);
    assert.equal(merged.playlistFetches, 5);
    assert.equal(merged.segments, 3);
    assert.equal(merged.segmentFailures, 1);
    assert.equal(merged.slowSegments, 1);
    assert.equal(merged.skippedSegments, 3);
    assert.equal(merged.segmentBytes, 4000);
    assert.equal(merged.segmentDownloadMsMax, 12);
    assert.equal(merged.segmentThroughputBps, 1_333_333, '4000 bytes in 24 ms');
    assert.equal(merged.errors['discontinuity'], 2);
    assert.equal(merged.errors['playlist-http'], 1);
    const variant = merged.playlists.find((p) => p.playlist === 0);
    assert.deepEqual(
      [variant?.playlistFetches, variant?.playlistLatencyMsMax, variant?.mediaSequence],
      [3, 40, 7],
    );
    assert.equal(variant?.measuredBitrateBps, 8000, 'not measured in the second period: the last known');
    assert.deepEqual(
      merged.playlists.map((p) => p.playlist),
      [-1, 0, 1],
    );
  });

  it('reads figures back from another process unchanged, and anything else safely', () => {
    const figures = mergeHlsFigures(hlsWindowFigures(first), hlsWindowFigures(second));
    assert.deepEqual(readHlsFigures(JSON.parse(JSON.stringify(figures))), figures);
    for (const garbage of [null, 3, 'hls', [], undefined]) assert.equal(readHlsFigures(garbage), null);
    const read = readHlsFigures({
      seconds: -1,
      playlistFetches: Number.NaN,
      segments: '7',
      errors: { 'segment-failed': 2, invented: 9 },
      playlists: [{ playlist: 0.5 }, { playlist: 2, segments: 4, extra: 'x' }, 'bad'],
      extra: { deep: true },
    });
    assert.equal(read?.seconds, 0);
    assert.equal(read?.playlistFetches, 0);
    assert.equal(read?.segments, 0);
    assert.equal(read?.errors['segment-failed'], 2);
    assert.ok(!('invented' in (read?.errors ?? {})));
    assert.ok(!('extra' in (read ?? {})));
    assert.deepEqual(
      read?.playlists.map((p) => [p.playlist, p.segments, p.playlistLatencyMsMax]),
      [[2, 4, null]],
    );
    const many = readHlsFigures({ playlists: Array.from({ length: 1000 }, (_, i) => ({ playlist: i })) });
    assert.equal(many?.playlists.length, 256);
  });
});
