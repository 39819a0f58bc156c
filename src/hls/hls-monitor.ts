/**
 * HLS delivery monitor for one channel URL: reads the multivariant playlist (retrying while it fails),
 * then watches every variant's media playlist and every EXT-X-MEDIA rendition that has its own, each on its
 * own schedule (`PlaylistWatch`). Findings come out as transitions tagged with a detector id (one per
 * check, `hls-*`, and `transport` for the TR 101 290 findings in TS segments), with times in seconds since
 * the monitor started; figures come out once a second per playlist. `close()` stops it, closes every open
 * event and returns the summary.
 *
 * Playlist numbers in events and figures: -1 is the multivariant playlist, then the variants in their
 * order, then the renditions. A channel URL that is a media playlist is playlist 0.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { sumTransportWindows, type TransportChunkFigures } from '../transport/transport-chunk-figures.js';
import { boundedFetch, type FetchResult } from './bounded-fetch.js';
import type { HlsCheck } from './hls-checks.js';
import type { HlsConfig } from './hls-config.js';
import { HlsEventTracker, type HlsTransition } from './hls-events.js';
import { parsePlaylist, resolveUri, type MultivariantPlaylist } from './m3u8-parser.js';
import { emptyFigures, PlaylistWatch, type PlaylistFigures, type WatchedPlaylist } from './playlist-watch.js';
import { chooseVariant } from './rendition.js';

export const multivariantPlaylist = -1;

export interface HlsMonitorOptions {
  readonly url: string;
  readonly config: HlsConfig;
  readonly onTransition?: (transition: HlsTransition) => void;
  readonly onWindow?: (window: HlsWindow) => void;
}

export interface PlaylistWindowFigures extends PlaylistFigures {
  readonly playlist: number;
  readonly mediaSequence: number | null;
  readonly measuredBitrateBps: number | null;
  /** BANDWIDTH of the variant; null for renditions, a media playlist URL and the multivariant playlist. */
  readonly declaredBandwidthBps: number | null;
  /** Errors per check that this playlist had in the window (checks without any are absent). */
  readonly errors: Readonly<Partial<Record<HlsCheck, number>>>;
}

/**
 * One second of monitor time (the last one, at `close()`, may be shorter). The multivariant playlist
 * (playlist -1) is listed only in windows where it was requested or had an error.
 */
export interface HlsWindow {
  readonly startSeconds: number;
  readonly endSeconds: number;
  readonly playlists: readonly PlaylistWindowFigures[];
  /**
   * TR 101 290 figures of the decoded rendition's TS segments: the analyser windows that ended this
   * second (segments arrive in bursts, so a second may hold none or several). Null when none did.
   */
  readonly transport: TransportChunkFigures | null;
}

export interface PlaylistSummary {
  readonly playlist: number;
  readonly label: string;
  readonly url: string;
  readonly chosen: boolean;
  readonly declaredBandwidthBps: number | null;
  readonly measuredBitrateBps: number | null;
  readonly targetDurationSeconds: number | null;
  readonly mediaSequence: number | null;
  readonly ended: boolean;
  readonly playlistLatencyMsMean: number | null;
  readonly figures: PlaylistFigures;
  /** TR 101 290 error counts over this playlist's downloaded TS segments. */
  readonly transport: Readonly<Record<string, number>>;
}

export interface HlsSummary {
  readonly url: string;
  readonly durationSeconds: number;
  readonly kind: 'multivariant' | 'media' | null;
  readonly playlists: readonly PlaylistSummary[];
  /** Playlists over `maxPlaylists`, not watched. */
  readonly unwatchedPlaylists: number;
  readonly errors: Readonly<Record<HlsCheck, number>>;
}

const multivariantRetryMs = 2000;

