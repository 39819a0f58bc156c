/**
 * Watches one media playlist (a variant or an EXT-X-MEDIA rendition): reloads it (every target duration
 * after a change, every half target duration while unchanged, as RFC 8216 6.3.4 has clients do), checks
 * each version against the previous one, and downloads new segments in order in a queue of its own, so a
 * slow download never delays a reload. Findings go to the shared event tracker; figures for the current
 * second are kept for the monitor to take.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Details } from '../detectors/contract.js';
import type { TsWindow } from '../transport/ts-window.js';
import { BitrateWindow } from './bitrate-window.js';
import { boundedFetch } from './bounded-fetch.js';
import type { HlsConfig } from './hls-config.js';
import type { HlsEventTracker, HlsTransition } from './hls-events.js';
import { parsePlaylist, resolveUri, type MediaPlaylist, type MediaSegment } from './m3u8-parser.js';
import { looksLikeTs, SegmentTsFeed } from './segment-ts-feed.js';

export interface WatchedPlaylist {
  /** Position in the monitor's list of playlists; events carry it as `playlist`. */
  readonly index: number;
  /** Absolute URL. */
  readonly url: string;
  readonly label: string;
  /** BANDWIDTH from the multivariant playlist, when it is a variant. */
  readonly declaredBandwidthBps: number | null;
  readonly downloadSegments: boolean;
}

export interface WatchContext {
  readonly config: HlsConfig;
  readonly events: HlsEventTracker;
  readonly nowSeconds: () => number;
  readonly signal: AbortSignal;
  readonly onTransition: (transition: HlsTransition) => void;
}

/** One playlist's figures over one second (or, for `totals`, since the start). */
export interface PlaylistFigures {
  playlistRequests: number;
  playlistErrors: number;
  playlistLatencyMsSum: number;
  playlistLatencyMsMax: number | null;
  segments: number;
  segmentErrors: number;
  slowSegments: number;
  /** Segments never downloaded because the queue was full. */
  skippedSegments: number;
  segmentBytes: number;
  /** Request to last byte, summed over the segments downloaded (for their throughput). */
  segmentDownloadMsSum: number;
  segmentDownloadMsMax: number | null;
}

export function emptyFigures(): PlaylistFigures {
  return {
    playlistRequests: 0,
    playlistErrors: 0,
    playlistLatencyMsSum: 0,
    playlistLatencyMsMax: null,
    segments: 0,
    segmentErrors: 0,
    slowSegments: 0,
    skippedSegments: 0,
    segmentBytes: 0,
    segmentDownloadMsSum: 0,
    segmentDownloadMsMax: null,
  };
}

interface QueuedSegment {
  readonly segment: MediaSegment;
  readonly url: string | null;
}

/** Downloads waiting beyond this many mean the origin or the link is too slow: the oldest are skipped. */
const maxQueuedSegments = 10;
/** Reload delays are kept in this range whatever the target duration says (0 or absurdly large). */
const minReloadMs = 500;
const maxReloadMs = 30_000;
/** Default segment timeout: three target durations, within this range. */
const minSegmentTimeoutMs = 1000;
const maxSegmentTimeoutMs = 120_000;

export class PlaylistWatch {
  private previous: MediaPlaylist | null = null;
  private lastChangeSeconds = 0;
  /** A reload failed since the last version read: segments may have come and gone unseen. */
  private failedSinceLastRead = false;
  private readonly queue: QueuedSegment[] = [];
  private downloading: Promise<void> | null = null;
  /** Sequence number of the last segment fed to the TS analyser, null when the next cannot continue it. */
  private lastFedSequence: number | null = null;
  private readonly bitrate: BitrateWindow;
  private readonly tsFeed: SegmentTsFeed;
  private window = emptyFigures();
  readonly totals = emptyFigures();
  ended = false;
  mediaSequence: number | null = null;
  targetDurationSeconds: number | null = null;

  constructor(
    readonly playlist: WatchedPlaylist,
    private readonly context: WatchContext,
  ) {
    this.bitrate = new BitrateWindow(context.config.bitrateWindowSeconds);
    this.tsFeed = new SegmentTsFeed(playlist.index, context.onTransition);
  }

  get measuredBitrateBps(): number | null {
    return this.bitrate.bitrateBps;
  }

  tsCounts(): Record<string, number> {
    return this.tsFeed.counts();
  }

