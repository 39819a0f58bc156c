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

/** Opens an event in every even second and closes it in the next: one event every 2 s, forever. */
const flapping = defineDetector({
  id: 'flapping',
  version: '0.0.1',
  description: 'an event every other second',
  needs: { video: false, audio: true },
  configSchema: z.object({}),
  create: () => ({
    analyze: (chunk: MediaChunk) => ({
      measurements: {},
      transitions:
        chunk.index % 2 === 0
          ? [
              {
                kind: 'open' as const,
                key: `flap#${chunk.index}`,
                startSeconds: chunk.startSeconds,
                severity: 'warning' as const,
                details: {},
              },
            ]
          : [{ kind: 'close' as const, key: `flap#${chunk.index - 1}`, endSeconds: chunk.startSeconds }],
    }),
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

  it('keeps every event for the report by default', () => {
    const pipeline = new DetectorPipeline([{ detector: flapping, config: {} }]);
    for (let i = 0; i < 3600; i++) pipeline.analyze(testChunk(i));
    pipeline.finish(3600);
    const events = pipeline.events();
    assert.equal(events.length, 1800);
    assert.deepEqual(
      events.slice(-1).map((e) => [e.startSeconds, e.endSeconds]),
      [[3598, 3599]],
    );
  });

  it('keeps no event when live (collectEvents false): 12 hours of seconds pass through onTransition only', () => {
    const seconds = 12 * 3600;
    let opens = 0;
    let closes = 0;
    const pipeline = new DetectorPipeline([{ detector: flapping, config: {} }], {
      collectEvents: false,
      onTransition: (_detector, transition) => {
        if (transition.kind === 'open') opens += 1;
        else closes += 1;
      },
    });
    for (let i = 0; i < seconds; i++) pipeline.analyze(testChunk(i));
    assert.equal(opens, seconds / 2);
    assert.equal(closes, seconds / 2);
    assert.deepEqual(pipeline.events(), []);
    pipeline.finish(seconds);
    assert.deepEqual(pipeline.events(), []);
  });
});
