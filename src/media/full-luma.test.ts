import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configureDetectors } from '../config/detector-config.js';
import { decodeNeeds } from '../pipeline/detector-pipeline.js';
import { fixturePath } from '../synth/fixtures.js';
import { fixtureFps } from '../synth/fixture-parts.js';
import type { VideoFrame } from './chunk.js';
import { decodeInput, emptyDecodeStats } from './decode-input.js';
import { lumaSample, sampleLumaPlane } from './features/luma-sample.js';
import { openInput } from './open-input.js';

async function decodeFrames(fullLumaPerSecond: number): Promise<VideoFrame[]> {
  const opened = await openInput(await fixturePath('clean.mp4'), {
    connectTimeoutMs: 5000,
    wantVideo: true,
    wantAudio: false,
    decoderThreads: 1,
  });
  const frames: VideoFrame[] = [];
  try {
    for await (const ready of decodeInput(opened, emptyDecodeStats(), { fullLumaPerSecond, maxSeconds: 3 })) {
      for (const frame of ready.chunk.video) {
        // Keep what outlives the chunk: the sample, and a copy of the plane where there is one.
        frames.push({
          ...frame,
          luma: frame.luma && new Uint8Array(frame.luma),
          lumaSample: lumaSample(frame),
        });
      }
      ready.release();
    }
  } finally {
    opened.close();
  }
  return frames;
}

describe('full-resolution luma only where a detector reads it', () => {
  it('asks for the blockiness sampling rate with the default detectors, and for none without blockiness', () => {
    assert.equal(decodeNeeds(configureDetectors(undefined, {})).fullLumaPerSecond, 10);
    assert.equal(decodeNeeds(configureDetectors(['black', 'freeze', 'silence'], {})).fullLumaPerSecond, 0);
    const configured = configureDetectors(['blockiness'], { blockiness: { framesPerSecond: 5 } });
    assert.equal(decodeNeeds(configured).fullLumaPerSecond, 5);
  });

  it('keeps the plane for about the asked rate and gives every picture the same sample as the full plane', async () => {
    const all = await decodeFrames(Infinity);
    const sampled = await decodeFrames(10);
    assert.equal(sampled.length, all.length);
    assert.ok(all.every((frame) => frame.luma !== null));
    const kept = sampled.filter((frame) => frame.luma !== null).length;
    const seconds = all.length / fixtureFps;
    assert.ok(Math.abs(kept - 10 * seconds) <= 2, `kept ${kept} planes in ${seconds.toFixed(1)} s`);
    for (const [i, frame] of sampled.entries()) {
      const reference = all[i] as VideoFrame;
      assert.equal(frame.timeSeconds, reference.timeSeconds);
      const fromPlane = sampleLumaPlane(
        reference.luma as Uint8Array,
        reference.lumaStride,
        reference.width,
        reference.height,
      );
      assert.deepEqual(frame.lumaSample?.values, fromPlane.values, `sample of picture ${i}`);
    }
  });
});
