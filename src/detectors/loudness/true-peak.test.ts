/** True peak: inter-sample peaks, accuracy of the interpolator, the quiet-slot skip, and events. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EventClose, EventOpen } from '../contract.js';
import { truePeakDetector } from './true-peak.js';
import { designInterpolator, TruePeakMeter } from './true-peak-meter.js';
import { audioChunks, runDetector, sine } from './test-signals.js';

function summaryPeak(channels: readonly Float32Array[], sampleRateHz: number): number {
  const run = runDetector(truePeakDetector, {}, audioChunks(channels, sampleRateHz));
  const peak = run.finished.summary?.maxTruePeakDbtp;
  assert.equal(typeof peak, 'number');
  return peak as number;
}

function samplePeakDbfs(samples: Float32Array): number {
  return 20 * Math.log10(samples.reduce((peak, value) => Math.max(peak, Math.abs(value)), 0));
}

describe('true-peak meter', () => {
  it('finds the 0 dBTP peak of a full-scale fs/4 sine sampled 45 degrees off its crests', () => {
    for (const sampleRateHz of [48000, 44100]) {
      const signal = sine({
        frequencyHz: sampleRateHz / 4,
        levelDbfs: 0,
        seconds: 3,
        sampleRateHz,
        phaseRadians: Math.PI / 4,
      });
      assert.ok(Math.abs(samplePeakDbfs(signal) + 3.01) < 0.05, `sample peak ${samplePeakDbfs(signal)}`);
      const peak = summaryPeak([signal, signal], sampleRateHz);
      assert.ok(Math.abs(peak) <= 0.3, `true peak ${peak} dBTP at ${sampleRateHz} Hz`);
    }
  });

  it('reads a -6 dBFS 997 Hz sine as -6.0 dBTP', () => {
    const signal = sine({ frequencyHz: 997, levelDbfs: -6, seconds: 3, sampleRateHz: 48000 });
    const peak = summaryPeak([signal], 48000);
    assert.ok(Math.abs(peak + 6) <= 0.2, `true peak ${peak}`);
  });

  it('reconstructs sines up to 20 kHz at 48 kHz within 0.05 dB of the 4x grid', () => {
    const design = designInterpolator(24);
    const half = design.tapsPerPhase / 2;
    for (const frequencyHz of [1000, 5000, 12000, 17000, 20000]) {
      for (let step = 0; step < 8; step++) {
        const phase = (step / 8) * Math.PI;
        const x = (t: number) => Math.sin((2 * Math.PI * frequencyHz * t) / 48000 + phase);
        design.phases.forEach((coefficients, index) => {
          let y = 0;
          coefficients.forEach((c, j) => (y += c * x(100 - half + 1 + j)));
          const ideal = x(100 + (index + 1) / 4);
          assert.ok(Math.abs(y - ideal) < 0.006, `${frequencyHz} Hz phase ${index + 1}: ${y} vs ${ideal}`);
        });
      }
    }
  });

  it('skipping quiet stretches changes no chunk peak and no over', () => {
    // Loud 1 kHz bursts; between them a quiet bed, and a stretch whose samples stay under the limit while
    // its inter-sample peaks (fs/4 sampled 45 degrees off its crests) go over it.
    const sampleRateHz = 48000;
    const length = sampleRateHz * 4;
    const limit = 0.5;
    const signal = new Float32Array(length);
    for (let i = 0; i < length; i++) {
      const part = Math.floor(i / 2000) % 4;
      if (part === 0) signal[i] = 0.99 * Math.sin((2 * Math.PI * 1000 * i) / sampleRateHz);
      else if (part === 2) signal[i] = 0.6 * Math.sin((Math.PI / 2) * i + Math.PI / 4);
      else signal[i] = 0.02 * (Math.sin(i * 1.9) * 0.6 + Math.sin(i * 2.7) * 0.4);
    }
    const measure = (skipQuiet: boolean): { chunkPeaks: number[]; overs: number[] } => {
      const meter = new TruePeakMeter({
        channelCount: 1,
        slotSamples: 480,
        design: designInterpolator(24),
        skipQuiet,
      });
      const chunkPeaks: number[] = [];
      const overs: number[] = [];
      for (let start = 0; start < length; start += 7001) {
        meter.process([signal.subarray(start, Math.min(length, start + 7001))], limit);
        let peak = 0;
        for (let slot = 0; slot < meter.slotCount; slot++) {
          const slotPeak = meter.slotPeak(0, slot);
          peak = Math.max(peak, slotPeak);
          if (slotPeak > limit) overs.push(slotPeak);
        }
        chunkPeaks.push(peak);
      }
      return { chunkPeaks, overs };
    };
    const skipped = measure(true);
    assert.ok(
      skipped.overs.some((peak) => peak > 0.55 && peak < 0.65),
      'the inter-sample overs are found',
    );
    assert.deepEqual(skipped, measure(false));
  });
});

describe('true-peak detector', () => {
  const sampleRateHz = 48000;
  /** Stereo 997 Hz at -20 dBFS; the right channel swells smoothly to 0 dBFS for 50 ms at the given seconds. */
  function withBursts(burstSeconds: readonly number[], seconds = 10): Float32Array[] {
    const quiet = sine({ frequencyHz: 997, levelDbfs: -20, seconds, sampleRateHz });
    const right = quiet.slice();
    const rampSeconds = 0.005;
    for (const at of burstSeconds) {
      for (
        let i = Math.round((at - rampSeconds) * sampleRateHz);
        i < (at + 0.05 + rampSeconds) * sampleRateHz;
        i++
      ) {
        const t = i / sampleRateHz;
        const edge = Math.min(
          1,
          (t - at + rampSeconds) / rampSeconds,
          (at + 0.05 + rampSeconds - t) / rampSeconds,
        );
        right[i] = (quiet[i] ?? 0) * (1 + 9 * Math.max(0, Math.min(1, edge)));
      }
    }
    return [quiet, right];
  }

  it('has per-profile limits and an override', () => {
    assert.equal(truePeakDetector.configSchema.parse({}).profile, 'ebu-r128');
    const run = runDetector(
      truePeakDetector,
      { profile: 'atsc-a85' },
      audioChunks(withBursts([]), sampleRateHz),
    );
    assert.equal(run.finished.summary?.limitDbtp, -2);
    const override = runDetector(
      truePeakDetector,
      { maxDbtp: -25 },
      audioChunks(withBursts([]), sampleRateHz),
    );
    assert.equal(opens(override.transitions).length, 1);
  });

  it('reports true peak per channel and chunk', () => {
    const run = runDetector(truePeakDetector, {}, audioChunks(withBursts([2.5]), sampleRateHz));
    assert.deepEqual(run.results[0]?.measurements, { truePeakDbtp: [-20, -20] });
    assert.deepEqual(run.results[2]?.measurements, { truePeakDbtp: [-20, 0] });
    assert.equal(run.finished.summary?.maxTruePeakDbtp, 0);
  });

  it('raises one event for overs less than 1 s apart, with the channels and the peak', () => {
    const run = runDetector(truePeakDetector, {}, audioChunks(withBursts([2.5, 3.2]), sampleRateHz));
    const events = opens(run.transitions);
    assert.equal(events.length, 1, JSON.stringify(run.transitions));
    assert.ok(Math.abs((events[0]?.startSeconds ?? 0) - 2.5) < 0.011, `start ${events[0]?.startSeconds}`);
    const close = run.transitions.find((t): t is EventClose => t.kind === 'close');
    assert.ok(close && Math.abs(close.endSeconds - 3.25) < 0.011, `end ${close?.endSeconds}`);
    assert.deepEqual(close.details, { profile: 'ebu-r128', limitDbtp: -1, maxDbtp: 0, channels: [1] });
  });

  it('raises separate events for overs 3 s apart, and none for a clean signal', () => {
    assert.equal(
      opens(runDetector(truePeakDetector, {}, audioChunks(withBursts([1.5, 4.5]), sampleRateHz)).transitions)
        .length,
      2,
    );
    assert.deepEqual(
      runDetector(truePeakDetector, {}, audioChunks(withBursts([]), sampleRateHz)).transitions,
      [],
    );
  });

  it('finds an over straddling a chunk boundary', () => {
    const run = runDetector(truePeakDetector, {}, audioChunks(withBursts([2.98]), sampleRateHz));
    assert.equal(opens(run.transitions).length, 1);
  });
});

function opens(transitions: readonly { kind: string }[]): EventOpen[] {
  return transitions.filter((t): t is EventOpen => t.kind === 'open');
}
