import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
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
import { blockinessDetector } from './blockiness.js';
import { macroblockEdgeScore } from './macroblock-edges.js';

const options = { minStepLevels: 6, edgeContrast: 2 };

/** A deterministic pseudo-random generator, so the pictures are the same on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

function picture(
  width: number,
  height: number,
  value: (x: number, y: number) => number,
  timeSeconds = 0,
): VideoFrame {
  const stride = width + 16;
  const luma = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      luma[y * stride + x] = Math.max(0, Math.min(255, Math.round(value(x, y))));
  return {
    timeSeconds,
    durationSeconds: 0.04,
    width,
    height,
    luma,
    lumaStride: stride,
    blackLevel: 16,
    whiteLevel: 235,
    chroma: null,
    keyFrame: false,
    corrupt: false,
  };
}

/** Flat blocks of `size` pixels with random levels, the grid shifted by `offset` pixels, plus grain. */
function blocks(size: number, offset: number, seed: number): (x: number, y: number) => number {
  const next = random(seed);
  const levels = Array.from({ length: 64 * 64 }, () => 60 + next() * 120);
  const grain = random(seed + 1);
  return (x, y) =>
    (levels[Math.floor((y + offset) / size) * 64 + Math.floor((x + offset) / size)] ?? 0) + (grain() - 0.5);
}

/** Smooth gradients, a texture at a period unrelated to 8, and grain of +-3 levels. */
function natural(seed: number): (x: number, y: number) => number {
  const grain = random(seed);
  return (x, y) =>
    120 + 50 * Math.sin(0.02 * x + 0.013 * y) + 12 * Math.sin(0.31 * x + 0.17 * y) + (grain() - 0.5) * 6;
}

describe('macroblockEdgeScore', () => {
  it('scores flat 16x16 blocks with random levels (macroblocks quantised to their mean) near the top', () => {
    assert.ok(macroblockEdgeScore(picture(320, 240, blocks(16, 0, 1)), options) > 60);
  });

  it('ignores a plain 8x8 grid (JPEG-like): both sets of lines show it alike', () => {
    assert.ok(macroblockEdgeScore(picture(320, 240, blocks(8, 0, 2)), options) < 2);
  });

  it('ignores 16x16 blocks that are off the decoder grid (shifted by 8): they are picture content', () => {
    assert.equal(macroblockEdgeScore(picture(320, 240, blocks(16, 8, 3)), options), 0);
  });

  it('scores natural-looking texture near zero, and a flat or tiny picture zero', () => {
    assert.ok(macroblockEdgeScore(picture(320, 240, natural(4)), options) < 1);
    assert.equal(
      macroblockEdgeScore(
        picture(320, 240, () => 128),
        options,
      ),
      0,
    );
    assert.equal(macroblockEdgeScore(picture(8, 8, blocks(16, 0, 5)), options), 0);
  });

  it('needs the step to be visible: blocks differing by 3 levels do not count', () => {
    const next = random(6);
    const levels = Array.from({ length: 64 * 64 }, () => (next() < 0.5 ? 100 : 103));
    const faint = picture(320, 240, (x, y) => levels[Math.floor(y / 16) * 64 + Math.floor(x / 16)] ?? 0);
    assert.equal(macroblockEdgeScore(faint, options), 0);
  });
});

function chunkOf(index: number, frames: VideoFrame[]): MediaChunk {
  return {
    index,
    startSeconds: index,
    endSeconds: index + 1,
    video: frames,
    audio: null,
    hasVideoStream: true,
    hasAudioStream: false,
    decodeErrorCount: 0,
    discontinuityCount: 0,
  };
}

/** Runs the detector over `seconds` of 25 fps pictures; `blocky(t)` picks blocks or natural texture. */
function run(seconds: number, blocky: (timeSeconds: number) => boolean): EventTransition[] {
  const instance = blockinessDetector.create(blockinessDetector.configSchema.parse({}));
  const transitions: EventTransition[] = [];
  for (let index = 0; index < seconds; index++) {
    const frames = Array.from({ length: 25 }, (_, i) => {
      const t = index + i * 0.04;
      return picture(160, 128, blocky(t) ? blocks(16, 0, i) : natural(i), t);
    });
    transitions.push(...instance.analyze(chunkOf(index, frames)).transitions);
  }
  transitions.push(...instance.finish(seconds).transitions);
  return transitions;
}

describe('blockiness detector', () => {
  it('opens at the first blocky picture and closes shortly after the last', () => {
    const transitions = run(8, (t) => t >= 2.5 && t < 5.5);
    const open = transitions.find((t) => t.kind === 'open');
    const close = transitions.find((t) => t.kind === 'close');
    assert.equal(transitions.length, 2, JSON.stringify(transitions));
    assert.ok(open?.kind === 'open' && Math.abs(open.startSeconds - 2.5) <= 0.05, JSON.stringify(open));
    assert.equal(open.severity, 'warning');
    assert.ok(
      close?.kind === 'close' && close.endSeconds >= 5.5 && close.endSeconds <= 5.8,
      JSON.stringify(close),
    );
  });

  it('raises nothing for a burst shorter than the minimum duration or a single odd picture', () => {
    assert.deepEqual(
      run(6, (t) => t >= 2 && t < 2.6),
      [],
    );
    assert.deepEqual(
      run(6, (t) => Math.abs(t - 3) < 0.01),
      [],
    );
  });

  it('reports the mean and largest score of the sampled pictures, about 10 a second', () => {
    const instance = blockinessDetector.create(blockinessDetector.configSchema.parse({}));
    const frames = Array.from({ length: 25 }, (_, i) => picture(160, 128, blocks(16, 0, i), i * 0.04));
    const { measurements } = instance.analyze(chunkOf(0, frames));
    assert.equal(measurements.sampledFrames, 10);
    assert.ok((measurements.blockinessScore as number) > 50, JSON.stringify(measurements));
    assert.ok((measurements.blockinessScoreMax as number) >= (measurements.blockinessScore as number));
  });
});

describe('blockiness fixtures', () => {
  it('the natural-looking clean picture scores low (it is not blocky by construction)', async () => {
    const report = await analyzeFile(await fixturePath('blockiness-clean.mp4'), ['blockiness'], {});
    assert.deepEqual(report.events, []);
  });

  it('finds the q=51 span (4-8 s)', async () => {
    const report = await analyzeFile(await fixturePath('blockiness-q51.mp4'), ['blockiness']);
    assertFound(report.events, { detector: 'blockiness', startSeconds: 4, endSeconds: 8 });
  });
});

const directory = realMediaDirectory();
const clips = directory
  ? readdirSync(directory).filter((name) => !name.endsWith('.md') && !name.endsWith('.wav'))
  : [];

describe(
  'blockiness on real media: no false alarms',
  { skip: directory ? false : realMediaSkipReason },
  () => {
    for (const clip of clips) {
      it(`${clip}: no blockiness`, async () => {
        const report = await analyzeFile(join(directory ?? '', clip), ['blockiness']);
        assert.deepEqual(report.events, []);
      });
    }
  },
);
