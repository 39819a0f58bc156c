/**
 * Momentary (400 ms) and short-term (3 s) loudness per ITU-R BS.1770-4 / EBU Tech 3341, updated every
 * 100 ms. The K-weighted mean square of each channel is summed over 100 ms steps; a window's power is the
 * sum of its last 4 or 30 steps, so the filters run once per sample and each window costs a few additions.
 */
import { KWeightingFilter } from './k-weighting.js';

/** Loudness of a weighted mean-square power: BS.1770-4 equation 2. */
export function powerToLufs(power: number): number {
  return -0.691 + 10 * Math.log10(power);
}

export function lufsToPower(loudnessLufs: number): number {
  return 10 ** ((loudnessLufs + 0.691) / 10);
}

/**
 * BS.1770-4 channel weights by channel count, in FFmpeg's channel order (the order decoders give): 1.0 for
 * left, right and centre, 1.41 for surround channels, 0 for LFE (not measured). Counts we cannot place
 * (3, 4, 7, more than 8) weigh every channel 1.0.
 */
export function channelWeights(channelCount: number): Float64Array {
  const surround = 1.41;
  switch (channelCount) {
    case 5: // 5.0: FL FR FC BL BR
      return Float64Array.of(1, 1, 1, surround, surround);
    case 6: // 5.1: FL FR FC LFE BL BR
      return Float64Array.of(1, 1, 1, 0, surround, surround);
    case 8: // 7.1: FL FR FC LFE BL BR SL SR
      return Float64Array.of(1, 1, 1, 0, surround, surround, surround, surround);
    default:
      return new Float64Array(channelCount).fill(1);
  }
}

export const stepSeconds = 0.1;
const momentarySteps = 4;
const shortTermSteps = 30;

export interface LoudnessStep {
  /** Where the 100 ms step ended, as a sample offset into the block passed to `push`. */
  readonly endOffset: number;
  /** Samples in this step (sample rates that are not a multiple of 10 Hz give steps of two lengths). */
  readonly sampleCount: number;
  /** Weighted mean-square power of the last 400 ms (a BS.1770 gating block); null until 400 ms were seen. */
  readonly momentaryPower: number | null;
  /** Same over the last 3 s; null until 3 s were seen. */
  readonly shortTermPower: number | null;
}

export interface LoudnessMeterOptions {
  readonly sampleRateHz: number;
  readonly channelCount: number;
}

export class LoudnessMeter {
  readonly sampleRateHz: number;
  readonly channelCount: number;
  private readonly weights: Float64Array;
  private readonly filters: KWeightingFilter[];
  /** Weighted sums of squares and sample counts of the last 30 steps (a ring). */
  private readonly stepEnergy = new Float64Array(shortTermSteps);
  private readonly stepSamples = new Float64Array(shortTermSteps);
  private stepsDone = 0;
  private samplesDone = 0;
  private stepEnergySoFar = 0;
  private stepStartSample = 0;

  constructor(options: LoudnessMeterOptions) {
    this.sampleRateHz = options.sampleRateHz;
    this.channelCount = options.channelCount;
    this.weights = channelWeights(options.channelCount);
    this.filters = Array.from(
      { length: options.channelCount },
      () => new KWeightingFilter(options.sampleRateHz),
    );
  }

  /** Feeds one block (one array per channel, equal lengths); calls `onStep` for every 100 ms step it completes. */
  push(samples: readonly Float32Array[], onStep: (step: LoudnessStep) => void): void {
    const length = samples[0]?.length ?? 0;
    let offset = 0;
    while (offset < length) {
      // Step boundaries are rounded from the stream's start, so 44.1 kHz steps do not drift.
      const stepEndSample = Math.round(((this.stepsDone + 1) * this.sampleRateHz) / 10);
      const end = Math.min(length, offset + (stepEndSample - this.samplesDone));
      for (let channel = 0; channel < this.channelCount; channel++) {
        const weight = this.weights[channel] ?? 0;
        const channelSamples = samples[channel];
        const filter = this.filters[channel];
        if (weight === 0 || !channelSamples || !filter) continue;
        this.stepEnergySoFar += weight * filter.sumOfSquares(channelSamples, offset, end);
      }
      this.samplesDone += end - offset;
      offset = end;
      if (this.samplesDone === stepEndSample) onStep(this.completeStep(offset));
    }
  }

  private completeStep(endOffset: number): LoudnessStep {
    const slot = this.stepsDone % shortTermSteps;
    const sampleCount = this.samplesDone - this.stepStartSample;
    this.stepEnergy[slot] = this.stepEnergySoFar;
    this.stepSamples[slot] = sampleCount;
    this.stepsDone += 1;
    this.stepEnergySoFar = 0;
    this.stepStartSample = this.samplesDone;
    return {
      endOffset,
      sampleCount,
      momentaryPower: this.windowPower(momentarySteps),
      shortTermPower: this.windowPower(shortTermSteps),
    };
  }

  /** Mean power over the last `steps` steps, or null when fewer have been seen. */
  private windowPower(steps: number): number | null {
    if (this.stepsDone < steps) return null;
    let energy = 0;
    let count = 0;
    for (let i = 1; i <= steps; i++) {
      const slot = (this.stepsDone - i) % shortTermSteps;
      energy += this.stepEnergy[slot] ?? 0;
      count += this.stepSamples[slot] ?? 0;
    }
    return count > 0 ? energy / count : null;
  }
}
