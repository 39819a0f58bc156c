import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  highPassCoefficients,
  KWeightingFilter,
  shelfCoefficients,
  standardHighPass48k,
  standardShelf48k,
  type BiquadCoefficients,
} from './k-weighting.js';
import { sine } from './test-signals.js';

function assertClose(actual: BiquadCoefficients, expected: BiquadCoefficients, tolerance: number): void {
  for (const key of ['b0', 'b1', 'b2', 'a1', 'a2'] as const) {
    assert.ok(
      Math.abs(actual[key] - expected[key]) < tolerance,
      `${key}: ${actual[key]} vs ${expected[key]}`,
    );
  }
}

/** Gain in dB of the whole K-weighting at `frequencyHz`, measured on a steady sine. */
function gainDb(frequencyHz: number, sampleRateHz: number): number {
  const signal = sine({ frequencyHz, levelDbfs: 0, seconds: 2, sampleRateHz });
  const filter = new KWeightingFilter(sampleRateHz);
  filter.sumOfSquares(signal, 0, sampleRateHz); // let the filters settle
  const meanSquare =
    filter.sumOfSquares(signal, sampleRateHz, signal.length) / (signal.length - sampleRateHz);
  return 10 * Math.log10(meanSquare / 0.5);
}

describe('K-weighting', () => {
  it('gives back the BS.1770-4 coefficients at 48 kHz', () => {
    assertClose(shelfCoefficients(48000), standardShelf48k, 1e-12);
    const highPass = highPassCoefficients(48000);
    assertClose(highPass, standardHighPass48k, 1e-12);
  });

  it('has the gain that -0.691 dB calibrates out at 1 kHz', () => {
    assert.ok(Math.abs(gainDb(1000, 48000) - 0.691) < 0.01, `gain ${gainDb(1000, 48000)}`);
  });

  it('weights other sample rates the same way', () => {
    for (const frequencyHz of [50, 200, 1000, 3000]) {
      const reference = gainDb(frequencyHz, 48000);
      for (const sampleRateHz of [44100, 32000, 16000]) {
        const gain = gainDb(frequencyHz, sampleRateHz);
        assert.ok(
          Math.abs(gain - reference) < 0.1,
          `${frequencyHz} Hz at ${sampleRateHz}: ${gain} vs ${reference}`,
        );
      }
    }
  });

  it('rejects a rate too low for the shelf', () => {
    assert.throws(() => shelfCoefficients(3000), /sampleRateHz/);
  });
});
