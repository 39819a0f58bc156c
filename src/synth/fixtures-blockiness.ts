/**
 * Fault fixtures for the blockiness detector: a span encoded at the coarsest quantiser, and MPEG-TS packet
 * loss in H.264 and MPEG-2, on a natural-looking picture (the corpus's `drawMovingPattern` has luma steps on
 * the 8-pixel grid by construction, so it cannot show what a block grid detector should ignore).
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { writeClip, type PicturePlanes, type VideoSpec } from './clip-writer.js';
import { dropTsVideoPackets, type Fixture } from './fixtures.js';

/**
 * A natural-looking moving picture with no structure on any 8- or 16-pixel grid (unlike
 * `drawMovingPattern`, whose luma steps every 8 columns): smooth gradients and a mid-frequency texture
 * panning sideways, frame-varying grain and two soft-edged discs moving at non-integer speeds.
 */
export function drawNaturalScene(planes: PicturePlanes, index: number): void {
  const { y, u, v, strideY, strideC, width, height } = planes;
  const t = index;
  const panPixelsPerFrame = 2.7;
  const scale = 320 / width;
  const discs = [
    {
      x: 40 + ((t * 2.3) % (width - 80)),
      y: height * 0.4 + 30 * Math.sin(t * 0.05),
      r: height * 0.16,
      add: 55,
    },
    { x: width - 50 - ((t * 1.7) % (width - 100)), y: height * 0.7, r: height * 0.1, add: -45 },
  ];
  let seed = (index * 2_654_435_761) >>> 0;
  for (let row = 0; row < height; row++) {
    const ys = row * scale;
    const rowWave = Math.cos(0.017 * ys - 0.03 * t);
    const rowBend = 0.6 * Math.sin(0.013 * ys);
    const base = row * strideY;
    for (let col = 0; col < width; col++) {
      const xs = (col + panPixelsPerFrame * t) * scale;
      let value =
        118 +
        45 * Math.sin(0.021 * xs + rowBend + 0.04 * t) * rowWave +
        10 * Math.sin(0.29 * xs + 0.21 * ys + 0.15 * t) * Math.sin(0.07 * ys + 0.05 * xs);
      for (const disc of discs) {
        const distance = Math.hypot(col - disc.x, row - disc.y) - disc.r;
        if (distance < 1.5) value += disc.add * Math.min(1, (1.5 - distance) / 3);
      }
      seed = (seed * 1_664_525 + 1_013_904_223) >>> 0;
      value += ((seed >>> 24) / 255 - 0.5) * 6;
      y[base + col] = Math.max(16, Math.min(235, Math.round(value)));
    }
  }
  for (let row = 0; row < height >> 1; row++) {
    const base = row * strideC;
    for (let col = 0; col < width >> 1; col++) {
      u[base + col] = Math.round(128 + 20 * Math.sin(0.03 * col * scale + 0.02 * t));
      v[base + col] = Math.round(128 + 20 * Math.cos(0.025 * row * scale - 0.01 * t));
    }
  }
}

const fps = 25;

function naturalVideo(extra: Partial<VideoSpec> = {}): VideoSpec {
  return {
    width: 320,
    height: 240,
    framesPerSecond: fps,
    codec: 'libx264',
    options: { crf: '23' },
    draw: (index, planes) => drawNaturalScene(planes, index),
    ...extra,
  };
}

/** Writes an MPEG-TS, then drops 40% of its video packets whose PES time lies in [start, end). */
async function writeWithPacketLoss(
  path: string,
  video: VideoSpec,
  lossStartSeconds: number,
  lossEndSeconds: number,
): Promise<void> {
  const clean = `${path}.clean.ts`;
  await writeClip({ path: clean, container: 'mpegts', durationSeconds: 10, video });
  await writeFile(path, dropTsVideoPackets(await readFile(clean), lossStartSeconds, lossEndSeconds));
  await rm(clean);
}

export const blockinessFixtures: readonly Fixture[] = [
  {
    name: 'blockiness-clean.mp4',
    description: 'natural-looking panning picture (H.264, crf 23): no block edges',
    expected: [],
    build: (path) => writeClip({ path, container: 'mp4', durationSeconds: 8, video: naturalVideo() }),
  },
  {
    name: 'blockiness-q51.mp4',
    description: 'H.264 frames 100-199 (4-8 s) at the coarsest quantiser (x264 zones q=51, no deblocking)',
    // Decoded, the coarse frames are 4.04-8.00 s (x264 places the zone one frame later: the key frame at
    // 4.00 s is fine, the one at 8.00 s coarse). The first coarse P-frames still copy the fine picture:
    // score 0-4 up to 4.16 s, 12.7 at 4.20 s, 22-28 at 4.4 s, 35-59 from 5 s; 1.4 at 8.04 s.
    expected: [{ detector: 'blockiness', startSeconds: 4, endSeconds: 8 }],
    build: (path) =>
      writeClip({
        path,
        container: 'mp4',
        durationSeconds: 10,
        video: naturalVideo({ options: { crf: '23', 'x264-params': 'zones=100,199,q=51' } }),
      }),
  },
  {
    name: 'blockiness-packet-loss-h264.ts',
    description: 'H.264 MPEG-TS, 40% of video packets dropped 4-5 s: misplaced macroblocks 5-6 s',
    // During the loss the decoder conceals (and flags) the frames it can decode by repeating the last good
    // picture; when packets flow again at 5 s the panning picture is rebuilt on damaged references, with
    // macroblock-shaped errors until the key frame at 6 s (score 3.6-8.9). Nothing flags those frames.
    expected: [
      { detector: 'blockiness', startSeconds: 5, endSeconds: 6 },
      { detector: 'decode-error', startSeconds: 4, endSeconds: 5 },
    ],
    build: (path) => writeWithPacketLoss(path, naturalVideo(), 4, 5),
  },
  {
    name: 'blockiness-packet-loss-mpeg2.ts',
    description:
      'MPEG-2 MPEG-TS (2 Mbit/s), 40% of video packets dropped 4-5 s: grey and misplaced blocks 4-6 s',
    // The MPEG-2 decoder patches lost slices with grey or misplaced macroblocks as soon as the loss starts
    // (score 4-17 over 4.1-5 s, frames flagged) and the damage stays, unflagged, until the key frame at 6 s
    // (score 3.5-10).
    expected: [
      { detector: 'blockiness', startSeconds: 4, endSeconds: 6 },
      { detector: 'decode-error', startSeconds: 4, endSeconds: 5 },
    ],
    build: (path) =>
      writeWithPacketLoss(path, naturalVideo({ codec: 'mpeg2video', options: {}, bitRate: 2_000_000 }), 4, 5),
  },
];
