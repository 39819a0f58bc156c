import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { defineDetector } from '../detectors/contract.js';
import { silenceDetector } from '../detectors/silence/silence.js';
import type { MediaChunk } from '../media/chunk.js';
import { testChunk } from '../test-support/chunks.js';
import { DetectorPipeline } from './detector-pipeline.js';

const failing = defineDetector({
  id: 'always-throws',
  version: '0.0.1',
  description: 'a detector with a bug',
  needs: { video: false, audio: true },
  configSchema: z.object({}),
  create: () => ({
    analyze: () => {
      throw new Error('bug in detector');
    },
    finish: () => ({ transitions: [] }),
  }),
});

function silentChunk(index: number): MediaChunk {
  return testChunk(index, {
    hasVideoStream: false,
    audio: { startSeconds: index, sampleRate: 8000, samples: [new Float32Array(8000)], gaps: [] },
  });
}

describe('DetectorPipeline', () => {
  it('isolates a detector that throws: a detector-failed record, and the others go on', () => {
    const pipeline = new DetectorPipeline([
      { detector: failing, config: {} },
      { detector: silenceDetector, config: silenceDetector.configSchema.parse({}) },
    ]);
    for (let i = 0; i < 4; i++) pipeline.analyze(silentChunk(i));
    pipeline.finish(4);
    assert.deepEqual(pipeline.detectorFailures(), [
      { detector: 'always-throws', chunkIndex: 0, message: 'bug in detector', count: 4 },
    ]);
    const events = pipeline.events();
    assert.equal(events.length, 1);
    assert.equal(events[0]?.detector, 'silence');
    assert.equal(events[0]?.endSeconds, 4);
  });
});
