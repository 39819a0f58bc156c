/**
 * Fuzzing of timestamp handling as the decode loop does it: random raw timestamps (missing, wrapping,
 * jumping, huge, negative) and durations per stream go through a `StreamClock` each and into the `Chunker`.
 * Whatever the timestamps: no throw, no NaN, chunks come out in order with every frame and sample inside its
 * own second, every picture is released exactly once, and the number of chunks stays bounded by the media
 * time the clock may add per frame.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AV_NOPTS_VALUE } from 'node-av/constants';
import { fuzz, fuzzTimeoutMs } from '../test-support/fuzz-runs.js';
import type { MediaChunk, VideoFrame } from './chunk.js';
import { Chunker, type ReadyChunk } from './chunker.js';
import { StreamClock, type TimeBase } from './stream-clock.js';

// The decode loop's settings (decode-input.ts).
const discontinuityThresholdSeconds = 10;
const maxBackwardSeconds = 1;

interface Item {
  readonly kind: 'video' | 'audio';
  /** Raw timestamp in the stream's time base, or null for none (AV_NOPTS_VALUE). */
  readonly pts: bigint | null;
  /** Video: frame duration in time-base ticks (0: unknown, the nominal 40 ms). Audio: sample count. */
  readonly length: number;
}

interface Script {
  readonly videoTimeBase: TimeBase;
  readonly audioTimeBase: TimeBase;
  readonly wrapBits: number;
  readonly sampleRate: number;
  readonly channelCount: number;
  readonly expectVideo: boolean;
  readonly expectAudio: boolean;
  readonly items: readonly Item[];
}

/** Timestamps that walk (mostly forward, as real streams do) with jumps, wraps, gaps and garbage. */
const ptsSteps = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 4000 }).map(BigInt), weight: 8 },
  { arbitrary: fc.bigInt({ min: -(2n ** 34n), max: 2n ** 34n }), weight: 1 },
  { arbitrary: fc.constantFrom(2n ** 33n - 10n, -(2n ** 33n), 2n ** 62n, -(2n ** 62n), 0n), weight: 1 },
);

const scriptArbitrary: fc.Arbitrary<Script> = fc
  .record({
    videoTimeBase: fc.constantFrom(
      { num: 1, den: 90_000 },
      { num: 1, den: 25 },
      { num: 1001, den: 30_000 },
      { num: 1, den: 1000 },
    ),
    audioTimeBase: fc.constantFrom({ num: 1, den: 90_000 }, { num: 1, den: 48_000 }, { num: 1, den: 8000 }),
    wrapBits: fc.constantFrom(33, 64),
    sampleRate: fc.constantFrom(8000, 16_000, 48_000),
    channelCount: fc.integer({ min: 1, max: 3 }),
    expectVideo: fc.boolean(),
    expectAudio: fc.boolean(),
    startPts: fc.bigInt({ min: -(2n ** 33n), max: 2n ** 33n }),
    steps: fc.array(
      fc.record({
        kind: fc.constantFrom<'video' | 'audio'>('video', 'audio'),
        step: ptsSteps,
        missing: fc.integer({ min: 0, max: 4 }).map((value) => value === 0),
        length: fc.oneof(
          { arbitrary: fc.integer({ min: 0, max: 4000 }), weight: 6 },
          { arbitrary: fc.integer({ min: 0, max: 2 ** 40 }), weight: 1 },
        ),
      }),
      { maxLength: 120 },
    ),
  })
  .map((record) => {
    const next = { video: record.startPts, audio: record.startPts };
    const items = record.steps.map((step): Item => {
      next[step.kind] += step.step;
      return { kind: step.kind, pts: step.missing ? null : next[step.kind], length: step.length };
    });
    return { ...record, items };
  });

/** A sample count for the chunker: audio frames hold at most a few thousand samples. */
const samplesOf = (item: Item) => item.length % 5000;

function frameAt(timeSeconds: number, durationSeconds: number): VideoFrame {
  return {
    timeSeconds,
    durationSeconds,
    width: 2,
    height: 2,
    luma: new Uint8Array(4),
    lumaStride: 2,
    blackLevel: 16,
    whiteLevel: 235,
    chroma: null,
    keyFrame: false,
    corrupt: false,
  };
}

