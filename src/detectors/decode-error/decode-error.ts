/**
 * Decode errors: frames the decoder marks as corrupt or concealed, and packets it rejects. Errors within
 * `mergeGapSeconds` of each other make one event. Packets refused before a stream's first decoded picture
 * or sound are not counted (decode-input.ts): a live input is joined mid-stream, and the decoder waits for
 * a key frame.
 */
import { z } from 'zod';
import { ConditionSpan } from '../condition-span.js';
import { defineDetector, type EventTransition } from '../contract.js';

const configSchema = z.object({
  mergeGapSeconds: z.number().min(0).default(1),
});

export const decodeErrorDetector = defineDetector({
  id: 'decode-error',
  version: '1.0.0',
  description: 'Frames the decoder reports as corrupt or concealed, and packets it rejects',
  needs: { video: true, audio: true },
  fullLumaPerSecond: () => 0,
  configSchema,
  create(config) {
    let corruptFrames = 0;
    let rejectedPackets = 0;
    const span = new ConditionSpan({
      keyPrefix: 'decode-error',
      minDurationSeconds: 0,
      mergeGapSeconds: config.mergeGapSeconds,
      severity: 'warning',
      openDetails: () => ({ corruptFrames, rejectedPackets }),
      closeDetails: () => ({ corruptFrames, rejectedPackets }),
    });
    return {
      analyze(chunk) {
        const transitions: EventTransition[] = [];
        let chunkCorrupt = 0;
        if (!span.active) {
          corruptFrames = 0;
          rejectedPackets = 0;
        }
        if (chunk.decodeErrorCount > 0) {
          rejectedPackets += chunk.decodeErrorCount;
          const at = chunk.video[0]?.timeSeconds ?? chunk.startSeconds;
          span.observe(at, at + 0.001, true, transitions);
        }
        for (const frame of chunk.video) {
          const end = frame.timeSeconds + frame.durationSeconds;
          if (frame.corrupt) {
            chunkCorrupt += 1;
            corruptFrames += 1;
          }
          span.observe(frame.timeSeconds, end, frame.corrupt, transitions);
        }
        if (chunk.video.length === 0) span.observe(chunk.startSeconds, chunk.endSeconds, false, transitions);
        return {
          measurements: { corruptFrames: chunkCorrupt, rejectedPackets: chunk.decodeErrorCount },
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