  /** Reloads until stopped or the playlist ends (EXT-X-ENDLIST), then waits for its downloads. */
  async run(): Promise<void> {
    const { signal } = this.context;
    while (!signal.aborted && !this.ended) {
      const delayMs = await this.reload();
      if (this.ended || signal.aborted) break;
      await sleep(delayMs, undefined, { signal }).catch(() => undefined);
    }
    await this.downloading;
    // The stream ended: the analyser's last window (the end of the last segment) is counted now.
    if (this.ended) this.tsFeed.restart();
  }

  /** The figures of the second that ends now; a new one starts. */
  takeWindow(): PlaylistFigures {
    const window = this.window;
    this.window = emptyFigures();
    return window;
  }

  /** The TR 101 290 analyser's windows that ended since the last call (segments fed since then). */
  takeTsWindows(): TsWindow[] {
    return this.tsFeed.takeWindows();
  }

  /** The monitor stops: the TS analyser closes its events. */
  finish(): void {
    this.tsFeed.restart();
  }

  private async reload(): Promise<number> {
    const { config, events, nowSeconds, signal } = this.context;
    const index = this.playlist.index;
    const atSeconds = nowSeconds();
    const result = await boundedFetch(
      this.playlist.url,
      { timeoutMs: config.playlistTimeoutMs, maxBytes: config.maxPlaylistBytes },
      { signal },
    );
    if (signal.aborted) return 0;
    const retryMs = reloadDelayMs(((this.targetDurationSeconds ?? 2) * 1000) / 2);
    this.count((f) => {
      f.playlistRequests += 1;
      if (result.latencyMs !== null) {
        f.playlistLatencyMsSum += result.latencyMs;
        f.playlistLatencyMsMax = Math.max(f.playlistLatencyMsMax ?? 0, result.latencyMs);
      }
    });
    if (!result.ok) {
      this.failedSinceLastRead = true;
      this.count((f) => (f.playlistErrors += 1));
      events.again('playlist-http', index, atSeconds, { reason: result.reason, status: result.status });
      return retryMs;
    }
    events.end('playlist-http', index, nowSeconds());
    const parsed = parsePlaylist(new TextDecoder().decode(result.bytes));
    if (parsed.playlist?.kind !== 'media') {
      const reason = parsed.playlist
        ? 'a multivariant playlist where a media playlist belongs'
        : parsed.problems[0];
      this.failedSinceLastRead = true;
      events.begin('playlist-invalid', index, atSeconds, { reason: reason ?? 'not a playlist' });
      return retryMs;
    }
    events.end('playlist-invalid', index, nowSeconds());
    const changed = this.accept(parsed.playlist, atSeconds, nowSeconds());
    const targetMs = parsed.playlist.targetDurationSeconds * 1000;
    return reloadDelayMs(changed ? targetMs : targetMs / 2);
  }

