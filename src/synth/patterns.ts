/** Deterministic synthetic pictures and sounds for fixtures and benchmarks. */
import type { PicturePlanes } from './clip-writer.js';

/** A moving, textured picture: never black, never still. `phase` picks the frame's position. */
export function drawMovingPattern(planes: PicturePlanes, phase: number): void {
  const { y, u, v, strideY, strideC, width, height } = planes;
  const shift = Math.round(phase * 4);
  const boxSize = Math.max(8, Math.floor(height / 4));
  const boxX = Math.floor((phase * 7) % Math.max(1, width - boxSize));
  const boxY = Math.floor(height / 3);
  for (let row = 0; row < height; row++) {
    const base = row * strideY;
    const inBoxRow = row >= boxY && row < boxY + boxSize;
    for (let col = 0; col < width; col++) {
      let value = 48 + ((((col + shift) >> 3) * 13 + (row >> 3) * 7 + ((col * row) >> 6)) % 140);
      if (inBoxRow && col >= boxX && col < boxX + boxSize) value = 220;
      y[base + col] = value;
    }
  }
  const chromaHeight = height >> 1;
  const chromaWidth = width >> 1;
  for (let row = 0; row < chromaHeight; row++) {
    const base = row * strideC;
    for (let col = 0; col < chromaWidth; col++) {
      u[base + col] = 128 + ((col + shift) % 32) - 16;
      v[base + col] = 128 + (row % 32) - 16;
    }
  }
}

/** Uniform picture: luma `lumaValue`, neutral chroma. */
export function drawFlat(planes: PicturePlanes, lumaValue: number): void {
  for (let row = 0; row < planes.height; row++)
    planes.y.fill(lumaValue, row * planes.strideY, row * planes.strideY + planes.width);
  for (let row = 0; row < planes.height >> 1; row++) {
    planes.u.fill(128, row * planes.strideC, row * planes.strideC + (planes.width >> 1));
    planes.v.fill(128, row * planes.strideC, row * planes.strideC + (planes.width >> 1));
  }
}

/** Paints rows [0, bar) and [height - bar, height) black (letterbox). */
export function drawLetterbox(planes: PicturePlanes, barRows: number): void {
  for (let row = 0; row < planes.height; row++) {
    if (row >= barRows && row < planes.height - barRows) continue;
    planes.y.fill(16, row * planes.strideY, row * planes.strideY + planes.width);
  }
}

/** A dark scene with detail: luma 16-60, moving. */
export function drawDarkDetail(planes: PicturePlanes, phase: number): void {
  const { y, strideY, width, height } = planes;
  const shift = Math.round(phase * 3);
  for (let row = 0; row < height; row++) {
    for (let col = 0; col < width; col++) {
      y[row * strideY + col] = 16 + ((((col + shift) >> 2) * 5 + (row >> 2) * 3) % 45);
    }
  }
  for (let row = 0; row < height >> 1; row++) {
    planes.u.fill(128, row * planes.strideC, row * planes.strideC + (width >> 1));
    planes.v.fill(128, row * planes.strideC, row * planes.strideC + (width >> 1));
  }
}

/** A sine tone at `levelDbfs` (0 dBFS = full-scale peak) and `frequencyHz`, sample `index` at `sampleRate`. */
export function tone(index: number, sampleRate: number, frequencyHz: number, levelDbfs: number): number {
  return 10 ** (levelDbfs / 20) * Math.sin((2 * Math.PI * frequencyHz * index) / sampleRate);
}

/** Programme-like sound: two tones with a slow swell, about -20 dBFS, never silent. */
export function programmeSound(index: number, sampleRate: number, channel: number): number {
  const swell = 0.75 + 0.25 * Math.sin((2 * Math.PI * 0.3 * index) / sampleRate);
  return swell * (tone(index, sampleRate, 440 + channel * 110, -22) + tone(index, sampleRate, 1250, -28));
}

/** A sine at `drive` times full scale, hard-clipped at full scale (drive 2 is 6 dB into clipping). */
export function clippedTone(index: number, sampleRate: number, frequencyHz: number, drive: number): number {
  return Math.max(-1, Math.min(1, drive * Math.sin((2 * Math.PI * frequencyHz * index) / sampleRate)));
}
