/**
 * Black picture: at least `minBlackRatio` of the picture's pixels have luma at most `pixelThreshold` above
 * black level, for at least `minDurationSeconds`. Letterbox or pillarbox bars cover far less than 98% of
 * the picture, and a dark scene with detail has enough pixels above the threshold, so neither is black.
 */
import { z } from 'zod';
import { ConditionSpan } from '../condition-span.js';
import { defineDetector, type EventTransition } from '../contract.js';
import { lumaSample, meanLuma, ratioAtOrBelow } from '../../media/features/luma-sample.js';
import { round3 } from '../numbers.js';

const configSchema = z.object({
  minDurationSeconds: z.number().positive().default(2),
  /** 0-1 of the nominal luma range above black level. */
  pixelThreshold: z.number().min(0).max(1).default(0.1),
  minBlackRatio: z.number().min(0).max(1).default(0.98),
});

export const blackDetector = defineDetector({
  id: 'black',
  version: '1.0.0',
  description: 'Black picture for longer than the minimum duration',
  needs: { video: true, audio: false },
  fullLumaPerSecond: () => 0,
  configSchema,
  create(config) {
    let minRatioInEvent = 1;
    const span = new ConditionSpan({
      keyPrefix: 'black',
      minDurationSeconds: config.minDurationSeconds,
      severity: 'critical',
      openDetails: () => ({ blackRatio: round3(minRatioInEvent) }),
      closeDetails: () => ({ blackRatio: round3(minRatioInEvent) }),
    });
    return {
      analyze(chunk) {
        const transitions: EventTransition[] = [];
        let blackFrames = 0;
        let ratioSum = 0;
        let lumaSum = 0;
        for (const frame of chunk.video) {
          const sample = lumaSample(frame);
          const threshold = frame.blackLevel + config.pixelThreshold * (frame.whiteLevel - frame.blackLevel);
          const ratio = ratioAtOrBelow(sample, threshold);
          const isBlack = ratio >= config.minBlackRatio;
          if (isBlack) {
            blackFrames += 1;
            minRatioInEvent = span.active ? Math.min(minRatioInEvent, ratio) : ratio;
          }
          ratioSum += ratio;
          lumaSum += meanLuma(sample);
          span.observe(frame.timeSeconds, frame.timeSeconds + frame.durationSeconds, isBlack, transitions);
        }
        const frames = chunk.video.length;
        return {
          measurements: {
            blackRatio: frames ? round3(ratioSum / frames) : null,
            meanLuma: frames ? round3(lumaSum / frames) : null,
            blackFrames,
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
