/**
 * Feeds one playlist's downloaded MPEG-TS segments through the TR 101 290 analyser, as one continuous
 * stream while segments follow each other. A segment arrives in one burst, which says nothing about the
 * stream's timing, so arrival times come from its PCRs as for a file (`ArrivalTimeline`), and each
 * segment's times continue from where the previous one's ended.
 *
 * The analyser starts over (its events closed) where continuity is not expected: at EXT-X-DISCONTINUITY,
 * after a segment that was not downloaded (failed, skipped), and after a media sequence reset. Those are
 * reported by the HLS checks; counting them again as continuity or PCR errors would double them.
 *
 * Event times are in the monitor's seconds: the analyser's stream seconds plus the monitor time at which
 * its first segment was fed. The analyser's 1-second windows (of stream time, so a segment of 6 s makes
 * about 6 when it is fed) are kept for the monitor to take with its figures of the second; the window a
 * segment's last bytes fall in closes with the next segment, or when the analyser starts over or stops.
 */
import type { Details, EventTransition } from '../detectors/contract.js';
import { ArrivalTimeline, PcrScanner } from '../transport/arrival-timeline.js';
import { TsAnalyzer, type TsPushResult } from '../transport/ts-analyzer.js';
import type { TsCounts } from '../transport/ts-checks.js';
import { packetBytes } from '../transport/ts-constants.js';
import { TsFramer } from '../transport/ts-framer.js';
import { transportDetectorId } from '../transport/ts-report.js';
import type { TsWindow } from '../transport/ts-window.js';
import type { HlsTransition } from './hls-events.js';

const datagramBytes = 7 * packetBytes;

/** Whether bytes look like MPEG-TS: sync bytes 188 apart at the start (fMP4 and others are skipped). */
export function looksLikeTs(bytes: Uint8Array): boolean {
  if (bytes.length < packetBytes) return false;
  for (let at = 0; at < Math.min(bytes.length, 3 * packetBytes); at += packetBytes)
    if (bytes[at] !== 0x47) return false;
  return true;
}

export class SegmentTsFeed {
  private analyzer: TsAnalyzer | null = null;
  private analyzerStartSeconds = 0;
  private arrivalBaseSeconds = 0;
  private sessions = 0;
  private finishedCounts: Record<string, number> = {};
  private windows: TsWindow[] = [];

  constructor(
    private readonly playlist: number,
    private readonly onTransition: (transition: HlsTransition) => void,
  ) {}

  /** Feeds one segment; `continues` is false when it does not follow the previous one fed. */
  feed(bytes: Uint8Array, durationSeconds: number, continues: boolean, nowSeconds: number): void {
    if (!continues) this.restart();
    const analyzer = this.analyzer ?? this.start(nowSeconds);
    const scanner = new PcrScanner();
    new TsFramer(scanner).push(bytes);
    const nominalBps = durationSeconds > 0 ? (bytes.length * 8) / durationSeconds : 1e7;
    const timeline = new ArrivalTimeline(scanner, nominalBps);
    const pcrOffsets = timeline.pcrOffsets;
    let nextPcr = 0;
    let position = 0;
    while (position < bytes.length) {
      while ((pcrOffsets[nextPcr] ?? Infinity) <= position) nextPcr++;
      const end = Math.min(position + datagramBytes, pcrOffsets[nextPcr] ?? Infinity, bytes.length);
      const atMs = (this.arrivalBaseSeconds + timeline.secondsAt(position)) * 1000;
      this.forward(analyzer.push(bytes.subarray(position, end), atMs));
      position = end;
    }
    this.arrivalBaseSeconds += timeline.secondsAt(bytes.length);
  }

  /** Error counts over every analyser session so far. */
  counts(): Record<string, number> {
    const current: TsCounts | null = this.analyzer?.counts() ?? null;
    const total = { ...this.finishedCounts };
    if (current)
      for (const [name, value] of Object.entries(current)) total[name] = (total[name] ?? 0) + value;
    return total;
  }

  /** The analyser's windows that ended since the last call. */
  takeWindows(): TsWindow[] {
    const windows = this.windows;
    this.windows = [];
    return windows;
  }

  /** Closes the current analyser's events (the monitor stops, or the stream does not continue). */
  restart(): void {
    if (!this.analyzer) return;
    const result = this.analyzer.finish();
    this.forward(result);
    this.finishedCounts = this.counts();
    this.analyzer = null;
  }

  private start(nowSeconds: number): TsAnalyzer {
    this.analyzer = new TsAnalyzer();
    this.analyzerStartSeconds = nowSeconds;
    this.arrivalBaseSeconds = 0;
    this.sessions += 1;
    return this.analyzer;
  }

  private forward(result: TsPushResult): void {
    if (result.windows.length > 0) this.windows.push(...result.windows);
    for (const transition of result.transitions)
      this.onTransition({ detector: transportDetectorId, transition: this.shift(transition) });
  }

  /** Into monitor seconds, with keys unique over sessions and playlists, and the playlist in the details. */
  private shift(transition: EventTransition): EventTransition {
    const key = `p${this.playlist}/s${this.sessions}/${transition.key}`;
    const offset = this.analyzerStartSeconds;
    if (transition.kind === 'open') {
      const details: Details = { ...transition.details, playlist: this.playlist };
      return { ...transition, key, startSeconds: round(transition.startSeconds + offset), details };
    }
    return { ...transition, key, endSeconds: round(transition.endSeconds + offset) };
  }
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
