/**
 * What a detector is. Detectors know nothing of decoding, HTTP, storage or processes: they turn chunks into
 * measurements and events. The pipeline wraps every call with timing and error isolation.
 */
import type { z } from 'zod';
import type { MediaChunk } from '../media/chunk.js';

export type Severity = 'info' | 'warning' | 'critical';

/** What a detector needs decoded. The pipeline skips decoding a stream no selected detector needs. */
export interface DetectorNeeds {
  readonly video: boolean;
  readonly audio: boolean;
}

export type DetailValue = string | number | boolean | null | readonly number[];
export type Details = Readonly<Record<string, DetailValue>>;

/** A defect as it is found: opened when its rule is met, closed when it ends. */
export interface EventOpen {
  readonly kind: 'open';
  /** Stable within one detector instance: the matching close carries the same key. */
  readonly key: string;
  readonly startSeconds: number;
  readonly severity: Severity;
  readonly channel?: number;
  readonly details: Details;
}

export interface EventClose {
  readonly kind: 'close';
  readonly key: string;
  readonly endSeconds: number;
  /** Final figures for the whole event (merged over the open's details). */
  readonly details?: Details;
}

export type EventTransition = EventOpen | EventClose;

export interface ChunkResult {
  /** Figures for this chunk, for timelines and `--chunks` (small: a few numbers). */
  readonly measurements: Readonly<Record<string, number | null | readonly (number | null)[]>>;
  readonly transitions: readonly EventTransition[];
}

export interface FinishResult {
  /** Closes for every event still open at the end of the input. */
  readonly transitions: readonly EventTransition[];
  /** Whole-input figures for the report's summary. */
  readonly summary?: Readonly<Record<string, unknown>>;
}

/** Per-stream state: one instance per input or channel, fed chunks in order. */
export interface DetectorInstance {
  analyze(chunk: MediaChunk): ChunkResult;
  /** The input ended at `endSeconds`: close what is open. */
  finish(endSeconds: number): FinishResult;
}

export interface Detector<Schema extends z.ZodType = z.ZodType> {
  readonly id: string;
  readonly version: string;
  readonly description: string;
  readonly needs: DetectorNeeds;
  /**
   * Pictures a second this detector reads through `frame.luma` at full resolution; the media layer keeps the
   * plane for the first picture at or after every 1/rate step (the rule `takesEvery` implements) and hands
   * the others over with `luma: null` and their `lumaSample` only, so a second of 1080p does not sit in
   * memory whole. Absent on a video detector: every picture.
   */
  fullLumaPerSecond?(config: z.output<Schema>): number;
  /** Parsing `{}` gives the defaults. */
  readonly configSchema: Schema;
  create(config: z.output<Schema>): DetectorInstance;
}

/** Helps a detector module keep its config type tied to its schema. */
export function defineDetector<Schema extends z.ZodType>(detector: Detector<Schema>): Detector<Schema> {
  return detector;
}
