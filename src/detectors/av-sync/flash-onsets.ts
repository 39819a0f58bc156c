/**
 * Finds the onsets of short full-frame flashes (a sync test pattern's white frame on a dark picture) from
 * each frame's mean luma. A flash is a jump of at least `minJump` of the nominal luma range that falls back
 * within `maxFlashSeconds`: a cut to a bright scene stays bright, so it is not a flash.
 */
import type { VideoFrame } from '../../media/chunk.js';
import { lumaSample, meanLuma } from '../../media/features/luma-sample.js';

export interface FlashRules {
  /** Rise of the mean luma from one frame to the next, 0-1 of the nominal range (black to white level). */
  readonly minJump: number;
  readonly maxFlashSeconds: number;
}

interface Candidate {
  readonly onsetSeconds: number;
  readonly baseLevel: number;
  peakLevel: number;
}

/** Frames further apart than this do not make a jump (a stall or a cut in the input in between). */
const maxFrameGapSeconds = 0.5;

export class FlashOnsets {
  private previousLevel: number | null = null;
  private previousEndSeconds = 0;
  private candidate: Candidate | null = null;

  constructor(private readonly rules: FlashRules) {}

  /** Feeds the next frame; returns the onset time of a flash that has just ended, if one has. */
  push(frame: VideoFrame): number | null {
    const range = Math.max(1, frame.whiteLevel - frame.blackLevel);
    const level = (meanLuma(lumaSample(frame)) - frame.blackLevel) / range;
    const contiguous = frame.timeSeconds - this.previousEndSeconds <= maxFrameGapSeconds;
    const previous = contiguous ? this.previousLevel : null;
    this.previousLevel = level;
    this.previousEndSeconds = frame.timeSeconds + frame.durationSeconds;
    if (!contiguous) this.candidate = null;

    const candidate = this.candidate;
    if (candidate === null) {
      if (previous !== null && level - previous >= this.rules.minJump) {
        this.candidate = { onsetSeconds: frame.timeSeconds, baseLevel: previous, peakLevel: level };
      }
      return null;
    }
    candidate.peakLevel = Math.max(candidate.peakLevel, level);
    if (level <= (candidate.baseLevel + candidate.peakLevel) / 2) {
      this.candidate = null;
      return candidate.onsetSeconds;
    }
    // Still bright: a flash this long is a cut to a bright picture.
    if (
      frame.timeSeconds + frame.durationSeconds - candidate.onsetSeconds >
      this.rules.maxFlashSeconds + 1e-6
    ) {
      this.candidate = null;
    }
    return null;
  }
}
