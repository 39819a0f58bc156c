/**
 * HLS delivery figures as a chunk row carries them (`measurements.hls`): the monitor's 1-second windows,
 * summed over the seconds since the previous chunk, for the whole channel and per playlist. Counts add up,
 * maxima take the larger, and the gauges (measured bitrate, media sequence) keep the latest value, so
 * figures of any number of seconds merge into one of the same shape (`mergeHlsFigures`).
 *
 * Figures that cross a process boundary are read back with `readHlsFigures`, which keeps only the known
 * fields, as finite numbers, and never throws.
 */
import { hlsCheckNames, type HlsCheck } from './hls-checks.js';
import type { HlsWindow, PlaylistWindowFigures } from './hls-monitor.js';

/** One playlist's figures over the period. */
export interface HlsPlaylistChunkFigures {
  /** As in events: -1 the multivariant playlist, then the variants in their order, then the renditions. */
  readonly playlist: number;
  /** The variant's BANDWIDTH; null for renditions, a media playlist URL and the multivariant playlist. */
  readonly declaredBandwidthBps: number | null;
  /** Over the last `bitrateWindowSeconds` of downloaded media, at the end of the period. */
  readonly measuredBitrateBps: number | null;
  readonly mediaSequence: number | null;
  readonly playlistFetches: number;
  /** Fetches that failed (HTTP status, timeout, network, too large). */
  readonly playlistErrors: number;
  /** Request to response headers, the slowest fetch of the period. */
  readonly playlistLatencyMsMax: number | null;
  /** Segments downloaded. */
  readonly segments: number;
  readonly segmentFailures: number;
  readonly slowSegments: number;
  readonly segmentBytes: number;
  /** Request to last byte, the slowest download of the period. */
  readonly segmentDownloadMsMax: number | null;
  /** `hls-stale-playlist` events that began. */
  readonly stalePlaylists: number;
}

export interface HlsChunkFigures {
  /** Seconds of the HLS monitor's time the figures cover. */
  readonly seconds: number;
  readonly playlistFetches: number;
  readonly playlistErrors: number;
  readonly playlistLatencyMsMax: number | null;
  readonly segments: number;
  readonly segmentFailures: number;
  readonly slowSegments: number;
  /** Segments never downloaded because a playlist's download queue was full. */
  readonly skippedSegments: number;
  readonly segmentBytes: number;
  readonly segmentDownloadMsSum: number;
  readonly segmentDownloadMsMax: number | null;
  /** Bytes over download time of the segments downloaded; null when none was. */
  readonly segmentThroughputBps: number | null;
  /** Errors per `hls-*` check, all playlists together (stale playlists, media sequence jumps, ...). */
  readonly errors: Readonly<Record<HlsCheck, number>>;
  /** One entry per playlist the monitor watches (and the multivariant playlist while it is read). */
  readonly playlists: readonly HlsPlaylistChunkFigures[];
}

/** A period's figures hold at most this many playlists (the monitor watches 32 by default). */
const maxPlaylistEntries = 256;

export function emptyHlsErrors(): Record<HlsCheck, number> {
  return Object.fromEntries(hlsCheckNames.map((check) => [check, 0])) as Record<HlsCheck, number>;
}

function throughputBps(bytes: number, downloadMs: number): number | null {
  return downloadMs > 0 ? Math.round((bytes * 8 * 1000) / downloadMs) : null;
}

function playlistFigures(window: PlaylistWindowFigures): HlsPlaylistChunkFigures {
  return {
    playlist: window.playlist,
    declaredBandwidthBps: window.declaredBandwidthBps,
    measuredBitrateBps: window.measuredBitrateBps,
    mediaSequence: window.mediaSequence,
    playlistFetches: window.playlistRequests,
    playlistErrors: window.playlistErrors,
    playlistLatencyMsMax: window.playlistLatencyMsMax,
    segments: window.segments,
    segmentFailures: window.segmentErrors,
    slowSegments: window.slowSegments,
    segmentBytes: window.segmentBytes,
    segmentDownloadMsMax: window.segmentDownloadMsMax,
    stalePlaylists: window.errors['stale-playlist'] ?? 0,
  };
}

