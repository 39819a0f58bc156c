/**
 * A channel's HLS delivery counters since the monitor started, summed from the figures its worker sends
 * once a second (`hls-figures` messages), for the Prometheus counters, the channel status and the
 * dashboard's table. Besides the sums, each playlist keeps the latency of the latest second that had a
 * playlist answer or a segment download (the slowest of that second), for the gauges.
 */
import type { HlsCheck } from '../hls/hls-checks.js';
import { mergeHlsFigures, type HlsChunkFigures } from '../hls/hls-chunk-figures.js';

export interface HlsPlaylistTotals {
  /** As in events: -1 the multivariant playlist, then the variants, then the renditions. */
  readonly playlist: number;
  readonly declaredBandwidthBps: number | null;
  readonly measuredBitrateBps: number | null;
  readonly mediaSequence: number | null;
  readonly playlistFetches: number;
  readonly playlistErrors: number;
  readonly segments: number;
  readonly segmentFailures: number;
  readonly slowSegments: number;
  readonly segmentBytes: number;
  readonly stalePlaylists: number;
  /** The slowest playlist answer of the latest second that had one, ms. */
  readonly lastPlaylistLatencyMs: number | null;
  /** The slowest segment download of the latest second that had one, ms. */
  readonly lastSegmentDownloadMs: number | null;
}

export interface HlsTotalsView {
  /** Errors per `hls-*` check, all playlists together. */
  readonly errors: Readonly<Record<HlsCheck, number>>;
  readonly skippedSegments: number;
  readonly playlists: readonly HlsPlaylistTotals[];
}

interface Latest {
  playlistLatencyMs: number | null;
  segmentDownloadMs: number | null;
}

export class HlsTotals {
  private sum: HlsChunkFigures | null = null;
  private readonly latest = new Map<number, Latest>();

  add(figures: HlsChunkFigures): void {
    this.sum = this.sum ? mergeHlsFigures(this.sum, figures) : figures;
    for (const playlist of figures.playlists) {
      let latest = this.latest.get(playlist.playlist);
      if (!latest) {
        latest = { playlistLatencyMs: null, segmentDownloadMs: null };
        this.latest.set(playlist.playlist, latest);
      }
      latest.playlistLatencyMs = playlist.playlistLatencyMsMax ?? latest.playlistLatencyMs;
      latest.segmentDownloadMs = playlist.segmentDownloadMsMax ?? latest.segmentDownloadMs;
    }
  }

  /** Null until the channel has sent HLS figures (channels that are not HLS). */
  view(): HlsTotalsView | null {
    if (!this.sum) return null;
    return {
      errors: { ...this.sum.errors },
      skippedSegments: this.sum.skippedSegments,
      playlists: this.sum.playlists.map((playlist) => ({
        playlist: playlist.playlist,
        declaredBandwidthBps: playlist.declaredBandwidthBps,
        measuredBitrateBps: playlist.measuredBitrateBps,
        mediaSequence: playlist.mediaSequence,
        playlistFetches: playlist.playlistFetches,
        playlistErrors: playlist.playlistErrors,
        segments: playlist.segments,
        segmentFailures: playlist.segmentFailures,
        slowSegments: playlist.slowSegments,
        segmentBytes: playlist.segmentBytes,
        stalePlaylists: playlist.stalePlaylists,
        lastPlaylistLatencyMs: this.latest.get(playlist.playlist)?.playlistLatencyMs ?? null,
        lastSegmentDownloadMs: this.latest.get(playlist.playlist)?.segmentDownloadMs ?? null,
      })),
    };
  }
}