  /**
   * Checks a new version of the playlist against the previous one; true when it has new segments.
   * `requestSeconds` is when it was asked for, `nowSeconds` when it came. Staleness is judged from the
   * arrival of the last version with new segments to the request of one without: the origin changed before
   * the first and had not changed when it answered the second, so a slow answer cannot fake a stale
   * playlist.
   */
  private accept(playlist: MediaPlaylist, requestSeconds: number, nowSeconds: number): boolean {
    const { config, events } = this.context;
    const index = this.playlist.index;
    const previous = this.previous;
    const failedBefore = this.failedSinceLastRead;
    this.previous = playlist;
    this.failedSinceLastRead = false;
    this.targetDurationSeconds = playlist.targetDurationSeconds;
    this.mediaSequence = playlist.mediaSequence;
    if (playlist.endList) this.ended = true;
    if (!previous) {
      this.lastChangeSeconds = nowSeconds;
      for (const segment of playlist.segments) this.checkDuration(segment, playlist, nowSeconds);
      this.enqueue(playlist.segments.slice(Math.max(0, playlist.segments.length - config.startSegments)));
      return true;
    }
    const previousLast = lastSequence(previous);
    let fresh: readonly MediaSegment[];
    const restart = sequenceRestart(previous, playlist);
    if (restart) {
      events.occurred('media-sequence', index, nowSeconds, {
        problem: restart,
        fromSequence: previous.mediaSequence,
        toSequence: playlist.mediaSequence,
      });
      this.breakContinuity();
      fresh = playlist.segments.slice(Math.max(0, playlist.segments.length - config.startSegments));
    } else {
      if (playlist.mediaSequence > previousLast + 1) {
        // After failed reloads the segments in between were listed while we could not look: that is
        // the playlist-http or playlist-invalid event, not a jump.
        if (!failedBefore) {
          events.occurred('media-sequence', index, nowSeconds, {
            problem: 'jump',
            fromSequence: previousLast,
            toSequence: playlist.mediaSequence,
            missedSegments: playlist.mediaSequence - previousLast - 1,
          });
        }
        this.breakContinuity();
      } else this.checkDiscontinuitySequence(previous, playlist, nowSeconds);
      fresh = playlist.segments.filter((segment) => segment.sequence > previousLast);
    }
    for (const segment of fresh) {
      if (segment.discontinuity) {
        events.occurred('discontinuity', index, nowSeconds, {
          sequence: segment.sequence,
          discontinuitySequence: segment.discontinuitySequence,
        });
      }
      this.checkDuration(segment, playlist, nowSeconds);
    }
    this.enqueue(fresh);
    const changed = fresh.length > 0 || (playlist.endList && !previous.endList);
    if (changed) {
      this.lastChangeSeconds = nowSeconds;
      events.end('stale-playlist', index, nowSeconds);
    } else {
      const limitSeconds = playlist.targetDurationSeconds * config.staleTargetDurations;
      if (!playlist.endList && requestSeconds - this.lastChangeSeconds > limitSeconds) {
        events.begin('stale-playlist', index, this.lastChangeSeconds, {
          targetDurationSeconds: playlist.targetDurationSeconds,
          limitSeconds,
          mediaSequence: playlist.mediaSequence,
        });
      }
    }
    return changed;
  }

  /** RFC 8216 6.2.2: the discontinuity sequence grows by the discontinuity tags that left the playlist. */
  private checkDiscontinuitySequence(
    previous: MediaPlaylist,
    playlist: MediaPlaylist,
    nowSeconds: number,
  ): void {
    let expected = previous.discontinuitySequence;
    for (const segment of previous.segments)
      if (segment.sequence < playlist.mediaSequence && segment.discontinuity) expected += 1;
    if (playlist.discontinuitySequence !== expected) {
      this.context.events.occurred('discontinuity-sequence', this.playlist.index, nowSeconds, {
        expected,
        found: playlist.discontinuitySequence,
      });
    }
  }

  /** RFC 8216 4.3.3.1: each EXTINF, rounded to the nearest integer, is at most the target duration. */
  private checkDuration(segment: MediaSegment, playlist: MediaPlaylist, nowSeconds: number): void {
    if (Math.round(segment.durationSeconds) <= playlist.targetDurationSeconds) return;
    this.context.events.occurred('segment-duration', this.playlist.index, nowSeconds, {
      sequence: segment.sequence,
      durationSeconds: segment.durationSeconds,
      targetDurationSeconds: playlist.targetDurationSeconds,
    });
  }

  private breakContinuity(): void {
    this.queue.length = 0;
    this.lastFedSequence = null;
    this.bitrate.clear();
  }

  private enqueue(segments: readonly MediaSegment[]): void {
    if (!this.playlist.downloadSegments || segments.length === 0) return;
    for (const segment of segments)
      this.queue.push({ segment, url: resolveUri(segment.uri, this.playlist.url) });
    const excess = this.queue.length - maxQueuedSegments;
    if (excess > 0) {
      this.queue.splice(0, excess);
      this.lastFedSequence = null;
      this.count((f) => (f.skippedSegments += excess));
    }
    this.startDownloads();
  }

  private startDownloads(): void {
    if (this.downloading) return;
    this.downloading = this.drain().finally(() => {
      this.downloading = null;
      if (this.queue.length > 0 && !this.context.signal.aborted) this.startDownloads();
    });
  }

  private async drain(): Promise<void> {
    for (let next = this.queue.shift(); next && !this.context.signal.aborted; next = this.queue.shift())
      await this.download(next);
  }

