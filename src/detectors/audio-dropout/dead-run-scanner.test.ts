import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeadRunScanner, type DeadRunRules, type JudgedRun } from './dead-run-scanner.js';

const sampleRate = 8000;
const ms = (value: number): number => Math.round((value * sampleRate) / 1000);

const rules: DeadRunRules = {
  deadAmplitude: 10 ** (-90 / 20),
  minSamples: ms(10),
  maxSamples: ms(500),
  edgeRms: 0.001,
  maxEdgeSamples: ms(6),
  blockSamples: ms(1),
  minContextRms: 10 ** (-50 / 20),
  contextSamples: ms(15),
  edgeSamples: ms(3),
  maxEdgeDropRatio: 10 ** (-12 / 20),
  referenceNearSamples: ms(20),
  referenceFarSamples: ms(40),
};

/** 2 s of a 440 Hz tone at about -20 dBFS, shaped by `gain(seconds)`. */
function signal(gain: (seconds: number) => number): Float32Array {
  const samples = new Float32Array(2 * sampleRate);
  for (let i = 0; i < samples.length; i++) {
    samples[i] = gain(i / sampleRate) * 0.1 * Math.sin((2 * Math.PI * 440 * i) / sampleRate + 0.3);
  }
  return samples;
}

/** Feeds `samples` in pieces of `pieceSamples` and returns every run judged. */
function scan(samples: Float32Array, pieceSamples: number, missing = false): JudgedRun[] {
  const scanner = new DeadRunScanner(rules, () => missing);
  const judged: JudgedRun[] = [];
  for (let at = 0; at < samples.length; at += pieceSamples) {
    scanner.push(samples.subarray(at, at + pieceSamples), judged);
  }
  return judged;
}

const cut = (from: number, to: number) => (seconds: number) => (seconds >= from && seconds < to ? 0 : 1);

describe('DeadRunScanner', () => {
  it('judges a cut the same whether the samples come in one piece or in small pieces', () => {
    const samples = signal(cut(0.7, 0.8));
    const whole = scan(samples, samples.length);
    assert.deepEqual(
      whole.map((run) => [run.startIndex, run.endIndex, run.rejected]),
      [[ms(700), ms(800), null]],
    );
    for (const piece of [37, 160, 1000]) assert.deepEqual(scan(samples, piece), whole, `pieces of ${piece}`);
  });

  it('says why a run is not a dropout', () => {
    // The run at the cut (a fade also leaves short quiet runs at zero crossings before it).
    const reasons = (gain: (seconds: number) => number, missing = false) =>
      scan(signal(gain), 500, missing)
        .filter((run) => run.startIndex <= ms(750) && run.endIndex > ms(750))
        .map((run) => run.rejected);
    const fadeOut = (seconds: number) =>
      seconds < 0.7 ? Math.min(1, (0.7 - seconds) / 0.05) : cut(0.7, 0.8)(seconds);
    assert.deepEqual(reasons(fadeOut), ['fade-before']);
    const fadeIn = (seconds: number) =>
      seconds < 0.8 ? cut(0.7, 0.8)(seconds) : Math.min(1, (seconds - 0.8) / 0.05);
    assert.deepEqual(reasons(fadeIn), ['fade-after']);
    // Missing samples are a cut whatever the audio does next to them.
    assert.deepEqual(reasons(fadeIn, true), [null]);
    assert.deepEqual(
      reasons((seconds) => (seconds < 0.7 ? 0.001 : cut(0.7, 0.8)(seconds))),
      ['quiet-before'],
    );
  });

  it('skips silences longer than the maximum, even across pieces', () => {
    assert.deepEqual(scan(signal(cut(0.5, 1.2)), 400), []);
  });
});
