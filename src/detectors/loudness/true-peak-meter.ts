/**
 * True peak per ITU-R BS.1770-4 Annex 2: the signal is oversampled 4x and the largest magnitude of the
 * oversampled signal is its true peak, which catches the inter-sample peaks a DAC or a lossy encoder
 * reconstructs above the largest sample.
 *
 * The interpolator is a polyphase windowed-sinc FIR with its cut-off at the input's Nyquist frequency. With
 * that cut-off phase 0 is the input sample itself, so only phases 1-3 are computed. Interpolating around a
 * sample needs `tapsPerPhase / 2` samples after it: the last ones of each block wait for the next block.
 *
 * Cost control: a slot whose samples (and those its taps reach) are too small to beat the channel's largest
 * value so far, nor the limit, even at the interpolator's largest possible gain, is skipped. The loudest slot
 * is computed first, so on most content the quiet slots never reach the FIR loop.
 */

export const oversamplingFactor = 4;
const computedPhases = oversamplingFactor - 1;

/** Modified Bessel function of the first kind, order 0 (for the Kaiser window), by its power series. */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const quarterSquare = (x * x) / 4;
  for (let k = 1; k < 50 && term > sum * 1e-17; k++) {
    term *= quarterSquare / (k * k);
    sum += term;
  }
  return sum;
}

export interface InterpolatorDesign {
  readonly tapsPerPhase: number;
  /** Phases 1-3 interleaved: `coefficients[3 * j + (p - 1)]` weighs input `n - taps/2 + 1 + j` for phase p. */
  readonly coefficients: Float64Array;
  /** The largest sum of |coefficient| over a phase: no interpolated value exceeds this times the input peak. */
  readonly maxGain: number;
}

/**
 * Kaiser-windowed sinc. Beta 7 keeps the stop band about 70 dB down, far below what could move a peak
 * reading by 0.1 dB; each phase is scaled to unit DC gain so a constant does not ripple between phases.
 */
export function designInterpolator(tapsPerPhase: number, kaiserBeta = 7): InterpolatorDesign {
  if (!Number.isInteger(tapsPerPhase) || tapsPerPhase < 4 || tapsPerPhase % 2 !== 0) {
    throw new RangeError(`tapsPerPhase: expected an even integer of at least 4, got ${tapsPerPhase}`);
  }
  const half = tapsPerPhase / 2;
  const coefficients = new Float64Array(computedPhases * tapsPerPhase);
  let maxGain = 0;
  for (let p = 1; p <= computedPhases; p++) {
    let sum = 0;
    for (let j = 0; j < tapsPerPhase; j++) {
      // Distance, in input samples, from the interpolated point to the input sample this tap weighs.
      const distance = p / oversamplingFactor + half - 1 - j;
      const sinc = Math.sin(Math.PI * distance) / (Math.PI * distance);
      const ratio = distance / half;
      const window = besselI0(kaiserBeta * Math.sqrt(Math.max(0, 1 - ratio * ratio))) / besselI0(kaiserBeta);
      coefficients[computedPhases * j + p - 1] = sinc * window;
      sum += sinc * window;
    }
    let absoluteSum = 0;
    for (let j = 0; j < tapsPerPhase; j++) {
      const index = computedPhases * j + p - 1;
      const value = (coefficients[index] ?? 0) / sum;
      coefficients[index] = value;
      absoluteSum += Math.abs(value);
    }
    maxGain = Math.max(maxGain, absoluteSum);
  }
  return { tapsPerPhase, coefficients, maxGain };
}

export interface TruePeakMeterOptions {
  readonly channelCount: number;
  /** Peaks are reported per slot of this many input samples (event timing resolution). */
  readonly slotSamples: number;
  readonly design: InterpolatorDesign;
  /** Skip slots that cannot matter (default); off only to check that skipping changes nothing. */
  readonly skipQuietSlots?: boolean;
}

/** Streaming 4x true-peak meter for a fixed number of channels. */
export class TruePeakMeter {
  readonly channelCount: number;
  readonly slotSamples: number;
  private readonly design: InterpolatorDesign;
  private readonly half: number;
  private readonly skipQuietSlots: boolean;
  /** Per channel: the last `taps` samples of the stream, then the block being measured. */
  private buffers: Float32Array[];
  /** Sample peak of each slot of the call being measured (picks the slot to compute first). */
  private samplePeaks = new Float64Array(0);
  private slotPeakValues = new Float64Array(0);
  private currentSlotCount = 0;

  constructor(options: TruePeakMeterOptions) {
    const half = options.design.tapsPerPhase / 2;
    if (options.slotSamples < half) {
      throw new RangeError(`slotSamples: expected at least ${half}, got ${options.slotSamples}`);
    }
    this.channelCount = options.channelCount;
    this.slotSamples = options.slotSamples;
    this.design = options.design;
    this.half = half;
    this.skipQuietSlots = options.skipQuietSlots ?? true;
    this.buffers = Array.from({ length: options.channelCount }, () => new Float32Array(2 * half));
  }

  /** Slots measured by the last `process` or `flush` call. */
  get slotCount(): number {
    return this.currentSlotCount;
  }

