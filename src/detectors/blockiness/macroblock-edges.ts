/**
 * How much of a picture's macroblock grid shows as visible edges, beyond what the picture's own texture and
 * its 8x8 transform grid explain.
 *
 * The luma plane is cut by lines every 8 pixels, from the top-left corner (where the decoder's block grid
 * starts), into segments 16 pixels long (every other pixel of a segment is read). A segment is a *visible
 * edge* when the mean absolute luma step across it is at least `minStepLevels` code values and at least
 * `edgeContrast` times the step across the parallel lines 8 pixels to either side (+1 level, so flat
 * surroundings need a real step). Lines at multiples of 16 are macroblock edges; lines at 8, 24, 40, ...
 * are the 8x8 transform edges inside macroblocks and serve as the control. The score is the share of
 * macroblock-edge segments that are visible minus the share of control segments that are, in percent
 * (0-100, never negative).
 *
 * Why this shape: heavy quantisation in H.264/MPEG-2 and decoder error concealment both work per 16x16
 * macroblock, so their edges stand out on the 16 grid; natural edges fall on either set of lines alike and
 * cancel; and a plain 8x8 JPEG grid (MJPEG, ../shared/media/diver.mov), which must not alarm, shows equally
 * on both sets of lines and compares each line with neighbours of its own kind. See docs/DETECTORS.md.
 */
import type { VideoFrame } from '../../media/chunk.js';

export interface MacroblockEdgeOptions {
  /** Smallest mean step across a segment, in luma code values, that counts as visible. */
  readonly minStepLevels: number;
  /** How many times stronger than the parallel lines 8 pixels away a visible edge must be. */
  readonly edgeContrast: number;
}

export interface MacroblockEdgeCounts {
  /** Macroblock-edge segments (lines at multiples of 16) examined, and how many were visible edges. */
  readonly gridSegments: number;
  readonly gridVisible: number;
  /** Control segments (lines at odd multiples of 8) examined, and how many were visible edges. */
  readonly controlSegments: number;
  readonly controlVisible: number;
}

const segmentLength = 16;
const lineSpacing = 8;
/** Every other pixel along a segment is enough to tell a block edge and halves the memory read. */
const alongStep = 2;
const samplesPerSegment = segmentLength / alongStep;

/** Visible-edge share on the macroblock grid minus that on the 8x8 control lines, in percent (0-100). */
export function macroblockEdgeScore(frame: VideoFrame, options: MacroblockEdgeOptions): number {
  const counts = countMacroblockEdges(frame, options);
  if (counts.gridSegments === 0 || counts.controlSegments === 0) return 0;
  const excess = counts.gridVisible / counts.gridSegments - counts.controlVisible / counts.controlSegments;
  return Math.max(0, 100 * excess);
}

export function countMacroblockEdges(
  frame: VideoFrame,
  options: MacroblockEdgeOptions,
): MacroblockEdgeCounts {
  const counts = { gridSegments: 0, gridVisible: 0, controlSegments: 0, controlVisible: 0 };
  const minSum = options.minStepLevels * samplesPerSegment;
  const { luma, lumaStride: stride, width, height } = frame;
  if (!luma) return counts;
  const lineCountX = Math.floor((width - 1) / lineSpacing);
  const lineCountY = Math.floor((height - 1) / lineSpacing);
  // Sum of |step| over the samples of one 16-pixel segment of each line (small integers).
  const sums = new Int32Array(Math.max(lineCountX, lineCountY) + 1);

  // Vertical lines (steps between columns x-1 and x, x = 8m), in segments of 16 rows.
  for (let top = 0; top + segmentLength <= height; top += segmentLength) {
    sums.fill(0);
    for (let y = top; y < top + segmentLength; y += alongStep) {
      let at = y * stride;
      for (let m = 1; m <= lineCountX; m++) {
        at += lineSpacing;
        sums[m] = (sums[m] as number) + Math.abs((luma[at] as number) - (luma[at - 1] as number));
      }
    }
    classify(sums, lineCountX, minSum, options.edgeContrast, counts);
  }

  // Horizontal lines (steps between rows y-1 and y, y = 8m), in segments of 16 columns.
  for (let left = 0; left + segmentLength <= width; left += segmentLength) {
    for (let m = 1; m <= lineCountY; m++) {
      const below = m * lineSpacing * stride + left;
      const above = below - stride;
      let sum = 0;
      for (let x = 0; x < segmentLength; x += alongStep) {
        sum += Math.abs((luma[below + x] as number) - (luma[above + x] as number));
      }
      sums[m] = sum;
    }
    classify(sums, lineCountY, minSum, options.edgeContrast, counts);
  }
  return counts;
}

/** Tests every line that has a neighbour on both sides; even lines are macroblock edges, odd lines control. */
function classify(
  sums: Int32Array,
  lineCount: number,
  minSum: number,
  edgeContrast: number,
  counts: { gridSegments: number; gridVisible: number; controlSegments: number; controlVisible: number },
): void {
  for (let m = 2; m < lineCount; m++) {
    const step = sums[m] as number;
    const parallel = Math.max(sums[m - 1] as number, sums[m + 1] as number);
    const visible = step >= minSum && step >= edgeContrast * parallel + samplesPerSegment;
    if (m % 2 === 0) {
      counts.gridSegments += 1;
      if (visible) counts.gridVisible += 1;
    } else {
      counts.controlSegments += 1;
      if (visible) counts.controlVisible += 1;
    }
  }
}
