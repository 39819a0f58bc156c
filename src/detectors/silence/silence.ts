/**
 * Silence: every sample of a channel below `thresholdDbfs` for at least `minDurationSeconds`. Each channel
 * is watched on its own and reported with its index (a warning); when every channel is silent at once,
 * one more event without a channel says so (critical). A mono input gets only the critical event.
 */
import { z } from 'zod';
import type { AudioBlock } from '../../media/chunk.js';
import { forEachLevelRun, maxAbsAcrossChannels, peakOf } from '../audio-runs.js';
import { ConditionSpan } from '../condition-span.js';
import { defineDetector, type EventTransition } from '../contract.js';
import { amplitudeToDbfs, dbfsToAmplitude, round1 } from '../numbers.js';

const configSchema = z.object({
  minDurationSeconds: z.number().positive().default(2),
  thresholdDbfs: z.number().max(0).default(-60),
});

export const silenceDetector = defineDetector({
  id: 'silence',
  version: '1.0.0',
  description: 'Silent audio channel, or all channels silent, for longer than the minimum duration',
  needs: { video: false, audio: true },
  configSchema,
  create(config) {
    const threshold = dbfsToAmplitude(config.thresholdDbfs);
    let channelSpans: ConditionSpan[] = [];
    let allSpan: ConditionSpan | null = null;
    let spansChannelCount = 0;

    const ensureSpans = (channelCount: number, out: EventTransition[]): void => {
      if (spansChannelCount === channelCount && allSpan) return;
      spansChannelCount = channelCount;
      for (const span of channelSpans) span.finish(out);
      allSpan?.finish(out);
      // Only float rounding between adjacent chunks may be bridged: a loud stretch of even one sample (a
      // tone's zero crossings are single quiet samples) ends a silent run.
      const gap = 1e-6;
      channelSpans =
        channelCount > 1
          ? Array.from(
              { length: channelCount },
              (_, channel) =>
                new ConditionSpan({
                  keyPrefix: `silence-ch${channel}`,
                  minDurationSeconds: config.minDurationSeconds,
                  mergeGapSeconds: gap,
                  severity: 'warning',
                  channel,
                }),
            )
          : [];
      allSpan = new ConditionSpan({
        keyPrefix: 'silence-all',
        minDurationSeconds: config.minDurationSeconds,
        mergeGapSeconds: gap,
        severity: 'critical',
        ...(channelCount === 1 ? { channel: 0 } : {}),
        openDetails: () => ({ allChannels: true, channelCount }),
      });
    };

    const track = (
      span: ConditionSpan,
      samples: Float32Array,
      audio: AudioBlock,
      out: EventTransition[],
    ): void => {
      forEachLevelRun(samples, threshold, (start, end, quiet) => {
        span.observe(
          audio.startSeconds + start / audio.sampleRate,
          audio.startSeconds + end / audio.sampleRate,
          quiet,
          out,
        );
      });
    };

    return {
      analyze(chunk) {
        const transitions: EventTransition[] = [];
        const audio = chunk.audio;
        if (!audio || audio.samples.length === 0) return { measurements: {}, transitions };
        ensureSpans(audio.samples.length, transitions);
        audio.samples.forEach((samples, channel) => {
          const span = channelSpans[channel];
          if (span) track(span, samples, audio, transitions);
        });
        if (allSpan) track(allSpan, maxAbsAcrossChannels(audio.samples), audio, transitions);
        return {
          measurements: {
            peakDbfs: audio.samples.map((samples) => {
              const peak = peakOf(samples);
              return peak > 0 ? round1(amplitudeToDbfs(peak)) : null;
            }),
          },
          transitions,
        };
      },
      finish() {
        const transitions: EventTransition[] = [];
        for (const span of channelSpans) span.finish(transitions);
        allSpan?.finish(transitions);
        return { transitions };
      },
    };
  },
});