function run(script: Script): void {
  const clockOf = (timeBase: TimeBase) =>
    new StreamClock({
      timeBase,
      wrapBits: script.wrapBits,
      discontinuityThresholdSeconds,
      maxBackwardSeconds,
    });
  const clocks = { video: clockOf(script.videoTimeBase), audio: clockOf(script.audioTimeBase) };
  const chunker = new Chunker({
    expectVideo: script.expectVideo,
    expectAudio: script.expectAudio,
    hasVideoStream: script.expectVideo,
    hasAudioStream: script.expectAudio,
    maxStreamSkewSeconds: 3,
    audioJitterSeconds: 0.02,
  });
  const releases = new Map<number, number>();
  let pushedFrames = 0;
  let framesInChunks = 0;
  let nextIndex = 0;
  let mediaSecondsAdded = 0;
  const accept = (ready: readonly ReadyChunk[]) => {
    for (const { chunk, release } of ready) {
      assertChunk(chunk, nextIndex, script);
      nextIndex += 1;
      framesInChunks += chunk.video.length;
      release();
    }
  };
  for (const item of script.items) {
    if (item.kind === 'video' && !script.expectVideo) continue;
    if (item.kind === 'audio' && !script.expectAudio) continue;
    const pts = item.pts ?? AV_NOPTS_VALUE;
    if (item.kind === 'video') {
      const timeBase = script.videoTimeBase;
      const durationSeconds = item.length > 0 ? (item.length * timeBase.num) / timeBase.den : 0.04;
      const timeSeconds = clocks.video.toSeconds(pts, durationSeconds);
      assert.ok(Number.isFinite(timeSeconds), `video time ${timeSeconds}`);
      const id = pushedFrames++;
      chunker.pushVideo({
        frame: frameAt(timeSeconds, durationSeconds),
        release: () => releases.set(id, (releases.get(id) ?? 0) + 1),
      });
      mediaSecondsAdded += discontinuityThresholdSeconds + durationSeconds;
    } else {
      const samples = samplesOf(item);
      const durationSeconds = samples / script.sampleRate;
      const startSeconds = clocks.audio.toSeconds(pts, durationSeconds);
      assert.ok(Number.isFinite(startSeconds), `audio time ${startSeconds}`);
      const channels = Array.from({ length: script.channelCount }, () =>
        new Float32Array(samples).fill(0.25),
      );
      chunker.pushAudio(startSeconds, script.sampleRate, channels);
      mediaSecondsAdded += discontinuityThresholdSeconds + durationSeconds;
    }
    accept(chunker.takeReady());
    // However the timestamps jump, the clock adds at most the threshold plus the item's own duration.
    assert.ok(nextIndex <= mediaSecondsAdded + 4, `${nextIndex} chunks for ${mediaSecondsAdded} s`);
  }
  accept(chunker.flush());
  assert.ok(nextIndex <= mediaSecondsAdded + 4, `${nextIndex} chunks for ${mediaSecondsAdded} s`);
  assert.equal(framesInChunks + chunker.lateDropCount >= pushedFrames, true);
  assert.equal(releases.size, pushedFrames, 'a picture was never released');
  for (const [id, count] of releases) assert.equal(count, 1, `picture ${id} released ${count} times`);
}

function assertChunk(chunk: MediaChunk, expectedIndex: number, script: Script): void {
  assert.equal(chunk.index, expectedIndex, 'chunks out of order');
  assert.equal(chunk.startSeconds, chunk.index);
  assert.ok(Number.isFinite(chunk.endSeconds) && chunk.endSeconds >= chunk.startSeconds);
  assert.ok(chunk.endSeconds <= chunk.startSeconds + 1);
  let previous = -Infinity;
  for (const frame of chunk.video) {
    assert.ok(Number.isFinite(frame.timeSeconds) && Number.isFinite(frame.durationSeconds));
    assert.ok(frame.timeSeconds >= chunk.startSeconds - 1e-6 && frame.timeSeconds < chunk.startSeconds + 1);
    assert.ok(frame.timeSeconds >= previous, 'frames out of order');
    previous = frame.timeSeconds;
  }
  const audio = chunk.audio;
  if (audio) {
    assert.equal(audio.sampleRate, script.sampleRate);
    assert.ok(audio.startSeconds >= chunk.startSeconds && audio.startSeconds < chunk.startSeconds + 1);
    const lengths = new Set(audio.samples.map((channel) => channel.length));
    assert.equal(lengths.size, 1);
    for (const channel of audio.samples) {
      assert.ok(channel.length <= audio.sampleRate);
      for (const sample of channel) assert.ok(Number.isFinite(sample));
    }
    for (const gap of audio.gaps) {
      assert.ok(gap.startSeconds >= chunk.startSeconds && gap.endSeconds <= chunk.startSeconds + 1 + 1e-9);
      assert.ok(gap.endSeconds > gap.startSeconds);
    }
  }
}

describe('timestamp and chunker fuzzing', () => {
  const options = { msPerCase: 100 };
  it(
    'random timestamp sequences through the stream clocks and the chunker',
    { timeout: fuzzTimeoutMs(options) },
    async () => {
      await fuzz('media clock and chunker', fc.property(scriptArbitrary, run), options);
    },
  );
});
