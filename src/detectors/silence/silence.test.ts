import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MediaChunk } from '../../media/chunk.js';
import { testChunk } from '../../test-support/chunks.js';
import type { EventTransition } from '../contract.js';
import { silenceDetector } from './silence.js';

function chunkOf(index: number, channels: Float32Array[], sampleRate: number): MediaChunk {
  return testChunk(index, {
    hasVideoStream: false,
    audio: { startSeconds: index, sampleRate, samples: channels, gaps: [] },
  });
}

function run(seconds: number, channelCount: number, sample: (i: number) => number): EventTransition[] {
  const sampleRate = 48_000;
  const instance = silenceDetector.create(silenceDetector.configSchema.parse({}));
  const out: EventTransition[] = [];
  for (let s = 0; s < seconds; s++) {
    const channels = Array.from({ length: channelCount }, () =>
      Float32Array.from({ length: sampleRate }, (_, i) => sample(s * sampleRate + i)),
    );
    out.push(...instance.analyze(chunkOf(s, channels, sampleRate)).transitions);
  }
  out.push(...instance.finish(seconds).transitions);
  return out;
}

describe('silence', () => {
  it('reports 4 s of mono digital silence as one critical event on channel 0', () => {
    const out = run(4, 1, () => 0);
    const opens = out.filter((t) => t.kind === 'open');
    assert.equal(opens.length, 1);
    assert.equal(opens[0]?.kind === 'open' ? opens[0].channel : undefined, 0);
    assert.equal(opens[0]?.kind === 'open' ? opens[0].severity : undefined, 'critical');
  });

  it('does not call a steady 1 kHz tone silent, although it has exact-zero samples every 24 samples', () => {
    const out = run(4, 2, (i) => 0.126 * Math.sin((2 * Math.PI * 1000 * i) / 48_000));
    assert.deepEqual(out, []);
  });
});