/** One window of the HLS monitor as chunk figures. */
export function hlsWindowFigures(window: HlsWindow): HlsChunkFigures {
  const errors = emptyHlsErrors();
  let skippedSegments = 0;
  let segmentDownloadMsSum = 0;
  for (const playlist of window.playlists) {
    skippedSegments += playlist.skippedSegments;
    segmentDownloadMsSum += playlist.segmentDownloadMsSum;
    for (const check of hlsCheckNames) errors[check] += playlist.errors[check] ?? 0;
  }
  const playlists = window.playlists.map(playlistFigures);
  const sum = (pick: (p: HlsPlaylistChunkFigures) => number) => playlists.reduce((a, p) => a + pick(p), 0);
  const segmentBytes = sum((p) => p.segmentBytes);
  return {
    seconds: roundMs(window.endSeconds - window.startSeconds),
    playlistFetches: sum((p) => p.playlistFetches),
    playlistErrors: sum((p) => p.playlistErrors),
    playlistLatencyMsMax: maxOf(playlists.map((p) => p.playlistLatencyMsMax)),
    segments: sum((p) => p.segments),
    segmentFailures: sum((p) => p.segmentFailures),
    slowSegments: sum((p) => p.slowSegments),
    skippedSegments,
    segmentBytes,
    segmentDownloadMsSum,
    segmentDownloadMsMax: maxOf(playlists.map((p) => p.segmentDownloadMsMax)),
    segmentThroughputBps: throughputBps(segmentBytes, segmentDownloadMsSum),
    errors,
    playlists,
  };
}

/** The figures of two consecutive periods as one. */
export function mergeHlsFigures(earlier: HlsChunkFigures, later: HlsChunkFigures): HlsChunkFigures {
  const errors = emptyHlsErrors();
  for (const check of hlsCheckNames) errors[check] = earlier.errors[check] + later.errors[check];
  const byPlaylist = new Map(earlier.playlists.map((p) => [p.playlist, p]));
  for (const playlist of later.playlists) {
    const before = byPlaylist.get(playlist.playlist);
    byPlaylist.set(playlist.playlist, before ? mergePlaylist(before, playlist) : playlist);
  }
  const segmentBytes = earlier.segmentBytes + later.segmentBytes;
  const segmentDownloadMsSum = earlier.segmentDownloadMsSum + later.segmentDownloadMsSum;
  return {
    seconds: roundMs(earlier.seconds + later.seconds),
    playlistFetches: earlier.playlistFetches + later.playlistFetches,
    playlistErrors: earlier.playlistErrors + later.playlistErrors,
    playlistLatencyMsMax: maxOf([earlier.playlistLatencyMsMax, later.playlistLatencyMsMax]),
    segments: earlier.segments + later.segments,
    segmentFailures: earlier.segmentFailures + later.segmentFailures,
    slowSegments: earlier.slowSegments + later.slowSegments,
    skippedSegments: earlier.skippedSegments + later.skippedSegments,
    segmentBytes,
    segmentDownloadMsSum,
    segmentDownloadMsMax: maxOf([earlier.segmentDownloadMsMax, later.segmentDownloadMsMax]),
    segmentThroughputBps: throughputBps(segmentBytes, segmentDownloadMsSum),
    errors,
    playlists: [...byPlaylist.values()].sort((a, b) => a.playlist - b.playlist).slice(0, maxPlaylistEntries),
  };
}

