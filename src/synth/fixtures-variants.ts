/**
 * Seeded random variants of the main faults (position, length, picture size, container, level, frequency)
 * for `npm run accuracy`, so recall is measured on more than one example per detector. Not run by
 * `npm test` (the hand-made corpus is), to keep the default test run short.
 */
import { writeClip, type AudioSpec, type VideoSpec } from './clip-writer.js';
import type { ExpectedEvent, Fixture } from './fixtures.js';
import { clippedTone, drawFlat, drawMovingPattern, programmeSound } from './patterns.js';

const fps = 25;
const sampleRate = 48_000;
const clipSeconds = 12;
const variantsPerKind = 5;

/** A small deterministic generator (LCG), so every run builds the same corpus. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Rounds to whole video frames, so the truth is what the pictures can show. */
const toFrame = (seconds: number) => Math.round(seconds * fps) / fps;

interface Variant {
  readonly kind: string;
  readonly description: string;
  readonly expected: readonly ExpectedEvent[];
  readonly container: 'mp4' | 'mpegts';
  readonly size: readonly [number, number];
  readonly draw: VideoSpec['draw'];
  readonly include?: VideoSpec['include'];
  readonly sample: (index: number, channel: number) => number;
}

const inside = (t: number, from: number, to: number) => t >= from && t < to;

function variant(kind: string, n: number): Variant {
  const next = random(n * 7919 + kind.length * 104_729);
  const size: readonly [number, number] = next() < 0.5 ? [320, 240] : [640, 360];
  const container = next() < 0.5 ? 'mp4' : 'mpegts';
  const programme = (index: number, channel: number) => programmeSound(index, sampleRate, channel);
  const moving: VideoSpec['draw'] = (index, planes) => drawMovingPattern(planes, index);
  const base = { container, size, draw: moving, sample: programme } as const;
  switch (kind) {
    case 'black': {
      const start = toFrame(1.5 + next() * 4.5);
      const end = toFrame(start + 2.5 + next() * 2.5);
      return {
        ...base,
        kind,
        description: `black ${start}-${end} s`,
        expected: [{ detector: 'black', startSeconds: start, endSeconds: end }],
        draw: (index, planes) =>
          inside(index / fps, start, end)
            ? drawFlat(planes, 16 + Math.floor(next() * 3))
            : moving(index, planes),
      };
    }
    case 'freeze': {
      const start = toFrame(1.5 + next() * 3);
      const end = toFrame(start + 5 + next() * 3);
      return {
        ...base,
        kind,
        description: `frozen picture ${start}-${end} s`,
        expected: [{ detector: 'freeze', startSeconds: start, endSeconds: end }],
        draw: (index, planes) =>
          moving(inside(index / fps, start, end) ? Math.round(start * fps) : index, planes),
      };
    }
    case 'silence': {
      const channel = next() < 0.5 ? 0 : 1;
      const start = 1 + next() * 4;
      const end = start + 2.5 + next() * 2.5;
      return {
        ...base,
        kind,
        description: `channel ${channel} silent ${start.toFixed(2)}-${end.toFixed(2)} s`,
        expected: [{ detector: 'silence', startSeconds: start, endSeconds: end, channel }],
        sample: (index, c) =>
          c === channel && inside(index / sampleRate, start, end) ? 0 : programme(index, c),
      };
    }
    case 'clipping': {
      const start = 1 + next() * 5;
      const end = start + 0.5 + next() * 2.5;
      const drive = 1.5 + next() * 1.5;
      const frequencyHz = 150 + next() * 850;
      return {
        ...base,
        kind,
        description: `${frequencyHz.toFixed(0)} Hz tone driven ${(20 * Math.log10(drive)).toFixed(1)} dB into clipping ${start.toFixed(2)}-${end.toFixed(2)} s`,
        expected: [{ detector: 'clipping', startSeconds: start, endSeconds: end }],
        sample: (index, c) =>
          inside(index / sampleRate, start, end)
            ? clippedTone(index, sampleRate, frequencyHz, drive)
            : programme(index, c),
      };
    }
    case 'video-stall': {
      const start = toFrame(2 + next() * 4);
      const end = toFrame(start + 1.5 + next() * 1.5);
      return {
        ...base,
        kind,
        description: `no video frames ${start}-${end} s`,
        expected: [{ detector: 'video-stall', startSeconds: start, endSeconds: end }],
        include: (index) => !inside(index / fps, start, end),
      };
    }
    default: {
      const start = 1 + next() * 8;
      const durationSeconds = 0.03 + next() * 0.37;
      const end = start + durationSeconds;
      return {
        ...base,
        kind: 'audio-dropout',
        description: `audio cut to zero for ${(durationSeconds * 1000).toFixed(0)} ms at ${start.toFixed(2)} s`,
        expected: [{ detector: 'audio-dropout', startSeconds: start, endSeconds: end }],
        sample: (index, c) => (inside(index / sampleRate, start, end) ? 0 : programme(index, c)),
      };
    }
  }
}

function toFixture(v: Variant, n: number): Fixture {
  const audio: AudioSpec = {
    sampleRate,
    channels: 2,
    codec: 'aac',
    fill: (start, out) => out.forEach((s, c) => s.forEach((_, i) => (s[i] = v.sample(start + i, c)))),
  };
  return {
    name: `variants/${v.kind}-${n}.${v.container === 'mp4' ? 'mp4' : 'ts'}`,
    description: `${v.description}, ${v.size[0]}x${v.size[1]} ${v.container}`,
    expected: v.expected,
    // Side effects of the faults themselves: a clipped tone is over the true-peak limit and loud.
    alsoAllowed: v.kind === 'clipping' ? ['true-peak', 'loudness'] : [],
    build: (path) =>
      writeClip({
        path,
        container: v.container,
        durationSeconds: clipSeconds,
        video: {
          width: v.size[0],
          height: v.size[1],
          framesPerSecond: fps,
          codec: 'libx264',
          options: { crf: '23' },
          draw: v.draw,
          ...(v.include ? { include: v.include } : {}),
        },
        audio,
      }),
  };
}

export const variantFixtures: readonly Fixture[] = [
  'black',
  'freeze',
  'silence',
  'clipping',
  'video-stall',
  'audio-dropout',
].flatMap((kind) =>
  Array.from({ length: variantsPerKind }, (_, n) => toFixture(variant(kind, n + 1), n + 1)),
);
