/**
 * True peak (ITU-R BS.1770-4 Annex 2, 4x oversampling): the largest reconstructed level per channel and
 * chunk, and an event while it exceeds the profile's maximum (-1 dBTP for EBU R128, -2 dBTP for ATSC A/85).
 * Overs less than `mergeGapSeconds` apart belong to one event, whichever channels they are on.
 */
import { z } from 'zod';
import type { AudioBlock } from '../../media/chunk.js';
import { ConditionSpan } from '../condition-span.js';
import { defineDetector, type EventTransition } from '../contract.js';
import { amplitudeToDbfs, dbfsToAmplitude, round1 } from '../numbers.js';
import { loudnessProfiles, profileSchema } from './profiles.js';
import { designInterpolator, TruePeakMeter } from './true-peak-meter.js';

const configSchema = z.object({
  profile: profileSchema.default('ebu-r128'),
  /** Override the profile's maximum true peak. */
  maxDbtp: z.number().max(6).optional(),
  mergeGapSeconds: z.number().nonnegative().default(1),
});

/** 24 taps per phase: flat to 20 kHz at 48 kHz, at half the cost of 48 (see designInterpolator). */
const interpolator = designInterpolator(24);
/** Event timing resolution. */
const slotSeconds = 0.01;

function dbtpOrNull(amplitude: number): number | null {
  return amplitude > 0 ? round1(amplitudeToDbfs(amplitude)) : null;
}

export const truePeakDetector = defineDetector({
  id: 'true-peak',
  version: '1.0.0',
  description: 'True peak (4x oversampled, BS.1770-4) above the EBU R128 or ATSC A/85 maximum',
  needs: { video: false, audio: true },
  configSchema,
  create(config) {
    const limitDbtp = config.maxDbtp ?? loudnessProfiles[config.profile].maxTruePeakDbtp;
    const limit = dbfsToAmplitude(limitDbtp);
    let meter: TruePeakMeter | null = null;
    let sampleRateHz = 0;
    /** Where the audio measured by the last call ended (for the positions a flush measures). */
    let lastEndSeconds = 0;
    let maxTruePeak = 0;
    let eventPeak = 0;
    const eventChannels = new Set<number>();
    const eventDetails = () => ({
      profile: config.profile,
      limitDbtp,
      maxDbtp: dbtpOrNull(eventPeak),
      channels: [...eventChannels].sort((a, b) => a - b),
    });
    const span = new ConditionSpan({
      keyPrefix: 'true-peak',
      minDurationSeconds: 0,
      mergeGapSeconds: config.mergeGapSeconds,
      severity: 'warning',
      openDetails: eventDetails,
      closeDetails: eventDetails,
    });

    /** Folds the meter's last call into events and per-channel peaks; slot 0 starts at `startSeconds`. */
    const collect = (startSeconds: number, out: EventTransition[]): number[] => {
      const active = meter;
      if (!active) return [];
      const channelPeaks = new Array<number>(active.channelCount).fill(0);
      for (let slot = 0; slot < active.slotCount; slot++) {
        const slotStart = startSeconds + (slot * active.slotSamples) / sampleRateHz;
        const slotEnd = Math.min(
          slotStart + active.slotSamples / sampleRateHz,
          Math.max(slotStart, lastEndSeconds),
        );
        let over = false;
        for (let channel = 0; channel < active.channelCount; channel++) {
          const peak = active.slotPeak(channel, slot);
          if (peak > (channelPeaks[channel] ?? 0)) channelPeaks[channel] = peak;
          if (peak > limit) over = true;
        }
        if (!over) {
          span.observe(slotStart, slotEnd, false, out);
          continue;
        }
        // An over after a long enough pause starts a new event: close the old one before folding figures.
        span.observe(slotStart, slotStart, false, out);
        if (!span.active) {
          eventPeak = 0;
          eventChannels.clear();
        }
        for (let channel = 0; channel < active.channelCount; channel++) {
          const peak = active.slotPeak(channel, slot);
          if (peak <= limit) continue;
          eventChannels.add(channel);
          eventPeak = Math.max(eventPeak, peak);
        }
        span.observe(slotStart, Math.max(slotEnd, slotStart + 1 / sampleRateHz), true, out);
      }
      for (const peak of channelPeaks) maxTruePeak = Math.max(maxTruePeak, peak);
      return channelPeaks;
    };

    const ensureMeter = (audio: AudioBlock, out: EventTransition[]): TruePeakMeter => {
      const channelCount = audio.samples.length;
      if (meter && meter.channelCount === channelCount && sampleRateHz === audio.sampleRate) return meter;
      if (meter) {
        meter.flush(limit);
        collect(lastEndSeconds, out);
      }
      sampleRateHz = audio.sampleRate;
      meter = new TruePeakMeter({
        channelCount,
        slotSamples: Math.max(interpolator.tapsPerPhase / 2, Math.round(audio.sampleRate * slotSeconds)),
        design: interpolator,
      });
      return meter;
    };

    return {
      analyze(chunk) {
        const transitions: EventTransition[] = [];
        const audio = chunk.audio;
        const length = audio?.samples[0]?.length ?? 0;
        if (!audio || length === 0 || audio.sampleRate <= 0) return { measurements: {}, transitions };
        const active = ensureMeter(audio, transitions);
        active.process(audio.samples, limit);
        lastEndSeconds = audio.startSeconds + length / audio.sampleRate;
        const channelPeaks = collect(audio.startSeconds, transitions);
        return { measurements: { truePeakDbtp: channelPeaks.map(dbtpOrNull) }, transitions };
      },
      finish() {
        const transitions: EventTransition[] = [];
        if (meter) {
          meter.flush(limit);
          collect(lastEndSeconds, transitions);
        }
        span.finish(transitions);
        return {
          transitions,
          summary: { profile: config.profile, limitDbtp, maxTruePeakDbtp: dbtpOrNull(maxTruePeak) },
        };
      },
    };
  },
});
