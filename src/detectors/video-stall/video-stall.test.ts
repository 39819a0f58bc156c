import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { MediaChunk, VideoFrame } from '../../media/chunk.js';
import { fixturePath } from '../../synth/fixtures.js';
import {
  analyzeFile,
  assertFound,
  realMediaDirectory,
  realMediaSkipReason,
} from '../../test-support/analyze.js';
import type { EventTransition } from '../contract.js';
import { videoStallDetector } from './video-stall.js';

const frameSeconds = 0.04;

function frame(timeSeconds: number, durationSeconds = frameSeconds): VideoFrame {
  return {
    timeSeconds,
    durationSeconds,
    width: 8,
    height: 8,
    luma: new Uint8Array(64).fill(100),
    lumaStride: 8,
    blackLevel: 16,
    whiteLevel: 235,
    chroma: null,
    keyFrame: false,
    corrupt: false,
  };
}

/** One-second chunks of 25 fps video, without the frames for which `shown` is false; audio throughout. */
function chunks(
  seconds: number,
  shown: (timeSeconds: number) => boolean,
  lastFrameSeconds?: number,
): MediaChunk[] {
  return Array.from({ length: seconds }, (_, index) => {
    const times = Array.from({ length: 25 }, (_, i) => Math.round((index + i * frameSeconds) * 1000) / 1000);
    const video = times.filter(shown).map((time) => {
      const next = times.find((t) => t > time && shown(t));
      return frame(
        time,
        lastFrameSeconds !== undefined && next === undefined ? lastFrameSeconds : frameSeconds,
      );
    });
    return {
      index,
      startSeconds: index,
      endSeconds: index + 1,
      video,
      audio: { startSeconds: index, sampleRate: 1000, samples: [new Float32Array(1000)], gaps: [] },
      hasVideoStream: true,
      hasAudioStream: true,
      decodeErrorCount: 0,
      discontinuityCount: 0,
    };
  });
}

interface Run {
  /** Every transition with the index of the chunk whose analysis produced it (-1: finish). */
  readonly transitions: readonly (EventTransition & { readonly chunkIndex: number })[];
  readonly summary: Readonly<Record<string, unknown>> | undefined;
}

function run(input: readonly MediaChunk[], config: Record<string, unknown> = {}): Run {
  const instance = videoStallDetector.create(videoStallDetector.configSchema.parse(config));
  const transitions: (EventTransition & { chunkIndex: number })[] = [];
  for (const chunk of input) {
    for (const t of instance.analyze(chunk).transitions) transitions.push({ ...t, chunkIndex: chunk.index });
  }
  const finished = instance.finish(input.at(-1)?.endSeconds ?? 0);
  for (const t of finished.transitions) transitions.push({ ...t, chunkIndex: -1 });
  return { transitions, summary: finished.summary };
}

const opens = (r: Run) => r.transitions.filter((t) => t.kind === 'open');
const closes = (r: Run) => r.transitions.filter((t) => t.kind === 'close');

describe('video-stall', () => {
  it('reports a 2 s gap in the video from the end of the last frame to the next frame', () => {
    const result = run(chunks(10, (t) => t < 4 || t >= 6));
    assert.equal(opens(result).length, 1);
    const [open] = opens(result);
    const [close] = closes(result);
    assert.ok(open?.kind === 'open' && close?.kind === 'close');
    assert.equal(open.startSeconds, 4);
    assert.equal(close.endSeconds, 6);
    // Live: the event opens while the stall goes on (chunk 5, once more than 1 s has no frames), not after it.
    assert.equal(open.chunkIndex, 5);
    assert.equal(close.chunkIndex, 6);
    assert.deepEqual(close.details, { gapSeconds: 2 });
  });

  it('does not trust a last frame whose duration covers the gap (MP4 stores durations as timestamp steps)', () => {
    const result = run(chunks(10, (t) => t < 4 || t >= 6, 2.04));
    const [open] = opens(result);
    assert.ok(open?.kind === 'open');
    assert.equal(open.startSeconds, 4);
  });

  it('ignores gaps up to the minimum, and the minimum is configurable', () => {
    const shortGap = chunks(6, (t) => t < 2 || t >= 2.8);
    assert.deepEqual(run(shortGap).transitions, []);
    const stricter = run(shortGap, { minGapSeconds: 0.5 });
    assert.deepEqual(
      stricter.transitions.map((t) => (t.kind === 'open' ? t.startSeconds : t.endSeconds)),
      [2, 2.8],
    );
  });

  it('a stall that lasts to the end of the input ends there', () => {
    const result = run(chunks(10, (t) => t < 7));
    const [open] = opens(result);
    const [close] = closes(result);
    assert.ok(open?.kind === 'open' && close?.kind === 'close');
    assert.equal(open.startSeconds, 7);
    assert.equal(close.endSeconds, 10);
    assert.deepEqual(result.summary, { stalls: 1, longestStallSeconds: 3 });
  });

  it('an input without video raises nothing', () => {
    const audioOnly = chunks(5, () => false).map((c) => ({ ...c, hasVideoStream: false }));
    assert.deepEqual(run(audioOnly).transitions, []);
  });

  it('fixture video-stall.mp4: stall 4-6 s found; neither freeze nor black is raised', async () => {
    const report = await analyzeFile(await fixturePath('video-stall.mp4'), [
      'video-stall',
      'freeze',
      'black',
    ]);
    const found = assertFound(
      report.events,
      { detector: 'video-stall', startSeconds: 4, endSeconds: 6 },
      0.05,
    );
    assert.equal(report.events.length, 1, JSON.stringify(report.events));
    assert.ok(Math.abs(Number(found.details.gapSeconds) - 2) < 0.05);
  });

  const directory = realMediaDirectory();
  it('real clips with video raise no stall', { skip: directory ? false : realMediaSkipReason }, async () => {
    const clips = ['kphotoalbum-talkinghead.avi', 'chid-5.1-spoken.mp4', 'boswars-intro.ogv', 'diver.mov'];
    for (const clip of [...clips, 'cockatoo.mp4', 'cityCC0.mpg', 'opencv-tree.avi', 'bbb-1080p-30s.mp4']) {
      const report = await analyzeFile(join(directory ?? '', clip), ['video-stall']);
      assert.deepEqual(report.events, [], clip);
    }
  });
});
