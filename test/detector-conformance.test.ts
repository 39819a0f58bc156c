/**
 * One suite over every registered detector: defaults parse, odd and empty chunks are handled, results are
 * deterministic, finish() closes everything, and one chunk of 1080p costs little.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MediaChunk, VideoFrame } from '../src/media/chunk.js';
import { detectors } from '../src/detectors/registry.js';
import type { EventTransition } from '../src/detectors/contract.js';
import { testChunk } from '../src/test-support/chunks.js';

function frame(timeSeconds: number, width: number, height: number, luma: number): VideoFrame {
  return {
    timeSeconds,
    durationSeconds: 0.04,
    width,
    height,
    luma: new Uint8Array(width * height).fill(luma),
    lumaStride: width,
    blackLevel: 16,
    whiteLevel: 235,
    chroma: null,
    keyFrame: false,
    corrupt: false,
  };
}

const chunk = testChunk;

function noisyChunk(index: number): MediaChunk {
  const frames = Array.from({ length: 25 }, (_, i) =>
    frame(index + i * 0.04, 64, 48, 16 + ((index * 25 + i) % 200)),
  );
  const samples = new Float32Array(48_000).map((_, i) => 0.3 * Math.sin(i * 0.05 + index));
  return chunk(index, {
    video: frames,
    audio: { startSeconds: index, sampleRate: 48_000, samples: [samples, samples], gaps: [] },
  });
}

const oddChunks: MediaChunk[] = [
  chunk(0, {}),
  chunk(1, { video: [frame(1, 1, 1, 0)] }),
  chunk(2, { audio: { startSeconds: 2, sampleRate: 8000, samples: [new Float32Array(0)], gaps: [] } }),
  chunk(3, { audio: { startSeconds: 3, sampleRate: 48_000, samples: [], gaps: [] } }),
  chunk(4, { hasAudioStream: false, hasVideoStream: false }),
  chunk(5, {
    video: [frame(5, 7, 3, 255)],
    audio: { startSeconds: 5, sampleRate: 44_100, samples: [new Float32Array(10).fill(1)], gaps: [] },
  }),
];

describe('detector conformance', () => {
  for (const detector of detectors) {
    describe(detector.id, () => {
      it('has an id, a version and defaults that parse', () => {
        assert.match(detector.id, /^[a-z][a-z0-9-]*$/);
        assert.match(detector.version, /^\d+\.\d+\.\d+$/);
        assert.doesNotThrow(() => detector.configSchema.parse({}));
      });

      it('handles empty and odd chunks without throwing, and finish() closes every event it opened', () => {
        const instance = detector.create(detector.configSchema.parse({}));
        const transitions: EventTransition[] = [];
        for (const odd of oddChunks) transitions.push(...instance.analyze(odd).transitions);
        transitions.push(...instance.finish(6).transitions);
        const opened = transitions.filter((t) => t.kind === 'open').map((t) => t.key);
        const closed = transitions.filter((t) => t.kind === 'close').map((t) => t.key);
        assert.deepEqual([...closed].sort(), [...opened].sort());
      });

      it('is deterministic: the same chunks give the same results', () => {
        const runOnce = () => {
          const instance = detector.create(detector.configSchema.parse({}));
          const results = [0, 1, 2, 3].map((i) => instance.analyze(noisyChunk(i)));
          return JSON.stringify([results, instance.finish(4)]);
        };
        assert.equal(runOnce(), runOnce());
      });
    });
  }
});
