/**
 * The fault corpus: small clips with injected faults and the events each must produce (known truth).
 * `npm run fixtures` writes them to fixtures/generated/; tests generate the ones they use on demand.
 */
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeClip } from './clip-writer.js';
import {
  audioSpec,
  fixtureClip,
  fixtureFps,
  fixtureSampleRate,
  programme,
  videoSpec,
} from './fixture-parts.js';
import { avTimingFixtures } from './fixtures-av-timing.js';
import { blockinessFixtures } from './fixtures-blockiness.js';
import { timingFixtures } from './fixtures-timing.js';
import {
  drawDarkDetail,
  drawFlat,
  drawLetterbox,
  drawMovingPattern,
  programmeSound,
  tone,
  clippedTone,
} from './patterns.js';

export interface ExpectedEvent {
  readonly detector: string;
  readonly startSeconds: number;
  readonly endSeconds: number;
  readonly channel?: number;
}

export interface Fixture {
  readonly name: string;
  readonly description: string;
  /** Events the analysis must find, each within the tolerance of its true start and end. */
  readonly expected: readonly ExpectedEvent[];
  /** Detectors that may raise events beyond `expected` (side effects of the fault, e.g. packet loss). */
  readonly alsoAllowed?: readonly string[];
  build(path: string): Promise<void>;
}

const fps = fixtureFps;
const sampleRate = fixtureSampleRate;
const programmeAudio = audioSpec(programme);
const inSpan = (seconds: number, start: number, end: number) => seconds >= start && seconds < end;

const clip = fixtureClip;

