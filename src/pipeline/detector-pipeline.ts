/**
 * Runs every selected detector on each chunk, in the same process, on the same in-memory chunk. The
 * pipeline, not the detectors, adds error isolation (a detector that throws gets a `detector-failed`
 * record and the others go on) and CPU timing per detector.
 */
import type { MediaChunk } from '../media/chunk.js';
import type { Detector, DetectorInstance, EventTransition } from '../detectors/contract.js';
import { EventCollector, type ReportEvent } from './event-collector.js';

export interface ConfiguredDetector {
  readonly detector: Detector;
  readonly config: unknown;
}

/** What the selected detectors need decoded, together. */
export interface DecodeNeeds {
  readonly wantVideo: boolean;
  readonly wantAudio: boolean;
  /** Pictures a second any of them reads at full resolution (Infinity: every picture). */
  readonly fullLumaPerSecond: number;
}

export function decodeNeeds(configured: readonly ConfiguredDetector[]): DecodeNeeds {
  let fullLumaPerSecond = 0;
  for (const { detector, config } of configured) {
    if (!detector.needs.video) continue;
    const rate = detector.fullLumaPerSecond ? detector.fullLumaPerSecond(config) : Infinity;
    fullLumaPerSecond = Math.max(fullLumaPerSecond, rate);
  }
  return {
    wantVideo: configured.some((entry) => entry.detector.needs.video),
    wantAudio: configured.some((entry) => entry.detector.needs.audio),
    fullLumaPerSecond,
  };
}

export interface DetectorFailure {
  readonly detector: string;
  readonly chunkIndex: number | null;
  readonly message: string;
  /** How many calls failed with this message. */
  readonly count: number;
}

export interface ChunkMeasurements {
  readonly index: number;
  readonly startSeconds: number;
  readonly endSeconds: number;
  readonly videoFrames: number;
  readonly audioSeconds: number;
  readonly detectors: Readonly<Record<string, unknown>>;
}

interface RunningDetector {
  readonly detector: Detector;
  readonly instance: DetectorInstance;
  cpuMs: number;
}

export interface DetectorPipelineOptions {
  /** Called for every open and close as it happens (live alerting). */
  readonly onTransition?: (detectorId: string, transition: EventTransition) => void;
  /**
   * Keep every event for `events()` (default true: a report lists them all). A live channel's session has
   * no end and no report: its transitions go out through `onTransition`, and keeping each event too would
   * grow with every hour it runs.
   */
  readonly collectEvents?: boolean;
}

export class DetectorPipeline {
  private readonly running: RunningDetector[];
  private readonly collector: EventCollector | null;
  private readonly failures = new Map<
    string,
    { detector: string; chunkIndex: number | null; message: string; count: number }
  >();
  private readonly summaries: Record<string, unknown> = {};

  constructor(
    configured: readonly ConfiguredDetector[],
    private readonly options: DetectorPipelineOptions = {},
  ) {
    this.collector = options.collectEvents === false ? null : new EventCollector();
    this.running = configured.map(({ detector, config }) => ({
      detector,
      instance: detector.create(config),
      cpuMs: 0,
    }));
  }

  analyze(chunk: MediaChunk): ChunkMeasurements {
    const measurements: Record<string, unknown> = {};
    for (const entry of this.running) {
      const started = performance.now();
      try {
        const result = entry.instance.analyze(chunk);
        measurements[entry.detector.id] = result.measurements;
        this.accept(entry.detector.id, result.transitions);
      } catch (error) {
        this.recordFailure(entry.detector.id, chunk.index, error);
      } finally {
        entry.cpuMs += performance.now() - started;
      }
    }
    return {
      index: chunk.index,
      startSeconds: chunk.startSeconds,
      endSeconds: chunk.endSeconds,
      videoFrames: chunk.video.length,
      audioSeconds: chunk.audio ? (chunk.audio.samples[0]?.length ?? 0) / chunk.audio.sampleRate : 0,
      detectors: measurements,
    };
  }

  /** The input ended at `endSeconds`: every detector closes what is open. */
  finish(endSeconds: number): void {
    for (const entry of this.running) {
      try {
        const result = entry.instance.finish(endSeconds);
        this.accept(entry.detector.id, result.transitions);
        if (result.summary) this.summaries[entry.detector.id] = result.summary;
      } catch (error) {
        this.recordFailure(entry.detector.id, null, error);
      }
    }
    this.collector?.closeAll(endSeconds);
  }

  /** Every event so far, paired; empty when the pipeline was made with `collectEvents: false`. */
  events(): ReportEvent[] {
    return this.collector?.events() ?? [];
  }

  detectorSummaries(): Readonly<Record<string, unknown>> {
    return this.summaries;
  }

  detectorFailures(): DetectorFailure[] {
    return [...this.failures.values()];
  }

  /** CPU milliseconds spent in each detector so far. */
  cpuMsByDetector(): Record<string, number> {
    return Object.fromEntries(this.running.map((entry) => [entry.detector.id, entry.cpuMs]));
  }

  private accept(detectorId: string, transitions: readonly EventTransition[]): void {
    for (const transition of transitions) {
      this.collector?.accept(detectorId, transition);
      this.options.onTransition?.(detectorId, transition);
    }
  }

  private recordFailure(detectorId: string, chunkIndex: number | null, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    const key = `${detectorId}\u0000${message}`;
    const existing = this.failures.get(key);
    if (existing) existing.count += 1;
    else this.failures.set(key, { detector: detectorId, chunkIndex, message, count: 1 });
  }
}