function mergePlaylist(
  earlier: HlsPlaylistChunkFigures,
  later: HlsPlaylistChunkFigures,
): HlsPlaylistChunkFigures {
  return {
    playlist: later.playlist,
    declaredBandwidthBps: later.declaredBandwidthBps ?? earlier.declaredBandwidthBps,
    measuredBitrateBps: later.measuredBitrateBps ?? earlier.measuredBitrateBps,
    mediaSequence: later.mediaSequence ?? earlier.mediaSequence,
    playlistFetches: earlier.playlistFetches + later.playlistFetches,
    playlistErrors: earlier.playlistErrors + later.playlistErrors,
    playlistLatencyMsMax: maxOf([earlier.playlistLatencyMsMax, later.playlistLatencyMsMax]),
    segments: earlier.segments + later.segments,
    segmentFailures: earlier.segmentFailures + later.segmentFailures,
    slowSegments: earlier.slowSegments + later.slowSegments,
    segmentBytes: earlier.segmentBytes + later.segmentBytes,
    segmentDownloadMsMax: maxOf([earlier.segmentDownloadMsMax, later.segmentDownloadMsMax]),
    stalePlaylists: earlier.stalePlaylists + later.stalePlaylists,
  };
}

type Fields = Record<string, unknown>;

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A count: a finite number >= 0, else 0. */
function count(fields: Fields, key: string): number {
  const value = fields[key];
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0;
}

/** A finite number, else null. */
function maybe(fields: Fields, key: string): number | null {
  const value = fields[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function readPlaylist(value: unknown): HlsPlaylistChunkFigures | null {
  if (!isFields(value) || !Number.isSafeInteger(value['playlist'])) return null;
  return {
    playlist: value['playlist'] as number,
    declaredBandwidthBps: maybe(value, 'declaredBandwidthBps'),
    measuredBitrateBps: maybe(value, 'measuredBitrateBps'),
    mediaSequence: maybe(value, 'mediaSequence'),
    playlistFetches: count(value, 'playlistFetches'),
    playlistErrors: count(value, 'playlistErrors'),
    playlistLatencyMsMax: maybe(value, 'playlistLatencyMsMax'),
    segments: count(value, 'segments'),
    segmentFailures: count(value, 'segmentFailures'),
    slowSegments: count(value, 'slowSegments'),
    segmentBytes: count(value, 'segmentBytes'),
    segmentDownloadMsMax: maybe(value, 'segmentDownloadMsMax'),
    stalePlaylists: count(value, 'stalePlaylists'),
  };
}

/** Figures from another process: the known fields only, each a finite number; null when not an object. */
export function readHlsFigures(value: unknown): HlsChunkFigures | null {
  if (!isFields(value)) return null;
  const errors = emptyHlsErrors();
  const errorFields = isFields(value['errors']) ? value['errors'] : {};
  for (const check of hlsCheckNames) errors[check] = count(errorFields, check);
  const playlists = Array.isArray(value['playlists'])
    ? value['playlists']
        .slice(0, maxPlaylistEntries)
        .map(readPlaylist)
        .filter((p) => p !== null)
    : [];
  return {
    seconds: count(value, 'seconds'),
    playlistFetches: count(value, 'playlistFetches'),
    playlistErrors: count(value, 'playlistErrors'),
    playlistLatencyMsMax: maybe(value, 'playlistLatencyMsMax'),
    segments: count(value, 'segments'),
    segmentFailures: count(value, 'segmentFailures'),
    slowSegments: count(value, 'slowSegments'),
    skippedSegments: count(value, 'skippedSegments'),
    segmentBytes: count(value, 'segmentBytes'),
    segmentDownloadMsSum: count(value, 'segmentDownloadMsSum'),
    segmentDownloadMsMax: maybe(value, 'segmentDownloadMsMax'),
    segmentThroughputBps: maybe(value, 'segmentThroughputBps'),
    errors,
    playlists,
  };
}

function maxOf(values: readonly (number | null)[]): number | null {
  let max: number | null = null;
  for (const value of values) if (value !== null && (max === null || value > max)) max = value;
  return max;
}

function roundMs(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
