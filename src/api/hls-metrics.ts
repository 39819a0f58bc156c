/**
 * HLS delivery figures as Prometheus families, per channel and playlist, from the counters the monitor
 * sums since it started (`HlsTotals`). Label cardinality is bounded: `variant` is the playlist number
 * (at most `hls.maxPlaylists` per channel, `multivariant` for the channel URL), `check` one of ten.
 */
import { hlsCheckNames } from '../hls/hls-checks.js';
import type { HlsPlaylistTotals, HlsTotalsView } from '../service/hls-totals.js';
import type { MetricFamily, MetricSample } from './prometheus-text.js';

type HlsByChannel = Readonly<Record<string, HlsTotalsView>> | undefined;

/** The `variant` label: the playlist number events carry (bounded by `hls.maxPlaylists`). */
function variantLabel(playlist: number): string {
  return playlist < 0 ? 'multivariant' : String(playlist);
}

function perPlaylist(
  byChannel: HlsByChannel,
  pick: (playlist: HlsPlaylistTotals) => number | null,
): MetricSample[] {
  return Object.entries(byChannel ?? {}).flatMap(([channel, totals]) =>
    totals.playlists.flatMap((playlist) => {
      const value = pick(playlist);
      return value === null ? [] : [{ labels: { channel, variant: variantLabel(playlist.playlist) }, value }];
    }),
  );
}

/** HLS delivery figures per channel and playlist (HLS channels), counted since the monitor started. */
export function hlsFamilies(byChannel: HlsByChannel): MetricFamily[] {
  const counter = (
    name: string,
    help: string,
    pick: (playlist: HlsPlaylistTotals) => number,
  ): MetricFamily => ({ name, type: 'counter', help, samples: perPlaylist(byChannel, pick) });
  const gauge = (
    name: string,
    help: string,
    pick: (playlist: HlsPlaylistTotals) => number | null,
  ): MetricFamily => ({ name, type: 'gauge', help, samples: perPlaylist(byChannel, pick) });
  const seconds = (ms: number | null) => (ms === null ? null : ms / 1000);
  return [
    {
      name: 'streamqc_hls_errors_total',
      type: 'counter',
      help: 'HLS delivery errors per check (hls-<check> incident kinds), all playlists of the channel.',
      samples: Object.entries(byChannel ?? {}).flatMap(([channel, totals]) =>
        hlsCheckNames.map((check) => ({ labels: { channel, check }, value: totals.errors[check] })),
      ),
    },
    counter('streamqc_hls_playlist_fetches_total', 'HLS playlist requests.', (p) => p.playlistFetches),
    counter(
      'streamqc_hls_playlist_errors_total',
      'HLS playlist requests that failed (HTTP status, timeout, network, too large).',
      (p) => p.playlistErrors,
    ),
    counter('streamqc_hls_segments_total', 'HLS segments downloaded.', (p) => p.segments),
    counter(
      'streamqc_hls_segment_failures_total',
      'HLS segment downloads that failed.',
      (p) => p.segmentFailures,
    ),
    counter(
      'streamqc_hls_slow_segments_total',
      "HLS segment downloads slower than the segment's duration (times hls.slowDownloadRatio).",
      (p) => p.slowSegments,
    ),
    counter(
      'streamqc_hls_segment_bytes_total',
      'Bytes of the HLS segments downloaded.',
      (p) => p.segmentBytes,
    ),
    counter(
      'streamqc_hls_stale_playlists_total',
      'Stale-playlist events: a live media playlist without a new segment for too long.',
      (p) => p.stalePlaylists,
    ),
    gauge(
      'streamqc_hls_playlist_latency_seconds',
      'Request to response headers of the slowest playlist answer in the latest second that had one.',
      (p) => seconds(p.lastPlaylistLatencyMs),
    ),
    gauge(
      'streamqc_hls_segment_download_seconds',
      'Request to last byte of the slowest segment download in the latest second that had one.',
      (p) => seconds(p.lastSegmentDownloadMs),
    ),
    gauge(
      'streamqc_hls_measured_bitrate_bits_per_second',
      'Bytes of the downloaded segments over their durations, over the last hls.bitrateWindowSeconds of media.',
      (p) => p.measuredBitrateBps,
    ),
    gauge(
      'streamqc_hls_declared_bandwidth_bits_per_second',
      "The variant's BANDWIDTH in the multivariant playlist.",
      (p) => p.declaredBandwidthBps,
    ),
  ];
}