  private async download({ segment, url }: QueuedSegment): Promise<void> {
    const { config, events, nowSeconds, signal } = this.context;
    const index = this.playlist.index;
    const startSeconds = nowSeconds();
    // Without the query: segment URIs often carry signed tokens, and details reach incidents and the API.
    const where: Details = {
      sequence: segment.sequence,
      uri: segment.uri.split('?')[0]?.slice(0, 200) ?? '',
    };
    if (url === null) {
      this.segmentFailed(startSeconds, { ...where, reason: 'URI cannot be resolved', status: null });
      return;
    }
    const timeoutMs =
      config.segmentTimeoutMs ??
      Math.min(maxSegmentTimeoutMs, Math.max(minSegmentTimeoutMs, (this.targetDurationSeconds ?? 10) * 3000));
    const result = await boundedFetch(
      url,
      { timeoutMs, maxBytes: config.maxSegmentBytes },
      { signal, byteRange: segment.byteRange },
    );
    if (signal.aborted) return;
    if (!result.ok) {
      this.segmentFailed(startSeconds, { ...where, reason: result.reason, status: result.status });
      return;
    }
    const endSeconds = nowSeconds();
    events.end('segment-failed', index, endSeconds);
    const slow =
      segment.durationSeconds > 0 &&
      result.durationMs > segment.durationSeconds * 1000 * config.slowDownloadRatio;
    this.count((f) => {
      f.segments += 1;
      f.segmentBytes += result.bytes.length;
      f.segmentDownloadMsSum += result.durationMs;
      f.segmentDownloadMsMax = Math.max(f.segmentDownloadMsMax ?? 0, result.durationMs);
      if (slow) f.slowSegments += 1;
    });
    if (slow) {
      events.again('segment-slow', index, startSeconds, {
        ...where,
        downloadMs: result.durationMs,
        durationSeconds: segment.durationSeconds,
      });
    } else events.end('segment-slow', index, endSeconds);
    this.bitrate.push(result.bytes.length, segment.durationSeconds);
    this.checkBitrate(endSeconds);
    if (config.analyzeTs && looksLikeTs(result.bytes)) {
      const continues =
        this.lastFedSequence !== null &&
        segment.sequence === this.lastFedSequence + 1 &&
        !segment.discontinuity;
      this.tsFeed.feed(result.bytes, segment.durationSeconds, continues, endSeconds);
      this.lastFedSequence = segment.sequence;
    }
  }

  private segmentFailed(atSeconds: number, details: Details): void {
    this.count((f) => (f.segmentErrors += 1));
    this.lastFedSequence = null;
    this.context.events.again('segment-failed', this.playlist.index, atSeconds, details);
  }

  /** Declared BANDWIDTH against the window's bitrate, once the window is at least half full. */
  private checkBitrate(nowSeconds: number): void {
    const { config, events } = this.context;
    const declared = this.playlist.declaredBandwidthBps;
    const measured = this.bitrate.bitrateBps;
    if (declared === null || declared <= 0 || measured === null) return;
    if (this.bitrate.mediaSeconds < config.bitrateWindowSeconds / 2) return;
    const ratio = measured / declared;
    const out = ratio > config.maxBitrateRatio || ratio < config.minBitrateRatio;
    if (out) {
      events.begin('bitrate', this.playlist.index, nowSeconds, {
        direction: ratio > 1 ? 'over' : 'under',
        measuredBps: measured,
        declaredBps: declared,
      });
    } else events.end('bitrate', this.playlist.index, nowSeconds, { lastMeasuredBps: measured });
  }

  private count(update: (figures: PlaylistFigures) => void): void {
    update(this.window);
    update(this.totals);
  }
}

/**
 * Whether the media sequence started over: it went back (the first or the last sequence number is lower
 * than before), or it did not but a sequence number both versions list now names another segment (a restart
 * that happened to come back to the same numbers).
 */
function sequenceRestart(previous: MediaPlaylist, playlist: MediaPlaylist): 'backwards' | 'reused' | null {
  if (playlist.mediaSequence < previous.mediaSequence || lastSequence(playlist) < lastSequence(previous))
    return 'backwards';
  for (const segment of playlist.segments) {
    const before = previous.segments[segment.sequence - previous.mediaSequence];
    if (!before) break;
    // Without the query: some origins sign every segment URI afresh at each reload.
    if (withoutQuery(before.uri) !== withoutQuery(segment.uri)) return 'reused';
  }
  return null;
}

function withoutQuery(uri: string): string {
  const question = uri.indexOf('?');
  return question < 0 ? uri : uri.slice(0, question);
}

function reloadDelayMs(delayMs: number): number {
  return Math.min(maxReloadMs, Math.max(minReloadMs, delayMs));
}

function lastSequence(playlist: MediaPlaylist): number {
  return playlist.mediaSequence + playlist.segments.length - 1;
}
