import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { MediaChunk, VideoFrame } from '../../media/chunk.js';
import { fixturePath } from '../../synth/fixtures.js';
import { analyzeFile, realMediaDirectory, realMediaSkipReason } from '../../test-support/analyze.js';
import type { EventTransition } from '../contract.js';
import { avSyncDetector } from './av-sync.js';

const fps = 25;
const sampleRate = 48_000;

interface Pattern {
  /** Flash frames: frame index -> whether it is white. */
  readonly flash: (frameIndex: number) => boolean;
  /** Samples of a 1 kHz burst: sample index -> whether the burst sounds. */
  readonly burst: (sampleIndex: number) => boolean;
}

/** A flash every `periodSeconds` from `firstSeconds`, one frame long, with a 40 ms burst `offsetMs` after it. */
function pattern(
  periodSeconds: number,
  offsetMs: number,
  firstSeconds = 0.4,
  untilSeconds = Infinity,
): Pattern {
  const isFlashTime = (seconds: number) => {
    const k = Math.round((seconds - firstSeconds) / periodSeconds);
    const at = firstSeconds + k * periodSeconds;
    return k >= 0 && at < untilSeconds && Math.abs(seconds - at) < 1e-6;
  };
  return {
    flash: (frame) => isFlashTime(frame / fps),
    burst: (sample) => {
      const seconds = sample / sampleRate - offsetMs / 1000;
      const k = Math.floor((seconds - firstSeconds) / periodSeconds);
      const at = firstSeconds + k * periodSeconds;
      return k >= 0 && at < untilSeconds && seconds - at < 0.04;
    },
  };
}

function frame(index: number, luma: number): VideoFrame {
  return {
    timeSeconds: index / fps,
    durationSeconds: 1 / fps,
    width: 16,
    height: 16,
    luma: new Uint8Array(256).fill(luma),
    lumaStride: 16,
    blackLevel: 16,
    whiteLevel: 235,
    chroma: null,
    keyFrame: false,
    corrupt: false,
  };
}

function chunks(seconds: number, { flash, burst }: Pattern): MediaChunk[] {
  return Array.from({ length: seconds }, (_, index) => {
    const samples = new Float32Array(sampleRate);
    for (let i = 0; i < sampleRate; i++) {
      const at = index * sampleRate + i;
      samples[i] = burst(at) ? 0.125 * Math.sin((2 * Math.PI * 1000 * (at + 0.5)) / sampleRate) : 0;
    }
    return {
      index,
      startSeconds: index,
      endSeconds: index + 1,
      video: Array.from({ length: fps }, (_, i) => frame(index * fps + i, flash(index * fps + i) ? 235 : 16)),
      audio: { startSeconds: index, sampleRate, samples: [samples, samples], gaps: [] },
      hasVideoStream: true,
      hasAudioStream: true,
      decodeErrorCount: 0,
      discontinuityCount: 0,
    };
  });
}

interface Run {
  readonly events: { startSeconds: number; endSeconds: number; offsetMs: unknown }[];
  readonly summary: Readonly<Record<string, unknown>> | undefined;
}

function run(input: readonly MediaChunk[], config: Record<string, unknown> = {}): Run {
  const instance = avSyncDetector.create(avSyncDetector.configSchema.parse(config));
  const transitions: EventTransition[] = input.flatMap((chunk) => [...instance.analyze(chunk).transitions]);
  const finished = instance.finish(input.length);
  transitions.push(...finished.transitions);
  const events = transitions.flatMap((open) => {
    if (open.kind !== 'open') return [];
    const close = transitions.find((t) => t.kind === 'close' && t.key === open.key);
    assert.ok(close?.kind === 'close');
    return [
      { startSeconds: open.startSeconds, endSeconds: close.endSeconds, offsetMs: close.details?.offsetMs },
    ];
  });
  return { events, summary: finished.summary };
}