const baseFixtures: readonly Fixture[] = [
  {
    name: 'clean.mp4',
    description: 'moving pattern and programme-like sound, no fault',
    expected: [],
    build: (path) => clip(path, 10, {}),
  },
  {
    name: 'black.mp4',
    description: 'black picture from 4 s to 7 s',
    expected: [{ detector: 'black', startSeconds: 4, endSeconds: 7 }],
    build: (path) =>
      clip(path, 12, {
        video: videoSpec((index, planes) =>
          inSpan(index / fps, 4, 7) ? drawFlat(planes, 16) : drawMovingPattern(planes, index),
        ),
      }),
  },
  {
    name: 'freeze.mp4',
    description: 'picture frozen from 3 s to 9 s (frame at 3 s repeated)',
    expected: [{ detector: 'freeze', startSeconds: 3, endSeconds: 9 }],
    build: (path) =>
      clip(path, 12, {
        video: videoSpec((index, planes) =>
          drawMovingPattern(planes, inSpan(index / fps, 3, 9) ? 3 * fps : index),
        ),
      }),
  },
  {
    name: 'silence-left.mp4',
    description: 'left channel (0) silent from 3 s to 6.5 s',
    expected: [{ detector: 'silence', startSeconds: 3, endSeconds: 6.5, channel: 0 }],
    build: (path) =>
      clip(path, 10, {
        audio: audioSpec((index, channel) =>
          channel === 0 && inSpan(index / sampleRate, 3, 6.5)
            ? 0
            : programmeSound(index, sampleRate, channel),
        ),
      }),
  },
  {
    name: 'silence-all.mp4',
    description: 'both channels silent from 2 s to 5 s',
    expected: [
      { detector: 'silence', startSeconds: 2, endSeconds: 5 },
      { detector: 'silence', startSeconds: 2, endSeconds: 5, channel: 0 },
      { detector: 'silence', startSeconds: 2, endSeconds: 5, channel: 1 },
    ],
    build: (path) =>
      clip(path, 8, {
        audio: audioSpec((index, channel) =>
          inSpan(index / sampleRate, 2, 5) ? 0 : programmeSound(index, sampleRate, channel),
        ),
      }),
  },
  {
    name: 'clipping.mp4',
    description: 'tone driven 6 dB into clipping from 5 s to 7 s',
    expected: [{ detector: 'clipping', startSeconds: 5, endSeconds: 7 }],
    alsoAllowed: ['true-peak'],
    build: (path) =>
      clip(path, 10, {
        audio: audioSpec((index, channel) =>
          inSpan(index / sampleRate, 5, 7)
            ? clippedTone(index, sampleRate, 220, 2)
            : programmeSound(index, sampleRate, channel),
        ),
      }),
  },
  {
    name: 'loudness-plus-12lu.mp4',
    description: '1 kHz stereo tone at -23 LUFS, 12 LU louder (-11 LUFS) from 10 s to 30 s, then -23 again',
    // The loudness detector compares short-term loudness (a 3 s window) with the target: it rises above
    // -22 LUFS 0.1 s into the loud part and falls back 2.95 s after it ends (when under 0.06 s of loud
    // signal is left in the window), so the short-term truth is 10.1-32.95 s.
    expected: [{ detector: 'loudness', startSeconds: 10.1, endSeconds: 32.95 }],
    build: (path) =>
      clip(path, 40, {
        video: videoSpec((index, planes) => drawMovingPattern(planes, index), { width: 160, height: 120 }),
        audio: audioSpec(
          (index) => tone(index, sampleRate, 1000, inSpan(index / sampleRate, 10, 30) ? -11 : -23),
          {
            bitRate: 192_000,
          },
        ),
      }),
  },
  {
    name: 'letterbox.mp4',
    description: 'moving picture with black bars covering 30% of the height: not black',
    expected: [],
    build: (path) =>
      clip(path, 8, {
        video: videoSpec((index, planes) => {
          drawMovingPattern(planes, index);
          drawLetterbox(planes, Math.round(planes.height * 0.15));
        }),
      }),
  },
  {
    name: 'dark-detail.mp4',
    description: 'a dark moving scene with detail (luma 16-60): not black',
    expected: [],
    build: (path) => clip(path, 8, { video: videoSpec((index, planes) => drawDarkDetail(planes, index)) }),
  },
  {
    name: 'low-fps-10-in-25.mp4',
    description: '10 fps content carried at 25 fps (each picture repeated 2 or 3 times): not a freeze',
    expected: [],
    build: (path) =>
      clip(path, 8, {
        video: videoSpec((index, planes) => drawMovingPattern(planes, Math.floor((index * 10) / fps) * 3)),
      }),
  },
  {
    name: 'offset-start.ts',
    description: 'MPEG-TS whose timestamps start at 1000 s, black from 3 s to 6 s of the input',
    expected: [{ detector: 'black', startSeconds: 3, endSeconds: 6 }],
    build: (path) =>
      writeClip({
        path,
        container: 'mpegts',
        durationSeconds: 9,
        startOffsetSeconds: 1000,
        video: videoSpec((index, planes) =>
          inSpan(index / fps, 3, 6) ? drawFlat(planes, 16) : drawMovingPattern(planes, index),
        ),
        audio: programmeAudio,
      }),
  },
  {
    name: 'packet-loss.ts',
    description: 'MPEG-TS with 40% of its video packets dropped from 4 s to 5 s',
    expected: [{ detector: 'decode-error', startSeconds: 4, endSeconds: 5 }],
    // Concealment damage after the loss scores close to the blockiness threshold (4.4 at worst, 4 raises).
    alsoAllowed: ['blockiness'],
    build: async (path) => {
      const clean = `${path}.clean.ts`;
      await writeClip({
        path: clean,
        container: 'mpegts',
        durationSeconds: 10,
        video: videoSpec((index, planes) => drawMovingPattern(planes, index)),
        audio: programmeAudio,
      });
      await writeFile(path, dropTsVideoPackets(await readFile(clean), 4, 5));
      await rm(clean);
    },
  },
];

export const fixtures: readonly Fixture[] = [
  ...baseFixtures,
  ...timingFixtures,
  ...blockinessFixtures,
  ...avTimingFixtures,
];

/**
 * Drops `share` of the video packets of an MPEG-TS whose PES presentation time (relative to the first
 * video PTS) lies in [startSeconds, endSeconds), deterministically. PSI and audio packets are kept.
 */
