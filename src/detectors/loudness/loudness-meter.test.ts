/** BS.1770-4 / EBU Tech 3341 accuracy on generated 1 kHz tones, measured on the meter's unrounded figures. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LoudnessHistogram, SlidingIntegrator } from './gating.js';
import { channelWeights, LoudnessMeter, powerToLufs } from './loudness-meter.js';
import { toneSequence } from './test-signals.js';

interface Measured {
  readonly integratedLufs: number | null;
  readonly windowIntegratedLufs: number | null;
  readonly loudnessRangeLu: number | null;
  readonly momentaryLufs: readonly number[];
  readonly shortTermLufs: readonly number[];
}

/** Measures stereo (the same signal in both channels), fed in 1-second blocks as the detector gets it. */
function measure(signal: Float32Array, sampleRateHz: number, windowBlocks = 36_000): Measured {
  const meter = new LoudnessMeter({ sampleRateHz, channelCount: 2 });
  const whole = new LoudnessHistogram();
  const shortTermValues = new LoudnessHistogram();
  const sliding = new SlidingIntegrator(windowBlocks);
  const momentaryLufs: number[] = [];
  const shortTermLufs: number[] = [];
  for (let start = 0; start < signal.length; start += sampleRateHz) {
    const block = signal.subarray(start, Math.min(signal.length, start + sampleRateHz));
    meter.push([block, block], (step) => {
      if (step.momentaryPower !== null) {
        whole.add(step.momentaryPower);
        sliding.add(step.momentaryPower);
        momentaryLufs.push(powerToLufs(step.momentaryPower));
      }
      if (step.shortTermPower !== null) {
        shortTermValues.add(step.shortTermPower);
        shortTermLufs.push(powerToLufs(step.shortTermPower));
      }
    });
  }
  return {
    integratedLufs: whole.integratedLufs(),
    windowIntegratedLufs: sliding.integratedLufs(),
    loudnessRangeLu: shortTermValues.rangeLu(),
    momentaryLufs,
    shortTermLufs,
  };
}

function assertNear(
  actual: number | null | undefined,
  expected: number,
  tolerance: number,
  what: string,
): void {
  assert.ok(
    actual !== null && actual !== undefined && Math.abs(actual - expected) <= tolerance,
    `${what}: expected ${expected} +- ${tolerance}, got ${actual}`,
  );
}

const tech3341Cases: readonly {
  name: string;
  segments: readonly (readonly [number, number])[];
  expected: number;
}[] = [
  { name: 'case 1: -23 dBFS 20 s', segments: [[-23, 20]], expected: -23 },
  { name: 'case 2: -33 dBFS 20 s', segments: [[-33, 20]], expected: -33 },
  {
    name: 'case 3: -36/-23/-36 dBFS',
    segments: [
      [-36, 10],
      [-23, 60],
      [-36, 10],
    ],
    expected: -23,
  },
  {
    name: 'case 4: -72/-36/-23/-36/-72 dBFS',
    segments: [
      [-72, 10],
      [-36, 10],
      [-23, 60],
      [-36, 10],
      [-72, 10],
    ],
    expected: -23,
  },
  {
    name: 'case 5: -26/-20/-26 dBFS',
    segments: [
      [-26, 20],
      [-20, 20.1],
      [-26, 20],
    ],
    expected: -23,
  },
];