  /**
   * The largest oversampled magnitude in a slot of the last call. Only exact where it matters: a skipped
   * slot reports its sample peak, which is below both the channel's peak for the call and `limit`.
   */
  slotPeak(channel: number, slot: number): number {
    return this.slotPeakValues[channel * this.currentSlotCount + slot] ?? 0;
  }

  /**
   * Measures one block (one array per channel, equal lengths). Slot 0 also holds the positions carried over
   * from the previous block; `limit` is the magnitude above which a slot's exact peak matters.
   */
  process(samples: readonly Float32Array[], limit: number): void {
    const length = samples[0]?.length ?? 0;
    this.prepare(length);
    for (let channel = 0; channel < this.channelCount; channel++) {
      const buffer = this.bufferFor(channel, length);
      buffer.set(samples[channel] ?? new Float32Array(length), 2 * this.half);
      this.measureChannel(channel, buffer, length, limit);
      buffer.copyWithin(0, length, length + 2 * this.half);
    }
  }

  /** The stream ended: measures the positions still waiting for samples after them, as one slot. */
  flush(limit: number): void {
    this.process(
      Array.from({ length: this.channelCount }, () => new Float32Array(this.half)),
      limit,
    );
  }

  private prepare(length: number): void {
    this.currentSlotCount = Math.max(1, Math.ceil(length / this.slotSamples));
    const needed = this.channelCount * this.currentSlotCount;
    if (this.slotPeakValues.length < needed) this.slotPeakValues = new Float64Array(needed);
    if (this.samplePeaks.length < this.currentSlotCount)
      this.samplePeaks = new Float64Array(this.currentSlotCount);
  }

  private bufferFor(channel: number, length: number): Float32Array {
    const existing = this.buffers[channel] ?? new Float32Array(2 * this.half);
    if (existing.length >= length + 2 * this.half) return existing;
    const grown = new Float32Array(length + 2 * this.half);
    grown.set(existing.subarray(0, 2 * this.half));
    this.buffers[channel] = grown;
    return grown;
  }

  /** Buffer position range `[start, end)` measured for `slot`; positions `half .. 2 half` are the carried ones. */
  private slotStart(slot: number): number {
    return slot === 0 ? this.half : 2 * this.half + slot * this.slotSamples;
  }

  private slotEnd(slot: number, length: number): number {
    return Math.min(2 * this.half + (slot + 1) * this.slotSamples, this.half + length);
  }

  private measureChannel(channel: number, buffer: Float32Array, length: number, limit: number): void {
    const slots = this.currentSlotCount;
    const base = channel * slots;
    let loudestSlot = 0;
    let loudestSamplePeak = -1;
    for (let slot = 0; slot < slots; slot++) {
      const peak = absolutePeak(buffer, this.slotStart(slot), this.slotEnd(slot, length));
      this.samplePeaks[slot] = peak;
      if (peak > loudestSamplePeak) {
        loudestSamplePeak = peak;
        loudestSlot = slot;
      }
    }
    let channelPeak = this.interpolatedPeak(
      buffer,
      this.slotStart(loudestSlot),
      this.slotEnd(loudestSlot, length),
    );
    this.slotPeakValues[base + loudestSlot] = channelPeak;
    for (let slot = 0; slot < slots; slot++) {
      if (slot === loudestSlot) continue;
      const start = this.slotStart(slot);
      const end = this.slotEnd(slot, length);
      // Every sample the slot's taps reach, times the largest gain the interpolator can have.
      const reach = absolutePeak(buffer, start - this.half + 1, end + this.half);
      if (this.skipQuietSlots && reach * this.design.maxGain <= Math.min(channelPeak, limit)) {
        this.slotPeakValues[base + slot] = this.samplePeaks[slot] ?? 0;
        continue;
      }
      const peak = this.interpolatedPeak(buffer, start, end);
      this.slotPeakValues[base + slot] = peak;
      if (peak > channelPeak) channelPeak = peak;
    }
  }

  /** Largest magnitude over positions `[start, end)` and the three points after each. */
  private interpolatedPeak(buffer: Float32Array, start: number, end: number): number {
    const taps = this.design.tapsPerPhase;
    const c = this.design.coefficients;
    let peak = 0;
    for (let n = start; n < end; n++) {
      const first = n - this.half + 1;
      let y1 = 0;
      let y2 = 0;
      let y3 = 0;
      for (let j = 0, k = 0; j < taps; j++, k += 3) {
        const x = buffer[first + j] ?? 0;
        y1 += (c[k] ?? 0) * x;
        y2 += (c[k + 1] ?? 0) * x;
        y3 += (c[k + 2] ?? 0) * x;
      }
      const x0 = Math.abs(buffer[n] ?? 0);
      const m = Math.max(x0, Math.abs(y1), Math.abs(y2), Math.abs(y3));
      if (m > peak) peak = m;
    }
    return peak;
  }
}

function absolutePeak(samples: Float32Array, start: number, end: number): number {
  let peak = 0;
  for (let i = start; i < end; i++) {
    const value = Math.abs(samples[i] ?? 0);
    if (value > peak) peak = value;
  }
  return peak;
}
