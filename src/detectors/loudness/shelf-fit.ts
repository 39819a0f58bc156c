/**
 * The K-weighting shelf for low sample rates (telephone 8 kHz, 11.025, 16, 22.05, 32 kHz).
 *
 * Redesigning the shelf with the bilinear transform squeezes its rise towards the new Nyquist frequency: at
 * 8 kHz the weighting is 0.2 dB low at 1 kHz and 0.28 dB high at 2.5 kHz, enough to move speech loudness by
 * 0.2 LU against meters that resample to 48 kHz first (FFmpeg's ebur128 does). So below 44.1 kHz the
 * biquad is fitted instead, to the 48 kHz filter's magnitude response over the band the input can carry
 * (within 0.03 dB at 8 kHz). A few hundred Nelder-Mead steps on 48 frequencies take milliseconds, once per rate.
 */
import type { BiquadCoefficients } from './k-weighting.js';

/** Gain in dB of a biquad at `frequencyHz`. */
export function biquadGainDb(c: BiquadCoefficients, frequencyHz: number, sampleRateHz: number): number {
  const w = (2 * Math.PI * frequencyHz) / sampleRateHz;
  const cos1 = Math.cos(w);
  const cos2 = Math.cos(2 * w);
  const sin1 = Math.sin(w);
  const sin2 = Math.sin(2 * w);
  const numRe = c.b0 + c.b1 * cos1 + c.b2 * cos2;
  const numIm = c.b1 * sin1 + c.b2 * sin2;
  const denRe = 1 + c.a1 * cos1 + c.a2 * cos2;
  const denIm = c.a1 * sin1 + c.a2 * sin2;
  return 10 * Math.log10((numRe * numRe + numIm * numIm) / (denRe * denRe + denIm * denIm));
}

const gridPoints = 48;
/** The fit covers DC to this fraction of the sample rate (just below Nyquist, where codecs cut anyway). */
const topFraction = 0.48;
const iterations = 400;

function toCoefficients(v: readonly number[]): BiquadCoefficients {
  return { b0: v[0] ?? 0, b1: v[1] ?? 0, b2: v[2] ?? 0, a1: v[3] ?? 0, a2: v[4] ?? 0 };
}

function isStable(c: BiquadCoefficients): boolean {
  return Math.abs(c.a2) < 1 && Math.abs(c.a1) < 1 + c.a2;
}

/** Minimises `cost` from `start` with the Nelder-Mead simplex method (reflect, expand, contract, shrink). */
function nelderMead(
  cost: (point: readonly number[]) => number,
  start: readonly number[],
  steps: number,
): number[] {
  const size = start.length;
  let simplex = [
    start.slice(),
    ...start.map((_, i) => start.map((v, j) => (j === i ? v + 0.05 * (Math.abs(v) + 0.1) : v))),
  ];
  let values = simplex.map(cost);
  const along = (from: readonly number[], to: readonly number[], t: number): number[] =>
    from.map((v, j) => v + t * ((to[j] ?? 0) - v));
  for (let step = 0; step < steps; step++) {
    const order = values.map((_, i) => i).sort((a, b) => (values[a] ?? 0) - (values[b] ?? 0));
    simplex = order.map((i) => simplex[i] ?? []);
    values = order.map((i) => values[i] ?? 0);
    const best = values[0] ?? 0;
    const worst = simplex[size] ?? [];
    const centroid = start.map(
      (_, j) => simplex.slice(0, size).reduce((sum, p) => sum + (p[j] ?? 0), 0) / size,
    );
    const reflected = along(centroid, worst, -1);
    const reflectedCost = cost(reflected);
    if (reflectedCost < best) {
      const expanded = along(centroid, worst, -2);
      const expandedCost = cost(expanded);
      simplex[size] = expandedCost < reflectedCost ? expanded : reflected;
      values[size] = Math.min(expandedCost, reflectedCost);
    } else if (reflectedCost < (values[size - 1] ?? 0)) {
      simplex[size] = reflected;
      values[size] = reflectedCost;
    } else {
      const contracted = along(centroid, worst, 0.5);
      const contractedCost = cost(contracted);
      if (contractedCost < (values[size] ?? 0)) {
        simplex[size] = contracted;
        values[size] = contractedCost;
      } else {
        const first = simplex[0] ?? [];
        simplex = simplex.map((point, i) => (i === 0 ? point : along(first, point, 0.5)));
        values = simplex.map(cost);
      }
    }
  }
  return simplex[0] ?? start.slice();
}

/**
 * A shelf at `sampleRateHz` whose gain follows `reference` (designed at `referenceRateHz`) up to just below
 * the new Nyquist frequency; `start` is the bilinear design, kept if the fit is not better or not stable.
 */
export function fitShelf(
  reference: BiquadCoefficients,
  referenceRateHz: number,
  start: BiquadCoefficients,
  sampleRateHz: number,
): BiquadCoefficients {
  const frequencies = Array.from(
    { length: gridPoints },
    (_, i) => ((i + 1) / gridPoints) * topFraction * sampleRateHz,
  );
  const targets = frequencies.map((frequency) => biquadGainDb(reference, frequency, referenceRateHz));
  const cost = (point: readonly number[]): number => {
    const c = toCoefficients(point);
    if (!isStable(c)) return Infinity;
    let sum = 0;
    frequencies.forEach((frequency, i) => {
      const error = biquadGainDb(c, frequency, sampleRateHz) - (targets[i] ?? 0);
      sum += error * error;
    });
    return sum;
  };
  const initial = [start.b0, start.b1, start.b2, start.a1, start.a2];
  const fitted = nelderMead(cost, initial, iterations);
  return cost(fitted) < cost(initial) ? toCoefficients(fitted) : start;
}
