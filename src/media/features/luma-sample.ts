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
  if (frame.lumaSample) return frame.lumaSample;
  const cached = cache.get(frame);
  if (cached) return cached;
  const sample = frame.luma
    ? sampleLumaPlane(frame.luma, frame.lumaStride, frame.width, frame.height)
    : sampleLumaPlane(new Uint8Array(0), 0, 0, 0);
  cache.set(frame, sample);
  return sample;
}

/** Samples a luma plane of `width` x `height` pixels whose rows start every `stride` bytes. */
export function sampleLumaPlane(
  plane: Uint8Array,
  stride: number,
  frameWidth: number,
  frameHeight: number,
): LumaSample {
  const step = Math.max(1, Math.floor(frameWidth / targetWidth));
  const width = Math.floor(frameWidth / step);
  const height = Math.floor(frameHeight / step);
  const values = new Uint8Array(width * height);
  const histogram = new Uint32Array(256);
  const offsetX = step >> 1;
  let out = 0;
  for (let y = 0; y < height; y++) {
    let at = (y * step + offsetX) * stride + offsetX;
    for (let x = 0; x < width; x++) {
      const value = plane[at] as number;
      values[out++] = value;
      histogram[value] = (histogram[value] as number) + 1;
      at += step;
    }
  }
  return { width, height, step, values, histogram };
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

export interface LumaComparison {
  /** Mean absolute difference over the whole picture, 0-1 of full scale (255). */
  readonly meanDifference: number;
  /** Largest mean absolute difference of any block of about 32x32 source pixels, in luma code values. */
  readonly maxBlockDifference: number;
}

/**
 * Compares two samples of the same frame size, globally and block by block: a still picture with one small
 * moving part has a tiny global difference but one block that changed a lot.
 */
export function compareLuma(a: LumaSample, b: LumaSample): LumaComparison {
  if (a.values.length !== b.values.length || a.width !== b.width || a.values.length === 0) {
    return { meanDifference: 1, maxBlockDifference: 255 };
  }
  const blockSize = Math.max(2, Math.round(32 / a.step));
  const blocksAcross = Math.ceil(a.width / blockSize);
  const blockSums = new Float64Array(blocksAcross);
  const av = a.values;
  const bv = b.values;
  const width = a.width;
  let total = 0;
  let maxBlock = 0;
  let rowsInBlock = 0;
  for (let y = 0; y < a.height; y++) {
    const rowStart = y * width;
    for (let block = 0; block < blocksAcross; block++) {
      const from = rowStart + block * blockSize;
      const to = Math.min(from + blockSize, rowStart + width);
      let sum = 0;
      for (let i = from; i < to; i++) {
        const d = (av[i] as number) - (bv[i] as number);
        sum += d < 0 ? -d : d;
      }
      blockSums[block] = (blockSums[block] as number) + sum;
      total += sum;
    }
    rowsInBlock += 1;
    if (rowsInBlock === blockSize || y === a.height - 1) {
      for (let block = 0; block < blocksAcross; block++) {
        const columns = Math.min(blockSize, width - block * blockSize);
        maxBlock = Math.max(maxBlock, (blockSums[block] as number) / (rowsInBlock * columns));
      }
      blockSums.fill(0);
      rowsInBlock = 0;
    }
  }
  return { meanDifference: total / av.length / 255, maxBlockDifference: maxBlock };
}
