/**
 * Blockiness: visible edges on the 16x16 macroblock grid, far above what the picture's texture and its 8x8
 * transform grid explain (see `macroblock-edges.ts` for the per-picture score). Catches heavy quantisation
 * and decoder error concealment even where the decoder reports nothing.
 *
 * Sampled: about `framesPerSecond` pictures a second (the first frame at or after each 1/framesPerSecond
 * step), every row and column on the 8-pixel lines of each sampled picture. A sampled picture counts as
 * blocky when the median score of it and the two sampled before it reaches `thresholdPercent` (one odd
 * picture neither raises nor breaks an event); an event needs that for `minDurationSeconds` and starts at
 * the first blocky picture of the run. Frames between samples carry the last sample's state.
 */
import { z } from 'zod';
import { ConditionSpan } from '../condition-span.js';
import { defineDetector, type EventTransition } from '../contract.js';
import { round1 } from '../numbers.js';
import { macroblockEdgeScore } from './macroblock-edges.js';

const configSchema = z.object({
  minDurationSeconds: z.number().positive().default(1),
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
  version: '1.0.0',
  description: 'Visible edges on the macroblock grid (heavy quantisation, error concealment)',
  needs: { video: true, audio: false },
  configSchema,
  create(config) {
    const sampleIntervalSeconds = 1 / config.framesPerSecond;
    let nextSampleSeconds = -Infinity;
    const recent: Sample[] = [];
    let blocky = false;
    let maxScoreInEvent = 0;
    let scoreSumInEvent = 0;
    let samplesInEvent = 0;
    const span = new ConditionSpan({
      keyPrefix: 'blockiness',
      minDurationSeconds: config.minDurationSeconds,
      severity: 'warning',
      openDetails: () => ({ maxScorePercent: round1(maxScoreInEvent) }),
      closeDetails: () => ({
        maxScorePercent: round1(maxScoreInEvent),
        meanScorePercent: round1(samplesInEvent ? scoreSumInEvent / samplesInEvent : 0),
      }),
    });

    /** Scores one sampled picture; returns the time the blocky run starts at if this sample is blocky. */
    function sample(timeSeconds: number, scorePercent: number): number | null {
      recent.push({ timeSeconds, scorePercent });
      if (recent.length > 3) recent.shift();
      const [a, b, c] = recent;
      const filtered = a && b && c ? median3(a.scorePercent, b.scorePercent, c.scorePercent) : 0;
      if (filtered < config.thresholdPercent) return null;
      const firstHit = recent.find((s) => s.scorePercent >= config.thresholdPercent);
      return firstHit ? firstHit.timeSeconds : timeSeconds;
    }

    return {
      analyze(chunk) {
        const transitions: EventTransition[] = [];
        let scoreSum = 0;
        let scoreMax = 0;
        let sampled = 0;
        for (const frame of chunk.video) {
          const endSeconds = frame.timeSeconds + frame.durationSeconds;
          let startSeconds = frame.timeSeconds;
          if (frame.timeSeconds >= nextSampleSeconds - 1e-6) {
            nextSampleSeconds += sampleIntervalSeconds;
            if (nextSampleSeconds <= frame.timeSeconds)
              nextSampleSeconds = frame.timeSeconds + sampleIntervalSeconds;
            const score = macroblockEdgeScore(frame, config);
            sampled += 1;
            scoreSum += score;
            scoreMax = Math.max(scoreMax, score);
            const runStart = sample(frame.timeSeconds, score);
            const wasBlocky = blocky;
            blocky = runStart !== null;
            if (blocky && !span.active) {
              maxScoreInEvent = 0;
              scoreSumInEvent = 0;
              samplesInEvent = 0;
            }
            if (blocky) {
              maxScoreInEvent = Math.max(maxScoreInEvent, score);
              scoreSumInEvent += score;
              samplesInEvent += 1;
              if (!wasBlocky && runStart !== null) startSeconds = Math.min(startSeconds, runStart);
            }
          }
          span.observe(startSeconds, endSeconds, blocky, transitions);
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