export function dropTsVideoPackets(
  data: Buffer,
  startSeconds: number,
  endSeconds: number,
  share = 0.4,
): Buffer {
  const kept: Buffer[] = [];
  let firstPts: number | null = null;
  let currentSeconds = 0;
  let seen = 0;
  let dropped = 0;
  for (let offset = 0; offset + 188 <= data.length; offset += 188) {
    const packet = data.subarray(offset, offset + 188);
    const pid = ((packet[1] ?? 0) & 0x1f) * 256 + (packet[2] ?? 0);
    const payloadStart = ((packet[1] ?? 0) & 0x40) !== 0;
    const adaptation = ((packet[3] ?? 0) >> 4) & 0x3;
    const payloadOffset = adaptation === 3 ? 5 + (packet[4] ?? 0) : 4;
    const isVideoPes =
      payloadStart &&
      packet[payloadOffset] === 0 &&
      packet[payloadOffset + 1] === 0 &&
      packet[payloadOffset + 2] === 1 &&
      ((packet[payloadOffset + 3] ?? 0) & 0xf0) === 0xe0;
    if (isVideoPes && ((packet[payloadOffset + 7] ?? 0) & 0x80) !== 0) {
      const p = payloadOffset + 9;
      const pts =
        ((packet[p] ?? 0) & 0x0e) * 2 ** 29 +
        (packet[p + 1] ?? 0) * 2 ** 22 +
        ((packet[p + 2] ?? 0) >> 1) * 2 ** 15 +
        (packet[p + 3] ?? 0) * 2 ** 7 +
        ((packet[p + 4] ?? 0) >> 1);
      firstPts ??= pts;
      currentSeconds = (pts - firstPts) / 90_000;
    }
    const videoPid = pid >= 0x100 && pid < 0x1000 && pid === videoPidOf(data);
    if (videoPid && currentSeconds >= startSeconds && currentSeconds < endSeconds) {
      seen += 1;
      if (dropped < seen * share) {
        dropped += 1;
        continue;
      }
    }
    kept.push(packet);
  }
  return Buffer.concat(kept);
}

const videoPids = new WeakMap<Buffer, number>();

/** PID of the first packet that starts a video PES (stream id 0xE0-0xEF). */
function videoPidOf(data: Buffer): number {
  const cached = videoPids.get(data);
  if (cached !== undefined) return cached;
  let found = -1;
  for (let offset = 0; offset + 188 <= data.length && found < 0; offset += 188) {
    const adaptation = ((data[offset + 3] ?? 0) >> 4) & 0x3;
    const p = offset + (adaptation === 3 ? 5 + (data[offset + 4] ?? 0) : 4);
    if (((data[offset + 1] ?? 0) & 0x40) !== 0 && data[p] === 0 && data[p + 1] === 0 && data[p + 2] === 1) {
      if (((data[p + 3] ?? 0) & 0xf0) === 0xe0)
        found = ((data[offset + 1] ?? 0) & 0x1f) * 256 + (data[offset + 2] ?? 0);
    }
  }
  videoPids.set(data, found);
  return found;
}

export const fixtureDirectory = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'fixtures',
  'generated',
);

/** Path of a fixture, built first if it is not there yet. */
export async function fixturePath(name: string): Promise<string> {
  const { variantFixtures } = await import('./fixtures-variants.js');
  const fixture = [...fixtures, ...variantFixtures].find((candidate) => candidate.name === name);
  if (!fixture) throw new Error(`unknown fixture ${name}`);
  const path = join(fixtureDirectory, name);
  try {
    if ((await stat(path)).size > 0) return path;
  } catch {
    // not built yet
  }
  await mkdir(dirname(path), { recursive: true });
  // Test files run in parallel and may build the same fixture at once: each writes its own partial file,
  // and the renames (atomic) leave one complete copy.
  const partial = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.partial`;
  await fixture.build(partial);
  await rename(partial, path);
  return path;
}
