import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChunkTiming, MediaChunk } from '../../media/chunk.js';
import { testChunk } from '../../test-support/chunks.js';
import type { EventTransition } from '../contract.js';
import { avTimingDetector } from './av-timing.js';

function chunk(index: number, timing: Partial<ChunkTiming>): MediaChunk {
  return testChunk(index, {
    timing: { videoDiscontinuities: 0, audioDiscontinuities: 0, audioCorrectionsMs: [], ...timing },
  });
}

function run(timings: Partial<ChunkTiming>[]): EventTransition[] {
  const instance = avTimingDetector.create(avTimingDetector.configSchema.parse({}));
  const out = timings.flatMap((timing, index) => instance.analyze(chunk(index, timing)).transitions);
  return [...out, ...instance.finish(timings.length).transitions];
}

const opens = (transitions: EventTransition[]) =>
  transitions.flatMap((t) => (t.kind === 'open' ? [`${String(t.details.check)}@${t.startSeconds}`] : []));

describe('av-timing', () => {
  it('one track jumping alone is an event; both jumping within 2 s is a splice', () => {
    assert.deepEqual(opens(run([{}, { videoDiscontinuities: 1 }, {}, {}, {}])), ['track-jump@1']);
    assert.deepEqual(opens(run([{}, { videoDiscontinuities: 1 }, { audioDiscontinuities: 1 }, {}, {}])), []);
  });

  it('a series of same-signed audio corrections is drift; one correction is lost audio', () => {
    const drift = run([
      { audioCorrectionsMs: [21] },
      {},
      { audioCorrectionsMs: [21] },
      {},
      { audioCorrectionsMs: [21] },
      {},
    ]);
    assert.deepEqual(opens(drift), ['audio-drift@0']);
    assert.deepEqual(opens(run([{ audioCorrectionsMs: [43] }, {}, {}, {}])), []);
    assert.deepEqual(
      opens(run([{ audioCorrectionsMs: [21] }, { audioCorrectionsMs: [-21] }, { audioCorrectionsMs: [21] }])),
      [],
    );
  });

  it('one very large audio correction is the audio track jumping alone', () => {
    assert.deepEqual(opens(run([{}, {}, { audioCorrectionsMs: [2000] }, {}])), ['track-jump@2']);
  });
});
