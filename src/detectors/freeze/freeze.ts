/**
 * Frozen picture: every frame matches the first frame of the still run, for at least `minDurationSeconds`.
 * A frame matches when its mean absolute luma difference is below `noiseDb` (relative to full scale) and no
 * block of about 32x32 pixels changed by more than `maxBlockChangeLevels` on average: a still slide with one
 * blinking element is not frozen to a viewer. Comparing against the run's first frame, not the previous one,
 * keeps slow fades and pans from looking frozen. A key frame that re-codes the same picture differs a little
 * (requantisation): up to `keyFrameRefreshDb` it continues the run. Frames repeated by frame-rate conversion
 * only make runs of a few frames. Black frames end a run: black is reported as black, not also as freeze.
 *
 * The default duration is longer than FFmpeg's 2 s because real programmes hold still pictures for 2-3 s
 * (measured on ../shared/media: a slideshow holds 3.1 s, a logo 2.4 s): see docs/DETECTORS.md.
 */
import { z } from 'zod';
import { ConditionSpan } from '../condition-span.js';
import { defineDetector, type EventTransition } from '../contract.js';
import {
  compareLuma,
  lumaSample,
  ratioAtOrBelow,
  type LumaSample,
} from '../../media/features/luma-sample.js';
import { amplitudeToDbfs, dbfsToAmplitude, round1 } from '../numbers.js';

const configSchema = z.object({
  minDurationSeconds: z.number().positive().default(4),
  noiseDb: z.number().max(0).default(-60),
  maxBlockChangeLevels: z.number().positive().default(3),
  keyFrameRefreshDb: z.number().max(0).default(-45),
  /** Changes this small right before a still run are the encoder settling: the run starts before them. */
  settleDb: z.number().max(0).default(-40),
  maxSettleSeconds: z.number().min(0).default(1),
  /** Frames the black rule calls black (10% above black level on 98% of pixels) never count as frozen. */
  ignoreBlackFrames: z.boolean().default(true),
});

export const freezeDetector = defineDetector({
  id: 'freeze',
  version: '1.2.0',
  description: 'Frozen picture for longer than the minimum duration',
  needs: { video: true, audio: false },
  fullLumaPerSecond: () => 0,
  configSchema,
  create(config) {
    const maxDifference = dbfsToAmplitude(config.noiseDb);
    const maxRefreshDifference = dbfsToAmplitude(config.keyFrameRefreshDb);
    const maxSettleDifference = dbfsToAmplitude(config.settleDb);
    let reference: LumaSample | null = null;
    let referenceStartSeconds = 0;
    let largestDifferenceInRun = 0;
    const span = new ConditionSpan({
      keyPrefix: 'freeze',
      minDurationSeconds: config.minDurationSeconds,
      severity: 'critical',
      closeDetails: () => ({
        maxDifferenceDb: round1(amplitudeToDbfs(Math.max(largestDifferenceInRun, 1e-9))),
      }),
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
          if (!reference) {
            reference = sample;
            referenceStartSeconds = frame.timeSeconds;
            continue;
          }
          const comparison = compareLuma(sample, reference);
          differenceSum += comparison.meanDifference;
          compared += 1;
          const localStill = comparison.maxBlockDifference <= config.maxBlockChangeLevels;
          const still = localStill && comparison.meanDifference < maxDifference;
          // A key frame re-codes the whole picture: its requantisation noise can move a detailed block by a
          // few code values more than P-frames do.
          const refresh =
            !still &&
            frame.keyFrame &&
            comparison.maxBlockDifference <= 4 * config.maxBlockChangeLevels &&
            comparison.meanDifference < maxRefreshDifference;
          if (still || refresh) {
            stillFrames += 1;
            if (!span.active) largestDifferenceInRun = 0;
            largestDifferenceInRun = Math.max(largestDifferenceInRun, comparison.meanDifference);
            span.observe(referenceStartSeconds, endSeconds, true, transitions);
            if (refresh) reference = sample;
          } else {
            span.observe(frame.timeSeconds, endSeconds, false, transitions);
            // The first frames after a picture freezes still change a little while the encoder refines
            // them: such small changes keep the run's start (up to `maxSettleSeconds` back).
            const settling =
              comparison.meanDifference < maxSettleDifference &&
              comparison.maxBlockDifference <= 4 * config.maxBlockChangeLevels &&
              frame.timeSeconds - referenceStartSeconds <= config.maxSettleSeconds;
            reference = sample;
            if (!settling) referenceStartSeconds = frame.timeSeconds;
          }
        }
        return {
          measurements: {
            stillFrames,
            meanDifferenceDb: compared
              ? round1(amplitudeToDbfs(Math.max(differenceSum / compared, 1e-9)))
              : null,
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
