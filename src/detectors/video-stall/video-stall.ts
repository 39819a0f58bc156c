/**
 * Video stall: no new video frames for more than `minGapSeconds` while the input goes on (its audio, or
 * simply later video: a gap in the video timestamps). The stall starts where the last frame before the gap
 * ends and ends at the next frame, or at the end of the input. A chunk that has no frames at all while the
 * input has a video stream opens the event as soon as the gap is long enough, so a live stall is reported
 * while it lasts.
 *
 * A frame's own duration is not trusted on its own: a container that stores durations as timestamp
 * differences (MP4) gives the last frame before a gap the whole gap as its duration. The frame interval
 * the stream usually has caps it.
 */
import { z } from 'zod';
import { defineDetector, type EventTransition } from '../contract.js';
import { round3 } from '../numbers.js';

const configSchema = z.object({
  minGapSeconds: z.number().positive().default(1),
});

/** Intervals between frame starts remembered for the usual frame interval. */
const intervalHistory = 25;

export const videoStallDetector = defineDetector({
  id: 'video-stall',
  version: '1.0.0',
  description: 'No new video frames for longer than the minimum gap while the input goes on',
  // Audio is decoded too: without it, a stall at the end of the input could not be told from its end.
  needs: { video: true, audio: true },
  fullLumaPerSecond: () => 0,
  configSchema,
  create(config) {
    const intervals: number[] = [];
    let lastStartSeconds: number | null = null;
    let lastEndSeconds: number | null = null;
    let openKey: string | null = null;
    let openStartSeconds = 0;
    let stallCount = 0;
    let longestStallSeconds = 0;

    const usualIntervalSeconds = (): number | null => {
      if (intervals.length < 3) return null;
      const sorted = [...intervals].sort((a, b) => a - b);
      return sorted[Math.floor(sorted.length / 2)] ?? null;
    };

    const shownSeconds = (durationSeconds: number): number => {
      const usual = usualIntervalSeconds();
      if (usual === null) return durationSeconds;
      return durationSeconds > 0 ? Math.min(durationSeconds, usual) : usual;
    };

    const open = (startSeconds: number, out: EventTransition[]): void => {
      stallCount += 1;
      openKey = `stall#${stallCount}`;
      openStartSeconds = startSeconds;
      out.push({ kind: 'open', key: openKey, startSeconds, severity: 'critical', details: {} });
    };

    const close = (endSeconds: number, out: EventTransition[]): void => {
      if (openKey === null) return;
      const gapSeconds = Math.max(0, endSeconds - openStartSeconds);
      longestStallSeconds = Math.max(longestStallSeconds, gapSeconds);
      out.push({ kind: 'close', key: openKey, endSeconds, details: { gapSeconds: round3(gapSeconds) } });
      openKey = null;
    };

    const isLongGap = (gapSeconds: number): boolean => gapSeconds - config.minGapSeconds > 1e-6;

    return {
      analyze(chunk) {
        const transitions: EventTransition[] = [];
        let longestGapSeconds = 0;
        for (const frame of chunk.video) {
          const startSeconds = frame.timeSeconds;
          if (lastStartSeconds !== null && lastEndSeconds !== null) {
            const interval = startSeconds - lastStartSeconds;
            const gapSeconds = startSeconds - lastEndSeconds;
            longestGapSeconds = Math.max(longestGapSeconds, gapSeconds);
            if (openKey === null && isLongGap(gapSeconds)) open(lastEndSeconds, transitions);
            if (openKey !== null) {
              close(Math.max(startSeconds, openStartSeconds), transitions);
            } else if (interval > 0) {
              // Only ordinary intervals: the gap itself must not become the usual interval.
              intervals.push(interval);
              if (intervals.length > intervalHistory) intervals.shift();
            }
          }
          if (lastStartSeconds === null || startSeconds >= lastStartSeconds) {
            lastStartSeconds = startSeconds;
            lastEndSeconds = startSeconds + shownSeconds(frame.durationSeconds);
          }
        }
        if (lastEndSeconds !== null && chunk.hasVideoStream) {
          const sinceLastSeconds = chunk.endSeconds - lastEndSeconds;
          longestGapSeconds = Math.max(longestGapSeconds, sinceLastSeconds);
          if (openKey === null && isLongGap(sinceLastSeconds)) open(lastEndSeconds, transitions);
        }
        return { measurements: { videoGapSeconds: round3(Math.max(0, longestGapSeconds)) }, transitions };
      },
      finish(endSeconds) {
        const transitions: EventTransition[] = [];
        if (openKey === null && lastEndSeconds !== null && isLongGap(endSeconds - lastEndSeconds)) {
          open(lastEndSeconds, transitions);
        }
        close(Math.max(endSeconds, openStartSeconds), transitions);
        return {
          transitions,
          summary: { stalls: stallCount, longestStallSeconds: round3(longestStallSeconds) },
        };
      },
    };
  },
});
