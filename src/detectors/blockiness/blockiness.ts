/**
 * Blockiness: visible edges on the 16x16 macroblock grid, far above what the picture's texture and its 8x8
 * transform grid explain (see `macroblock-edges.ts` for the per-picture score). Catches heavy quantisation
 * and decoder error concealment even where the decoder reports nothing.
 *
 * Sampled: about `framesPerSecond` pictures a second (the first frame at or after each 1/framesPerSecond
 * step); on each, every other pixel along the lines every 8 pixels (about a quarter of the luma samples; at
 * 1080p30 about 0.06x the decode CPU). A sampled picture counts as blocky when the median score of it and
 * the two sampled before it reaches `thresholdPercent` (one odd picture neither raises nor breaks an
 * event); an event needs that for `minDurationSeconds`, with pauses up to `mergeGapSeconds` bridged, and
 * starts at the first blocky picture of the run. Frames between samples carry the last sample's state.
 */
import { z } from 'zod';
import { ConditionSpan } from '../condition-span.js';
import { defineDetector, type EventTransition } from '../contract.js';
import { round1 } from '../numbers.js';
import { PictureSampler } from '../../media/features/picture-sampler.js';
import { macroblockEdgeScore } from './macroblock-edges.js';

const configSchema = z.object({
  minDurationSeconds: z.number().positive().default(1),
  /** Pauses shorter than this (damage that flickers around the threshold) do not split an event. */
  mergeGapSeconds: z.number().min(0).default(0.3),
  /** Share of macroblock edges that are visible, beyond the 8x8 control lines, in percent. */
  thresholdPercent: z.number().positive().max(100).default(4),
  /** Mean luma step across a 16-pixel edge segment that counts as visible, in code values. */
  minStepLevels: z.number().positive().default(6),
  /** A visible edge is this many times stronger than the parallel lines 8 pixels away. */
  edgeContrast: z.number().min(1).default(2),
  /** Pictures analysed per second (the rest are skipped). */
  framesPerSecond: z.number().positive().max(120).default(10),
});

interface Sample {
  readonly timeSeconds: number;
  readonly scorePercent: number;
}

/** Median of three, the shortest filter that ignores one odd value either way. */
function median3(a: number, b: number, c: number): number {
  return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
}

export const blockinessDetector = defineDetector({
  id: 'blockiness',
  version: '1.0.1',
  description: 'Visible edges on the macroblock grid (heavy quantisation, error concealment)',
  needs: { video: true, audio: false },
  fullLumaPerSecond: (config) => config.framesPerSecond,
  configSchema,
  create(config) {
    const sampleIntervalSeconds = 1 / config.framesPerSecond;
    const sampler = new PictureSampler(config.framesPerSecond);
    const recent: Sample[] = [];
    let blocky = false;
    let maxScoreInEvent = 0;
    let scoreSumInEvent = 0;
    let samplesInEvent = 0;
    const span = new ConditionSpan({
      keyPrefix: 'blockiness',
      minDurationSeconds: config.minDurationSeconds,
      mergeGapSeconds: config.mergeGapSeconds,
      severity: 'warning',
      openDetails: () => ({ maxScorePercent: round1(maxScoreInEvent) }),
      closeDetails: () => ({
        maxScorePercent: round1(maxScoreInEvent),
        meanScorePercent: round1(samplesInEvent ? scoreSumInEvent / samplesInEvent : 0),
      }),
    });

    /** The time the blocky run including this sample starts at, or null if this sample is not blocky. */
    function blockyRunStart(timeSeconds: number, scorePercent: number): number | null {
      // After a gap in the pictures (a stall, a cut), older samples say nothing about the picture now.
      const last = recent[recent.length - 1];
      if (last && timeSeconds - last.timeSeconds > 3 * sampleIntervalSeconds) recent.length = 0;
      recent.push({ timeSeconds, scorePercent });
      if (recent.length > 3) recent.shift();
      const [a, b, c] = recent;
      if (!a || !b || !c) return null;
      if (median3(a.scorePercent, b.scorePercent, c.scorePercent) < config.thresholdPercent) return null;
      return recent.find((s) => s.scorePercent >= config.thresholdPercent)?.timeSeconds ?? timeSeconds;
    }

    return {
      analyze(chunk) {
        const transitions: EventTransition[] = [];
        let scoreSum = 0;
        let scoreMax = 0;
        let sampled = 0;
        for (const frame of chunk.video) {
          let startSeconds = frame.timeSeconds;
          // The media layer keeps full-resolution luma for the pictures this same rule picks.
          if (frame.luma && sampler.takes(frame.timeSeconds)) {
            const score = macroblockEdgeScore(frame, config);
            sampled += 1;
            scoreSum += score;
            scoreMax = Math.max(scoreMax, score);
            const runStart = blockyRunStart(frame.timeSeconds, score);
            if (runStart !== null && !blocky) {
              startSeconds = runStart;
              if (!span.active) {
                maxScoreInEvent = 0;
                scoreSumInEvent = 0;
                samplesInEvent = 0;
              }
            }
            blocky = runStart !== null;
            if (blocky) {
              maxScoreInEvent = Math.max(maxScoreInEvent, score);
              scoreSumInEvent += score;
              samplesInEvent += 1;
            }
          }
          span.observe(startSeconds, frame.timeSeconds + frame.durationSeconds, blocky, transitions);
        }
        return {
          measurements: {
            blockinessScore: sampled ? round1(scoreSum / sampled) : null,
            blockinessScoreMax: sampled ? round1(scoreMax) : null,
            sampledFrames: sampled,
          },
          transitions,
        };
      },
      finish() {
        const transitions: EventTransition[] = [];
        span.finish(transitions);
        return { transitions };
      },
    };
  },
});