describe('loudness meter: EBU Tech 3341', () => {
  for (const testCase of tech3341Cases) {
    it(`${testCase.name} integrates to ${testCase.expected} LUFS +- 0.1`, () => {
      const measured = measure(toneSequence(testCase.segments, 48000), 48000);
      assertNear(measured.integratedLufs, testCase.expected, 0.1, 'integrated (whole input)');
      assertNear(measured.windowIntegratedLufs, testCase.expected, 0.1, 'integrated (live window)');
    });
  }

  for (const levelDbfs of [-23, -33]) {
    it(`a steady ${levelDbfs} dBFS tone reads ${levelDbfs} LUFS momentary and short-term throughout`, () => {
      const measured = measure(toneSequence([[levelDbfs, 20]], 48000), 48000);
      assert.equal(measured.momentaryLufs.length, 197);
      assert.equal(measured.shortTermLufs.length, 171);
      for (const value of measured.momentaryLufs) assertNear(value, levelDbfs, 0.1, 'momentary');
      for (const value of measured.shortTermLufs) assertNear(value, levelDbfs, 0.1, 'short-term');
    });
  }

  it('case 1 at 44.1 kHz reads the same as at 48 kHz', () => {
    const at48k = measure(toneSequence([[-23, 20]], 48000), 48000);
    const at44k = measure(toneSequence([[-23, 20]], 44100), 44100);
    assertNear(at44k.integratedLufs, at48k.integratedLufs ?? NaN, 0.1, 'integrated');
    assertNear(at44k.momentaryLufs.at(-1), -23, 0.1, 'momentary');
    assertNear(at44k.shortTermLufs.at(-1), -23, 0.1, 'short-term');
  });

  it('reads the same at telephone and other low rates', () => {
    for (const sampleRateHz of [8000, 16000, 22050, 32000]) {
      const measured = measure(toneSequence([[-23, 20]], sampleRateHz), sampleRateHz);
      assertNear(measured.integratedLufs, -23, 0.1, `integrated at ${sampleRateHz} Hz`);
    }
  });
});

describe('loudness meter: gating and range', () => {
  it('gives no integrated loudness for digital silence', () => {
    const measured = measure(new Float32Array(48000 * 5), 48000);
    assert.equal(measured.integratedLufs, null);
    assert.equal(measured.windowIntegratedLufs, null);
    assert.equal(measured.loudnessRangeLu, null);
  });

  it('forgets blocks older than the live window, but not for the whole-input figure', () => {
    const signal = toneSequence(
      [
        [-33, 60],
        [-23, 20],
      ],
      48000,
    );
    const measured = measure(signal, 48000, 150); // a 15 s window
    assertNear(measured.windowIntegratedLufs, -23, 0.1, 'live window');
    // Whole input: both levels pass the relative gate (-33 > -25.7 - 10), so the mean lies between them.
    assert.ok((measured.integratedLufs ?? 0) < -24, `whole input ${measured.integratedLufs}`);
  });

  it('measures a loudness range of 10 LU for tones alternating -33 / -23 dBFS every 20 s', () => {
    const segments: [number, number][] = [];
    for (let cycle = 0; cycle < 4; cycle++) segments.push([-33, 20], [-23, 20]);
    const measured = measure(toneSequence(segments, 48000), 48000);
    assertNear(measured.loudnessRangeLu, 10, 1, 'loudness range');
  });

  it('weights 5.1 surround channels 1.41 and leaves LFE out', () => {
    assert.deepEqual([...channelWeights(6)], [1, 1, 1, 0, 1.41, 1.41]);
    assert.deepEqual([...channelWeights(2)], [1, 1]);
    assert.deepEqual([...channelWeights(1)], [1]);
    const tone = toneSequence([[-23, 5]], 48000);
    const silent = new Float32Array(tone.length);
    const surround = new LoudnessMeter({ sampleRateHz: 48000, channelCount: 6 });
    const front = new LoudnessMeter({ sampleRateHz: 48000, channelCount: 6 });
    let surroundLufs = 0;
    let frontLufs = 0;
    surround.push([silent, silent, silent, tone, tone, silent], (step) => {
      if (step.momentaryPower !== null) surroundLufs = powerToLufs(step.momentaryPower);
    });
    front.push([tone, silent, silent, silent, silent, silent], (step) => {
      if (step.momentaryPower !== null) frontLufs = powerToLufs(step.momentaryPower);
    });
    // Only BL counts (LFE is ignored), at +1.49 dB (10 log10 1.41) over the same tone in FL.
    assertNear(surroundLufs - frontLufs, 10 * Math.log10(1.41), 0.01, 'surround - front');
  });
});