export class HlsMonitor {
  private readonly controller = new AbortController();
  private readonly events: HlsEventTracker;
  private readonly startedAtMs = performance.now();
  private readonly watches: PlaylistWatch[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly running: Promise<void>;
  private kind: HlsSummary['kind'] = null;
  private chosenIndex = -1;
  private windowStartSeconds = 0;
  /** Requests of the channel URL (read until it answers with a playlist) in the current window. */
  private multivariantWindow = emptyFigures();
  private unwatchedPlaylists = 0;
  private closed: HlsSummary | null = null;

  private constructor(private readonly options: HlsMonitorOptions) {
    this.events = new HlsEventTracker(options.config.mergeSeconds, (t) => this.emit(t));
    this.timer = setInterval(() => this.tick(), 1000);
    this.running = this.run();
  }

  /** Starts monitoring at once; findings arrive through the callbacks. */
  static start(options: HlsMonitorOptions): HlsMonitor {
    return new HlsMonitor(options);
  }

  nowSeconds(): number {
    return (performance.now() - this.startedAtMs) / 1000;
  }

  /** Resolves when every playlist ended (EXT-X-ENDLIST) and its downloads are done. */
  get ended(): Promise<void> {
    return this.running;
  }

  async close(): Promise<HlsSummary> {
    if (this.closed) return this.closed;
    this.controller.abort();
    clearInterval(this.timer);
    await this.running;
    const endSeconds = this.nowSeconds();
    // The TS analysers' last windows, then the figures of the last, partial second: nothing is lost.
    for (const watch of this.watches) watch.finish();
    this.emitWindow(Math.round(endSeconds * 1000) / 1000);
    this.events.finish(endSeconds);
    this.closed = this.summary(endSeconds);
    return this.closed;
  }

  private emit(transition: HlsTransition): void {
    this.options.onTransition?.(transition);
  }

  private async run(): Promise<void> {
    const multivariant = await this.readTopPlaylist();
    if (!multivariant) return;
    await Promise.all(this.watches.map((watch) => watch.run()));
  }

  /** Reads the channel URL until it answers with a playlist; sets up the watches. */
  private async readTopPlaylist(): Promise<boolean> {
    const { config, url } = this.options;
    const signal = this.controller.signal;
    while (!signal.aborted) {
      const atSeconds = this.nowSeconds();
      const result = await boundedFetch(
        url,
        { timeoutMs: config.playlistTimeoutMs, maxBytes: config.maxPlaylistBytes },
        { signal },
      );
      if (signal.aborted) return false;
      this.countMultivariantRequest(result);
      if (!result.ok) {
        this.events.again('playlist-http', multivariantPlaylist, atSeconds, {
          reason: result.reason,
          status: result.status,
        });
      } else {
        this.events.end('playlist-http', multivariantPlaylist, this.nowSeconds());
        const parsed = parsePlaylist(new TextDecoder().decode(result.bytes));
        if (parsed.playlist) {
          this.events.end('playlist-invalid', multivariantPlaylist, this.nowSeconds());
          if (parsed.playlist.kind === 'media') this.watchMediaPlaylist(url);
          else this.watchVariants(parsed.playlist, url);
          return true;
        }
        this.events.begin('playlist-invalid', multivariantPlaylist, atSeconds, {
          reason: parsed.problems[0] ?? 'not a playlist',
        });
      }
      await sleep(multivariantRetryMs, undefined, { signal }).catch(() => undefined);
    }
    return false;
  }

  private watchMediaPlaylist(url: string): void {
    this.kind = 'media';
    this.chosenIndex = 0;
    this.addWatch({
      index: 0,
      url,
      label: 'media playlist',
      declaredBandwidthBps: null,
      downloadSegments: this.options.config.downloadSegments !== 'none',
    });
  }

  private watchVariants(playlist: MultivariantPlaylist, baseUrl: string): void {
    const { config } = this.options;
    this.kind = 'multivariant';
    const chosen = chooseVariant(playlist.variants, config.rendition);
    const seen = new Set<string>();
    let index = 0;
    playlist.variants.forEach((variant, variantIndex) => {
      const url = resolveUri(variant.uri, baseUrl);
      const playlistIndex = index++;
      if (variantIndex === chosen) this.chosenIndex = playlistIndex;
      if (url === null || seen.has(url)) return;
      seen.add(url);
      const resolution = variant.resolution
        ? ` ${variant.resolution.width}x${variant.resolution.height}`
        : '';
      this.addWatch({
        index: playlistIndex,
        url,
        label: `variant ${variantIndex}: ${variant.bandwidthBps} bps${resolution}`,
        declaredBandwidthBps: variant.bandwidthBps,
        downloadSegments:
          config.downloadSegments === 'all' ||
          (config.downloadSegments === 'chosen' && variantIndex === chosen),
      });
    });
    for (const rendition of playlist.renditions) {
      const url = rendition.uri === null ? null : resolveUri(rendition.uri, baseUrl);
      const playlistIndex = index++;
      if (url === null || seen.has(url)) continue;
      seen.add(url);
      this.addWatch({
        index: playlistIndex,
        url,
        label: `${rendition.type.toLowerCase()} ${rendition.groupId}/${rendition.name}`,
        declaredBandwidthBps: null,
        downloadSegments: config.downloadSegments === 'all',
      });
    }
  }

  private addWatch(playlist: WatchedPlaylist): void {
    if (this.watches.length >= this.options.config.maxPlaylists) {
      this.unwatchedPlaylists += 1;
      return;
    }
    this.watches.push(
      new PlaylistWatch(playlist, {
        config: this.options.config,
        events: this.events,
        nowSeconds: () => this.nowSeconds(),
        signal: this.controller.signal,
        onTransition: (t) => this.emit(t),
      }),
    );
  }

  private countMultivariantRequest(result: FetchResult): void {
    const figures = this.multivariantWindow;
    figures.playlistRequests += 1;
    if (!result.ok) figures.playlistErrors += 1;
    if (result.latencyMs === null) return;
    figures.playlistLatencyMsSum += result.latencyMs;
    figures.playlistLatencyMsMax = Math.max(figures.playlistLatencyMsMax ?? 0, result.latencyMs);
  }

  /** Once a second: the figures of the second that ended, and quiet instant events closed. */
  private tick(): void {
    const endSeconds = Math.round(this.nowSeconds() * 1000) / 1000;
    this.events.expire(endSeconds);
    this.emitWindow(endSeconds);
  }

  private emitWindow(endSeconds: number): void {
    const errors = this.events.takeWindowErrors();
    const multivariant = this.multivariantWindow;
    this.multivariantWindow = emptyFigures();
    const multivariantErrors = errors.get(multivariantPlaylist);
    const playlists: PlaylistWindowFigures[] =
      multivariant.playlistRequests > 0 || multivariantErrors
        ? [
            {
              ...multivariant,
              playlist: multivariantPlaylist,
              mediaSequence: null,
              measuredBitrateBps: null,
              declaredBandwidthBps: null,
              errors: multivariantErrors ?? {},
            },
          ]
        : [];
    let transport: TransportChunkFigures | null = null;
    for (const watch of this.watches) {
      // Taken from every playlist (they would pile up otherwise); the decoded rendition's are reported.
      const tsWindows = watch.takeTsWindows();
      if (watch.playlist.index === this.chosenIndex) transport = sumTransportWindows(tsWindows);
      playlists.push({
        ...watch.takeWindow(),
        playlist: watch.playlist.index,
        mediaSequence: watch.mediaSequence,
        measuredBitrateBps: watch.measuredBitrateBps,
        declaredBandwidthBps: watch.playlist.declaredBandwidthBps,
        errors: errors.get(watch.playlist.index) ?? {},
      });
    }
    this.options.onWindow?.({ startSeconds: this.windowStartSeconds, endSeconds, playlists, transport });
    this.windowStartSeconds = endSeconds;
  }

  private summary(endSeconds: number): HlsSummary {
    return {
      url: this.options.url,
      durationSeconds: Math.round(endSeconds * 1000) / 1000,
      kind: this.kind,
      playlists: this.watches.map((watch) => {
        const figures = watch.totals;
        const answered = figures.playlistRequests;
        return {
          playlist: watch.playlist.index,
          label: watch.playlist.label,
          url: watch.playlist.url,
          chosen: watch.playlist.index === this.chosenIndex,
          declaredBandwidthBps: watch.playlist.declaredBandwidthBps,
          measuredBitrateBps: watch.measuredBitrateBps,
          targetDurationSeconds: watch.targetDurationSeconds,
          mediaSequence: watch.mediaSequence,
          ended: watch.ended,
          playlistLatencyMsMean:
            answered > 0 ? Math.round((figures.playlistLatencyMsSum / answered) * 10) / 10 : null,
          figures: { ...emptyFigures(), ...figures },
          transport: watch.tsCounts(),
        };
      }),
      unwatchedPlaylists: this.unwatchedPlaylists,
      errors: this.events.totals(),
    };
  }
}
