/**
 * The unit of work: one second of decoded media, as it is handed to every detector.
 *
 * Treat pixel planes as valid only while the chunk is being analysed: a detector that needs pixels later
 * keeps its own (small) copy, so the media layer is free to hand out borrowed decoder memory.
 */
import type { LumaSample } from './features/luma-sample.js';

/** One decoded picture. */
export interface VideoFrame {
  /** Presentation time on the input's timeline: seconds since the first decoded frame or sample. */
  readonly timeSeconds: number;
  /** How long this frame is shown, from its duration or the stream's frame rate. */
  readonly durationSeconds: number;
  readonly width: number;
  readonly height: number;
  /**
   * 8-bit luma plane at full resolution; row `y` starts at `y * lumaStride`. Null on pictures no selected
   * detector reads at full resolution (see `Detector.fullLumaPerSecond`): those carry only `lumaSample`.
   */
  readonly luma: Uint8Array | null;
  readonly lumaStride: number;
  /** The ~480-wide luma sample (see features/luma-sample.ts), taken at decode time where `luma` is null. */
  readonly lumaSample?: LumaSample;
  /** Luma code of black and of nominal white: 16/235 for limited ("TV") range, 0/255 for full range. */
  readonly blackLevel: number;
  readonly whiteLevel: number;
  /** Planar chroma where the decoder gives planar 8-bit YUV; null otherwise (a detector must not rely on it). */
  readonly chroma: ChromaPlanes | null;
  readonly keyFrame: boolean;
  /** The decoder marked this frame as corrupt or concealed (AV_FRAME_FLAG_CORRUPT or decode_error_flags). */
  readonly corrupt: boolean;
}

export interface ChromaPlanes {
  readonly u: Uint8Array;
  readonly v: Uint8Array;
  readonly stride: number;
  readonly width: number;
  readonly height: number;
}

/** The chunk's audio: contiguous float samples per channel, in [-1, 1] (full scale). */
export interface AudioBlock {
  /** Time of `samples[c][0]` on the input's timeline. */
  readonly startSeconds: number;
  readonly sampleRate: number;
  /** One array per channel, all the same length. */
  readonly samples: readonly Float32Array[];
  /** Spans with no decoded samples inside this block (filled with zeros in `samples`). */
  readonly gaps: readonly TimeSpan[];
}

export interface TimeSpan {
  readonly startSeconds: number;
  readonly endSeconds: number;
}

export interface MediaChunk {
  /** 0 for [0, 1) s, 1 for [1, 2) s, ... */
  readonly index: number;
  readonly startSeconds: number;
  readonly endSeconds: number;
  /** Frames whose presentation time falls in [startSeconds, endSeconds), in order. */
  readonly video: readonly VideoFrame[];
  /** null when the input has no audio stream being decoded, or none of it falls in this chunk. */
  readonly audio: AudioBlock | null;
  /** Whether the input has each kind of stream at all (a chunk can be empty of one kind for other reasons). */
  readonly hasVideoStream: boolean;
  readonly hasAudioStream: boolean;
  /** Packets the decoder rejected (corrupt data it could not turn into frames) during this chunk. */
  readonly decodeErrorCount: number;
  /** Timestamp discontinuities (wraps excluded) the timeline smoothed over during this chunk. */
  readonly discontinuityCount: number;
  /** How the streams' timestamps behaved in this chunk (for timestamp-level A/V checks). */
  readonly timing?: ChunkTiming;
}

export interface ChunkTiming {
  /** Timestamp jumps smoothed over on each stream (one stream jumping alone moves sound against picture). */
  readonly videoDiscontinuities: number;
  readonly audioDiscontinuities: number;
  /**
   * Where audio timestamps and the decoded sample count disagreed by more than the jitter tolerance: milliseconds
   * of silence inserted (positive: timestamps ran ahead) or of samples dropped (negative: they fell behind).
   * One-off values are lost audio; repeated same-signed values are the audio clock drifting from its timestamps.
   */
  readonly audioCorrectionsMs: readonly number[];
}
