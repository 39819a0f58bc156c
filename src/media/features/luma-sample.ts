/**
 * A point-sampled copy of a frame's luma at most ~480 samples wide, shared by every detector that looks at
 * the whole picture (black, freeze). Computed once per frame on first use; detectors may keep it.
 */
import type { VideoFrame } from '../chunk.js';

export interface LumaSample {
  readonly width: number;
  readonly height: number;
  /** Pixels taken every `step` columns and rows. */
  readonly step: number;
  readonly values: Uint8Array;
  /** Histogram of `values`, 256 bins. */
  readonly histogram: Uint32Array;
}

const targetWidth = 480;
const cache = new WeakMap<VideoFrame, LumaSample>();

export function lumaSample(frame: VideoFrame): LumaSample {
  const cached = cache.get(frame);
  if (cached) return cached;
  const step = Math.max(1, Math.floor(frame.width / targetWidth));
  const width = Math.floor(frame.width / step);
  const height = Math.floor(frame.height / step);
  const values = new Uint8Array(width * height);
  const histogram = new Uint32Array(256);
  const luma = frame.luma;
  const offsetX = step >> 1;
  let out = 0;
  for (let y = 0; y < height; y++) {
    let at = (y * step + offsetX) * frame.lumaStride + offsetX;
    for (let x = 0; x < width; x++) {
      const value = luma[at] ?? 0;
      values[out++] = value;
      histogram[value] = (histogram[value] ?? 0) + 1;
      at += step;
    }
  }
  const sample = { width, height, step, values, histogram };
  cache.set(frame, sample);
  return sample;
}

/** Fraction (0-1) of samples with luma at most `maxLuma`. */
export function ratioAtOrBelow(sample: LumaSample, maxLuma: number): number {
  const total = sample.values.length;
  if (total === 0) return 0;
  let count = 0;
  const top = Math.min(255, Math.floor(maxLuma));
  for (let v = 0; v <= top; v++) count += sample.histogram[v] ?? 0;
  return count / total;
}

export function meanLuma(sample: LumaSample): number {
  const total = sample.values.length;
  if (total === 0) return 0;
  let sum = 0;
  for (let v = 0; v < 256; v++) sum += v * (sample.histogram[v] ?? 0);
  return sum / total;
}

/** Mean absolute difference between two samples of the same size, 0-1 of full scale (255). */
export function meanAbsoluteDifference(a: LumaSample, b: LumaSample): number {
  if (a.values.length !== b.values.length || a.values.length === 0) return 1;
  const av = a.values;
  const bv = b.values;
  let sum = 0;
  for (let i = 0; i < av.length; i++) {
    const d = (av[i] ?? 0) - (bv[i] ?? 0);
    sum += d < 0 ? -d : d;
  }
  return sum / av.length / 255;
}