describe('av-sync', () => {
  it('measures the offset to the millisecond without knowing the period (1.6 s here)', () => {
    for (const offsetMs of [-200, -100, -40, 0, 100, 160, 300]) {
      const { summary } = run(chunks(12, pattern(1.6, offsetMs)));
      assert.ok(
        Math.abs(Number(summary?.offsetMs) - offsetMs) <= 2,
        `${offsetMs}: ${JSON.stringify(summary)}`,
      );
      assert.equal(summary?.pairs, 8);
    }
  });

  it('raises an event only beyond BT.1359: audio early by more than 45 ms or late by more than 125 ms', () => {
    assert.deepEqual(run(chunks(10, pattern(1, -40))).events, []);
    assert.deepEqual(run(chunks(10, pattern(1, 120))).events, []);
    const early = run(chunks(10, pattern(1, -100))).events;
    assert.deepEqual(early, [{ startSeconds: 0.4, endSeconds: 10, offsetMs: -100 }]);
    const late = run(chunks(10, pattern(1, 160))).events;
    assert.deepEqual(late, [{ startSeconds: 0.4, endSeconds: 10, offsetMs: 160 }]);
  });

  it('needs the configured number of pairs in a row', () => {
    const twoPairs = chunks(4, pattern(1, 200, 0.4, 2));
    assert.deepEqual(run(twoPairs).events, []);
    assert.equal(run(twoPairs, { minPairs: 2 }).events.length, 1);
  });

  it('closes when the test signal stops, at its last pair', () => {
    const { events, summary } = run(chunks(16, pattern(1, 200, 0.4, 6)));
    assert.deepEqual(events, [{ startSeconds: 0.4, endSeconds: 5.4, offsetMs: 200 }]);
    assert.equal(summary?.pairs, 6);
  });

  it('closes when sync comes back, at the first pair in sync', () => {
    const late = pattern(1, 200);
    const inSync = pattern(1, 0);
    const switched: Pattern = {
      flash: late.flash,
      burst: (sample) => (sample < 6 * sampleRate ? late.burst(sample) : inSync.burst(sample)),
    };
    assert.deepEqual(run(chunks(12, switched)).events, [
      { startSeconds: 0.4, endSeconds: 6.4, offsetMs: 200 },
    ]);
  });

  it('a cut to a bright picture is not a flash', () => {
    const cuts: Pattern = { flash: (frame) => frame % 50 >= 10, burst: pattern(2, 200).burst };
    assert.deepEqual(run(chunks(10, cuts)).summary, { offsetMs: null, pairs: 0 });
  });

  const fixtures: [string, number, boolean][] = [
    ['av-sync-in-sync.mp4', 0, false],
    ['av-sync-audio-early-100ms.mp4', -100, true],
    ['av-sync-audio-late-160ms.mp4', 160, true],
  ];
  for (const [name, truthMs, expectEvent] of fixtures) {
    it(`fixture ${name}: offset within one frame (40 ms) of ${truthMs} ms`, async () => {
      const report = await analyzeFile(await fixturePath(name), ['av-sync']);
      const summary = report.summary.detectors['av-sync'] as { offsetMs: number; pairs: number };
      assert.ok(Math.abs(summary.offsetMs - truthMs) < 1000 / fps, JSON.stringify(summary));
      assert.equal(summary.pairs, 10);
      assert.equal(report.events.length, expectEvent ? 1 : 0, JSON.stringify(report.events));
      if (expectEvent) assert.ok(Math.abs(Number(report.events[0]?.details.offsetMs) - truthMs) < 1000 / fps);
    });
  }

  it('content without flash/burst pairs raises nothing: clean fixture', async () => {
    const report = await analyzeFile(await fixturePath('clean.mp4'), ['av-sync']);
    assert.deepEqual(report.events, []);
    assert.deepEqual(report.summary.detectors['av-sync'], { offsetMs: null, pairs: 0 });
  });

  const directory = realMediaDirectory();
  it('real clips raise nothing', { skip: directory ? false : realMediaSkipReason }, async () => {
    const clips = ['kphotoalbum-talkinghead.avi', 'chid-5.1-spoken.mp4', 'boswars-intro.ogv', 'diver.mov'];
    for (const clip of [...clips, 'cockatoo.mp4', 'bbb-1080p-30s.mp4', 'asterisk-demo-echotest.wav']) {
      const report = await analyzeFile(join(directory ?? '', clip), ['av-sync']);
      assert.deepEqual(report.events, [], clip);
      assert.equal((report.summary.detectors['av-sync'] as { pairs: number }).pairs, 0, clip);
    }
  });
});
