/** The loudness detector on generated chunks: readings, summary, and too-loud / too-quiet events. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EventOpen } from '../contract.js';
import { loudnessDetector } from './loudness.js';
import { audioChunks, runDetector, toneSequence } from './test-signals.js';

function stereoChunks(segments: readonly (readonly [number, number])[], sampleRateHz = 48000) {
  const signal = toneSequence(segments, sampleRateHz);
  return audioChunks([signal, signal], sampleRateHz);
}

function opens(transitions: readonly { kind: string }[]): EventOpen[] {
  return transitions.filter((t): t is EventOpen => t.kind === 'open');
}

describe('loudness detector', () => {
  it('has EBU R128 defaults', () => {
    const config = loudnessDetector.configSchema.parse({});
    assert.equal(config.profile, 'ebu-r128');
    assert.equal(config.measure, 'short-term');
    assert.equal(config.minDurationSeconds, 10);
  });

  it('reports momentary, short-term and integrated loudness per chunk, and the summary', () => {
    const run = runDetector(loudnessDetector, {}, stereoChunks([[-23, 20]]));
    assert.deepEqual(run.results[0]?.measurements, {
      momentaryLufs: -23,
      momentaryMaxLufs: -23,
      shortTermLufs: null, // the 3 s window is not full yet
      integratedLufs: -23,
      targetLufs: -23,
      toleranceLu: 1,
    });
    assert.deepEqual(run.results[19]?.measurements, {
      momentaryLufs: -23,
      momentaryMaxLufs: -23,
      shortTermLufs: -23,
      integratedLufs: -23,
      targetLufs: -23,
      toleranceLu: 1,
    });
    assert.deepEqual(run.finished.summary, {
      profile: 'ebu-r128',
      targetLufs: -23,
      integratedLufs: -23,
      loudnessRangeLu: 0,
      maxMomentaryLufs: -23,
      maxShortTermLufs: -23,
    });
    assert.deepEqual(run.transitions, []);
  });

  it('summarises EBU Tech 3341 case 5 at -23.0 LUFS', () => {
    const run = runDetector(
      loudnessDetector,
      {},
      stereoChunks([
        [-26, 20],
        [-20, 20.1],
        [-26, 20],
      ]),
    );
    assert.equal(run.finished.summary?.integratedLufs, -23);
  });

  it('raises too-loud for a tone at -11 LUFS for 30 s', () => {
    const run = runDetector(loudnessDetector, {}, stereoChunks([[-11, 30]]));
    const events = opens(run.transitions);
    assert.equal(events.length, 1, JSON.stringify(run.transitions));
    const event = events[0];
    assert.equal(event?.details.direction, 'too-loud');
    assert.equal(event?.details.profile, 'ebu-r128');
    assert.equal(event?.details.targetLufs, -23);
    assert.equal(event?.details.meanLufs, -11);
    // Short-term readings start once 3 s are in; the event opens 10 s later and runs to the end.
    assert.ok(Math.abs((event?.startSeconds ?? 0) - 2.9) < 0.01, `start ${event?.startSeconds}`);
    const close = run.transitions.find((t) => t.kind === 'close');
    assert.ok(close?.kind === 'close' && Math.abs(close.endSeconds - 30) < 0.01, JSON.stringify(close));
  });

  it('raises nothing for a tone at the -23 LUFS target', () => {
    assert.deepEqual(runDetector(loudnessDetector, {}, stereoChunks([[-23, 30]])).transitions, []);
  });

  it('raises too-quiet at -40 LUFS, but not during digital silence', () => {
    const quiet = opens(runDetector(loudnessDetector, {}, stereoChunks([[-40, 30]])).transitions);
    assert.deepEqual(
      quiet.map((event) => event.details.direction),
      ['too-quiet'],
    );
    const silence = audioChunks([new Float32Array(48000 * 30), new Float32Array(48000 * 30)], 48000);
    assert.deepEqual(runDetector(loudnessDetector, {}, silence).transitions, []);
  });

  it('waits minDurationSeconds: 6 s too loud is not an event, 12 s is', () => {
    // The 3 s short-term window stretches a loud stretch by up to 3 s: 6 s reads loud for under 9 s.
    const short = runDetector(
      loudnessDetector,
      {},
      stereoChunks([
        [-23, 20],
        [-15, 6],
        [-23, 20],
      ]),
    );
    assert.deepEqual(opens(short.transitions), []);
    const long = runDetector(
      loudnessDetector,
      {},
      stereoChunks([
        [-23, 20],
        [-15, 12],
        [-23, 20],
      ]),
    );
    assert.equal(opens(long.transitions).length, 1);
  });

  it('uses the ATSC A/85 target and tolerance (-24 +- 2)', () => {
    const within = runDetector(loudnessDetector, { profile: 'atsc-a85' }, stereoChunks([[-25.5, 30]]));
    assert.deepEqual(within.transitions, []);
    const ebu = runDetector(loudnessDetector, {}, stereoChunks([[-25.5, 30]]));
    assert.equal(opens(ebu.transitions)[0]?.details.direction, 'too-quiet');
    const loud = runDetector(loudnessDetector, { profile: 'atsc-a85' }, stereoChunks([[-21, 30]]));
    assert.equal(opens(loud.transitions)[0]?.details.targetLufs, -24);
  });

  it('rejects an unknown profile', () => {
    assert.equal(loudnessDetector.configSchema.safeParse({ profile: 'bbc' }).success, false);
  });

  it('ignores chunks without audio', () => {
    const [chunk] = stereoChunks([[-23, 1]]);
    assert.ok(chunk);
    const instance = loudnessDetector.create(loudnessDetector.configSchema.parse({}));
    assert.deepEqual(instance.analyze({ ...chunk, audio: null }), { measurements: {}, transitions: [] });
  });
});
