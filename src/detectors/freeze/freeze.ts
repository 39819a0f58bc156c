/**
 * Frozen picture: each frame differs from the first frame of the still run by less than `noiseDb`
 * (mean absolute luma difference relative to full scale), for at least `minDurationSeconds`. Comparing
 * against the run's first frame, not the previous one, keeps slow fades and pans from looking frozen.
 * Frames repeated by frame-rate conversion only make runs of a few frames. Black frames end a run:
 * black is reported by the black detector, not also as a freeze.
 */
import { z } from 'zod';
import { ConditionSpan } from '../condition-span.js';
import { defineDetector, type EventTransition } from '../contract.js';
import {
  lumaSample,
  meanAbsoluteDifference,
  ratioAtOrBelow,
  type LumaSample,
} from '../../media/features/luma-sample.js';
import { amplitudeToDbfs, dbfsToAmplitude, round1 } from '../numbers.js';

const configSchema = z.object({
  minDurationSeconds: z.number().positive().default(2),
  noiseDb: z.number().max(0).default(-60),
  /** Frames the black rule calls black (10% above black level on 98% of pixels) never count as frozen. */
  ignoreBlackFrames: z.boolean().default(true),
});

export const freezeDetector = defineDetector({
  id: 'freeze',
  version: '1.0.0',
  description: 'Frozen picture for longer than the minimum duration',
  needs: { video: true, audio: false },
  configSchema,
  create(config) {
    const maxDifference = dbfsToAmplitude(config.noiseDb);
    let reference: LumaSample | null = null;
    let referenceStartSeconds = 0;
    let largestDifferenceInRun = 0;
    const span = new ConditionSpan({
      keyPrefix: 'freeze',
      minDurationSeconds: config.minDurationSeconds,
      severity: 'critical',
      closeDetails: () => ({ maxDifferenceDb: round1(amplitudeToDbfs(Math.max(largestDifferenceInRun, 1e-9))) }),
    });
    return {
      analyze(chunk) {
        const transitions: EventTransition[] = [];
        let stillFrames = 0;
        let differenceSum = 0;
        let compared = 0;
        for (const frame of chunk.video) {
          const sample = lumaSample(frame);
          const endSeconds = frame.timeSeconds + frame.durationSeconds;
          const blackThreshold = frame.blackLevel + 0.1 * (frame.whiteLevel - frame.blackLevel);
          if (config.ignoreBlackFrames && ratioAtOrBelow(sample, blackThreshold) >= 0.98) {
            reference = null;
            span.observe(frame.timeSeconds, endSeconds, false, transitions);
            continue;
          }
          const difference = reference ? meanAbsoluteDifference(sample, reference) : 1;
          if (reference) {
            differenceSum += difference;
            compared += 1;
          }
          if (reference && difference < maxDifference) {
            stillFrames += 1;
            if (!span.active) largestDifferenceInRun = 0;
            largestDifferenceInRun = Math.max(largestDifferenceInRun, difference);
            span.observe(referenceStartSeconds, endSeconds, true, transitions);
          } else {
            span.observe(frame.timeSeconds, endSeconds, false, transitions);
            reference = sample;
            referenceStartSeconds = frame.timeSeconds;
          }
        }
        return {
          measurements: {
            stillFrames,
            meanDifferenceDb: compared ? round1(amplitudeToDbfs(Math.max(differenceSum / compared, 1e-9))) : null,
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
