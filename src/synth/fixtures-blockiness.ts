/** Fault fixtures for the blockiness detector. */
import type { PicturePlanes } from './clip-writer.js';
import type { Fixture } from './fixtures.js';

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

export const blockinessFixtures: readonly Fixture[] = [];
