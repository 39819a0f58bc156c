/**
 * Clipping: flat plateaus near full scale. A run is at least `minRunSamples` consecutive samples at or above
 * `levelDbfs` whose neighbours differ by at most `maxStepPerSample`: hard clipping in PCM is a run of
 * identical full-scale samples, and after a lossy codec the plateau survives as a nearly flat run somewhat
 * below 1.0 (AAC leaves it near 0.95). Isolated full-scale samples and short codec overshoots never count;
 * an event needs `minRunsPerEvent` runs, each within `mergeGapSeconds` of the last.
 *
 * Known weakness: a very loud low-frequency tone (below ~150 Hz, peaking above -1 dBFS) has a crest flat
 * enough to count; such content is already outside broadcast true-peak limits.
 */
import { z } from 'zod';
import { defineDetector, type EventTransition } from '../contract.js';
import { dbfsToAmplitude } from '../numbers.js';

const configSchema = z.object({
  levelDbfs: z.number().max(0).default(-1),
  maxStepPerSample: z.number().positive().default(0.004),
  minRunSamples: z.number().int().min(2).default(4),
  minRunsPerEvent: z.number().int().min(1).default(2),
  mergeGapSeconds: z.number().positive().default(1),
});

interface PendingEvent {
  startSeconds: number;
  lastRunEndSeconds: number;
  runs: number;
  clippedSamples: number;
  channels: Set<number>;
  key: string | null;
}

export const clippingDetector = defineDetector({
  id: 'clipping',
  version: '1.0.0',
  description: 'Runs of consecutive near-full-scale samples',
  needs: { video: false, audio: true },
  configSchema,
  create(config) {
    const level = dbfsToAmplitude(config.levelDbfs);
    let pending: PendingEvent | null = null;
    let eventCount = 0;

    const closePending = (out: EventTransition[]): void => {
      if (pending?.key) {
        out.push({
          kind: 'close',
          key: pending.key,
          endSeconds: pending.lastRunEndSeconds,
          details: {
            runs: pending.runs,
            clippedSamples: pending.clippedSamples,
            channels: [...pending.channels],
          },
        });
      }
      pending = null;
    };

    const addRun = (
      startSeconds: number,
      endSeconds: number,
      channel: number,
      length: number,
      out: EventTransition[],
    ) => {
      if (pending && startSeconds - pending.lastRunEndSeconds > config.mergeGapSeconds) closePending(out);
      pending ??= {
        startSeconds,
        lastRunEndSeconds: endSeconds,
        runs: 0,
        clippedSamples: 0,
        channels: new Set(),
        key: null,
      };
      pending.runs += 1;
      pending.clippedSamples += length;
      pending.channels.add(channel);
      pending.lastRunEndSeconds = Math.max(pending.lastRunEndSeconds, endSeconds);
      if (!pending.key && pending.runs >= config.minRunsPerEvent) {
        eventCount += 1;
        pending.key = `clipping#${eventCount}`;
        out.push({
          kind: 'open',
          key: pending.key,
          startSeconds: pending.startSeconds,
          severity: 'warning',
          details: {},
        });
      }
    };

    return {
      analyze(chunk) {
        const transitions: EventTransition[] = [];
        const audio = chunk.audio;
        if (!audio) return { measurements: {}, transitions };
        const runs: { start: number; end: number; channel: number }[] = [];
        audio.samples.forEach((samples, channel) => {
          let runStart = -1;
          let previous = 0;
          for (let i = 0; i <= samples.length; i++) {
            const value = i < samples.length ? (samples[i] ?? 0) : 0;
            const high = (value < 0 ? -value : value) >= level;
            const flat = runStart >= 0 && Math.abs(value - previous) <= config.maxStepPerSample;
            if (runStart >= 0 && !(high && flat)) {
              if (i - runStart >= config.minRunSamples) runs.push({ start: runStart, end: i, channel });
              runStart = -1;
            }
            if (high && runStart < 0) runStart = i;
            previous = value;
          }
        });
        runs.sort((a, b) => a.start - b.start);
        let clippedSamples = 0;
        for (const run of runs) {
          clippedSamples += run.end - run.start;
          addRun(
            audio.startSeconds + run.start / audio.sampleRate,
            audio.startSeconds + run.end / audio.sampleRate,
            run.channel,
            run.end - run.start,
            transitions,
          );
        }
        if (pending && chunk.endSeconds - pending.lastRunEndSeconds > config.mergeGapSeconds)
          closePending(transitions);
        return { measurements: { clippedRuns: runs.length, clippedSamples }, transitions };
      },
      finish() {
        const transitions: EventTransition[] = [];
        closePending(transitions);
        return { transitions };
      },
    };
  },
});
