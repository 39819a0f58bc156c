/**
 * The K-weighting of ITU-R BS.1770-4: a high-shelf "pre-filter" (the head's acoustic effect) followed by
 * the RLB high-pass. The standard gives both only as 48 kHz biquads; to weight any sample rate the same way
 * we turn each back into its analog parameters (bilinear transform with pre-warping) and design it again at
 * the input's rate. At 48 kHz this gives the standard's coefficients back; below 44.1 kHz the shelf is fitted
 * to the 48 kHz response instead (see shelf-fit.ts).
 */
import { fitShelf } from './shelf-fit.js';

/** Normalised biquad: y = b0 x + b1 x1 + b2 x2 - a1 y1 - a2 y2. */
export interface BiquadCoefficients {
  readonly b0: number;
  readonly b1: number;
  readonly b2: number;
  readonly a1: number;
  readonly a2: number;
}

const referenceRateHz = 48000;

/** BS.1770-4 Table 1: stage 1 (pre-filter, high shelf) at 48 kHz. */
export const standardShelf48k: BiquadCoefficients = {
  b0: 1.53512485958697,
  b1: -2.69169618940638,
  b2: 1.19839281085285,
  a1: -1.69065929318241,
  a2: 0.73248077421585,
};

/** BS.1770-4 Table 2: stage 2 (RLB high-pass) at 48 kHz. */
export const standardHighPass48k: BiquadCoefficients = {
  b0: 1,
  b1: -2,
  b2: 1,
  a1: -1.99004745483398,
  a2: 0.99007225036621,
};

/**
 * A second-order section with the bilinear transform's pre-warped frequency `k = tan(pi f0 / fs)` gives
 * a0 (1 + a1 + a2) = 4 k^2 and a0 (1 - a1 + a2) = 4, with a0 = 1 + k/Q + k^2: so both k and k/Q can be read
 * back from the poles.
 */
function analogPoles(a1: number, a2: number): { centreHz: number; kOverQ: number; k: number } {
  const kSquared = (1 + a1 + a2) / (1 - a1 + a2);
  const a0 = 4 / (1 - a1 + a2);
  const k = Math.sqrt(kSquared);
  return { k, kOverQ: a0 - 1 - kSquared, centreHz: (referenceRateHz * Math.atan(k)) / Math.PI };
}

/** The shelf's parameters: centre frequency, Q, and the gains of its high (vh) and band (vb) terms. */
const shelf = (() => {
  const { b0, b1, b2, a1, a2 } = standardShelf48k;
  const poles = analogPoles(a1, a2);
  const a0 = 4 / (1 - a1 + a2);
  // b0 - b1 + b2 = 4 vh / a0 (gain at Nyquist); b0 - b2 = 2 vb (k/Q) / a0.
  const vh = ((b0 - b1 + b2) * a0) / 4;
  const vb = ((b0 - b2) * a0) / (2 * poles.kOverQ);
  return { centreHz: poles.centreHz, q: poles.k / poles.kOverQ, vh, vb };
})();

const highPass = (() => {
  const { a1, a2 } = standardHighPass48k;
  const poles = analogPoles(a1, a2);
  // The standard keeps the un-normalised numerator 1, -2, 1, so its pass band sits at a0 (+0.04 dB) rather
  // than at 1; the -0.691 dB in the loudness formula is calibrated with that gain, so we keep it at every rate.
  return { centreHz: poles.centreHz, q: poles.k / poles.kOverQ, passGain: 4 / (1 - a1 + a2) };
})();

function checkRate(sampleRateHz: number): void {
  if (!(sampleRateHz > 2 * shelf.centreHz)) {
    throw new RangeError(
      `sampleRateHz: expected a rate above ${Math.ceil(2 * shelf.centreHz)} Hz, got ${sampleRateHz}`,
    );
  }
}

export function shelfCoefficients(sampleRateHz: number): BiquadCoefficients {
  checkRate(sampleRateHz);
  const k = Math.tan((Math.PI * shelf.centreHz) / sampleRateHz);
  const a0 = 1 + k / shelf.q + k * k;
  return {
    b0: (shelf.vh + (shelf.vb * k) / shelf.q + k * k) / a0,
    b1: (2 * (k * k - shelf.vh)) / a0,
    b2: (shelf.vh - (shelf.vb * k) / shelf.q + k * k) / a0,
    a1: (2 * (k * k - 1)) / a0,
    a2: (1 - k / shelf.q + k * k) / a0,
  };
}

export function highPassCoefficients(sampleRateHz: number): BiquadCoefficients {
  checkRate(sampleRateHz);
  const k = Math.tan((Math.PI * highPass.centreHz) / sampleRateHz);
  const a0 = 1 + k / highPass.q + k * k;
  const gain = highPass.passGain / a0;
  return {
    b0: gain,
    b1: -2 * gain,
    b2: gain,
    a1: (2 * (k * k - 1)) / a0,
    a2: (1 - k / highPass.q + k * k) / a0,
  };
}

/** From this rate up the bilinear redesign of the shelf is within 0.002 dB of the 48 kHz response. */
const lowestBilinearRateHz = 44100;
const fittedShelves = new Map<number, BiquadCoefficients>();

/** The shelf the meter uses at `sampleRateHz`. */
export function weightingShelf(sampleRateHz: number): BiquadCoefficients {
  const designed = shelfCoefficients(sampleRateHz);
  if (sampleRateHz >= lowestBilinearRateHz) return designed;
  let fitted = fittedShelves.get(sampleRateHz);
  if (!fitted) {
    fitted = fitShelf(standardShelf48k, referenceRateHz, designed, sampleRateHz);
    fittedShelves.set(sampleRateHz, fitted);
  }
  return fitted;
}

/** Below this a filter state is inaudible; flushing it avoids slow subnormal arithmetic during silence. */
const subnormalGuard = 1e-25;

/** The two K-weighting stages for one channel, with their state carried across calls. */
export class KWeightingFilter {
  private readonly shelf: BiquadCoefficients;
  private readonly highPass: BiquadCoefficients;
  // Transposed direct form II state of each stage.
  private s1 = 0;
  private s2 = 0;
  private h1 = 0;
  private h2 = 0;

  constructor(sampleRateHz: number) {
    this.shelf = weightingShelf(sampleRateHz);
    this.highPass = highPassCoefficients(sampleRateHz);
  }

  /** Filters `samples[start, end)` and returns the sum of the squared K-weighted samples. */
  sumOfSquares(samples: Float32Array, start: number, end: number): number {
    const { b0, b1, b2, a1, a2 } = this.shelf;
    const { b0: c0, b1: c1, b2: c2, a1: d1, a2: d2 } = this.highPass;
    let s1 = this.s1;
    let s2 = this.s2;
    let h1 = this.h1;
    let h2 = this.h2;
    let sum = 0;
    for (let i = start; i < end; i++) {
      const x = samples[i] ?? 0;
      const y = b0 * x + s1;
      s1 = b1 * x - a1 * y + s2;
      s2 = b2 * x - a2 * y;
      const z = c0 * y + h1;
      h1 = c1 * y - d1 * z + h2;
      h2 = c2 * y - d2 * z;
      sum += z * z;
    }
    const quiet = Math.abs(s1) + Math.abs(s2) + Math.abs(h1) + Math.abs(h2) < subnormalGuard;
    this.s1 = quiet ? 0 : s1;
    this.s2 = quiet ? 0 : s2;
    this.h1 = quiet ? 0 : h1;
    this.h2 = quiet ? 0 : h2;
    return sum;
  }
}
