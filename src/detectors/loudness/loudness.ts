/**
 * Loudness (ITU-R BS.1770-4, EBU R128 / ATSC A/85): momentary, short-term and integrated loudness per chunk,
 * and an event when the chosen measure stays outside the profile's target +- tolerance for at least
 * `minDurationSeconds`. Near-silence is not "too quiet": it is the silence detector's finding.
 */
import { z } from 'zod';
import type { AudioBlock } from '../../media/chunk.js';
import { ConditionSpan } from '../condition-span.js';
import { defineDetector, type Details, type EventTransition } from '../contract.js';
import { round1 } from '../numbers.js';
import { absoluteGateLufs, LoudnessHistogram, SlidingIntegrator } from './gating.js';
import { LoudnessMeter, powerToLufs, stepSeconds, type LoudnessStep } from './loudness-meter.js';
import { loudnessProfiles, profileSchema } from './profiles.js';

const configSchema = z.object({
  profile: profileSchema.default('ebu-r128'),
  /** The reading compared with the target: short-term (3 s) suits live alarms; integrated suits compliance. */
  measure: z.enum(['short-term', 'momentary', 'integrated']).default('short-term'),
  minDurationSeconds: z.number().positive().default(10),
  /** Override the profile's target and tolerance. */
  targetLufs: z.number().max(0).optional(),
  toleranceLu: z.number().positive().optional(),
  /** Below this the programme is (near) silent: no too-quiet event. */
  quietFloorLufs: z.number().max(0).default(absoluteGateLufs),
  /** Live integrated loudness covers at most this much of the latest audio. */
  integratedWindowSeconds: z.number().positive().max(86_400).default(3600),
});

type LoudnessConfig = z.output<typeof configSchema>;
type Direction = 'too-loud' | 'too-quiet';

/** Readings of one event, folded as the event goes on. */
class EventFigures {
  private sum = 0;
  private count = 0;
  private min = Infinity;
  private max = -Infinity;

  reset(): void {
    this.sum = 0;
    this.count = 0;
    this.min = Infinity;
    this.max = -Infinity;
  }

  add(loudnessLufs: number): void {
    this.sum += loudnessLufs;
    this.count += 1;
    this.min = Math.min(this.min, loudnessLufs);
    this.max = Math.max(this.max, loudnessLufs);
  }

  details(): Details {
    if (this.count === 0) return {};
    return { meanLufs: round1(this.sum / this.count), minLufs: round1(this.min), maxLufs: round1(this.max) };
  }
}

function lufsOrNull(power: number | null): number | null {
  return power !== null && power > 0 ? powerToLufs(power) : null;
}

function rounded(value: number | null): number | null {
  return value === null ? null : round1(value);
}

function maxOf(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  return b === null ? a : Math.max(a, b);
}

/** Everything one stream's loudness state holds; a new meter starts when the audio format changes. */
function createLoudnessState(config: LoudnessConfig) {
  const profile = loudnessProfiles[config.profile];
  const targetLufs = config.targetLufs ?? profile.targetLufs;
  const toleranceLu = config.toleranceLu ?? profile.toleranceLu;
  const integrator = new SlidingIntegrator(Math.round(config.integratedWindowSeconds / stepSeconds));
  const wholeInput = new LoudnessHistogram();
  const shortTermValues = new LoudnessHistogram();
  let meter: LoudnessMeter | null = null;
  let maxMomentaryLufs: number | null = null;
  let maxShortTermLufs: number | null = null;

  const figures: Record<Direction, EventFigures> = {
    'too-loud': new EventFigures(),
    'too-quiet': new EventFigures(),
  };
  const makeSpan = (direction: Direction): ConditionSpan =>
    new ConditionSpan({
      keyPrefix: `loudness-${direction}`,
      minDurationSeconds: config.minDurationSeconds,
      mergeGapSeconds: stepSeconds / 2,
      severity: 'warning',
      openDetails: () => ({
        direction,
        profile: config.profile,
        measure: config.measure,
        targetLufs,
        toleranceLu,
        ...figures[direction].details(),
      }),
      closeDetails: () => figures[direction].details(),
    });
  const spans: Record<Direction, ConditionSpan> = {
    'too-loud': makeSpan('too-loud'),
    'too-quiet': makeSpan('too-quiet'),
  };

  const judge = (loudnessLufs: number | null): Direction | null => {
    if (loudnessLufs === null || loudnessLufs <= config.quietFloorLufs) return null;
    if (loudnessLufs > targetLufs + toleranceLu) return 'too-loud';
    return loudnessLufs < targetLufs - toleranceLu ? 'too-quiet' : null;
  };

  const observe = (
    startSeconds: number,
    endSeconds: number,
    loudnessLufs: number | null,
    out: EventTransition[],
  ) => {
    const outside = judge(loudnessLufs);
    for (const direction of ['too-loud', 'too-quiet'] as const) {
      const span = spans[direction];
      if (direction !== outside || loudnessLufs === null) {
        span.observe(startSeconds, endSeconds, false, out);
        continue;
      }
      // Closes a span that an audio gap interrupted before this reading is folded into the figures.
      span.observe(startSeconds, startSeconds, false, out);
      if (!span.active) figures[direction].reset();
      figures[direction].add(loudnessLufs);
      span.observe(startSeconds, endSeconds, true, out);
    }
  };

  return {
    /** Measures one block of audio; pushes event transitions to `out` and returns the chunk's readings. */
    analyze(audio: AudioBlock, out: EventTransition[]) {
      const channelCount = audio.samples.length;
      if (!meter || meter.sampleRateHz !== audio.sampleRate || meter.channelCount !== channelCount) {
        meter = new LoudnessMeter({ sampleRateHz: audio.sampleRate, channelCount });
      }
      let momentaryLufs: number | null = null;
      let momentaryMaxLufs: number | null = null;
      let shortTermLufs: number | null = null;
      const onStep = (step: LoudnessStep): void => {
        const endSeconds = audio.startSeconds + step.endOffset / audio.sampleRate;
        const startSeconds = endSeconds - step.sampleCount / audio.sampleRate;
        if (step.momentaryPower !== null) {
          integrator.add(step.momentaryPower);
          wholeInput.add(step.momentaryPower);
        }
        if (step.shortTermPower !== null) shortTermValues.add(step.shortTermPower);
        momentaryLufs = lufsOrNull(step.momentaryPower);
        shortTermLufs = lufsOrNull(step.shortTermPower);
        momentaryMaxLufs = maxOf(momentaryMaxLufs, momentaryLufs);
        maxMomentaryLufs = maxOf(maxMomentaryLufs, momentaryLufs);
        maxShortTermLufs = maxOf(maxShortTermLufs, shortTermLufs);
        const compared =
          config.measure === 'momentary'
            ? momentaryLufs
            : config.measure === 'short-term'
              ? shortTermLufs
              : integrator.integratedLufs();
        observe(startSeconds, endSeconds, compared, out);
      };
      meter.push(audio.samples, onStep);
      return {
        momentaryLufs: rounded(momentaryLufs),
        momentaryMaxLufs: rounded(momentaryMaxLufs),
        shortTermLufs: rounded(shortTermLufs),
        integratedLufs: rounded(integrator.integratedLufs()),
        // The channel's own target (profile or override), so timelines and tiles draw the right band.
        targetLufs,
        toleranceLu,
      };
    },
    finish(out: EventTransition[]) {
      spans['too-loud'].finish(out);
      spans['too-quiet'].finish(out);
      return {
        profile: config.profile,
        targetLufs,
        integratedLufs: rounded(wholeInput.integratedLufs()),
        loudnessRangeLu: rounded(shortTermValues.rangeLu()),
        maxMomentaryLufs: rounded(maxMomentaryLufs),
        maxShortTermLufs: rounded(maxShortTermLufs),
      };
    },
  };
}

export const loudnessDetector = defineDetector({
  id: 'loudness',
  version: '1.1.0',
  description:
    'Programme loudness (BS.1770-4) outside the EBU R128 or ATSC A/85 target for longer than the minimum',
  needs: { video: false, audio: true },
  configSchema,
  create(config) {
    const state = createLoudnessState(config);
    return {
      analyze(chunk) {
        const transitions: EventTransition[] = [];
        const audio = chunk.audio;
        if (!audio || audio.samples.length === 0 || audio.sampleRate <= 0)
          return { measurements: {}, transitions };
        return { measurements: state.analyze(audio, transitions), transitions };
      },
      finish() {
        const transitions: EventTransition[] = [];
        const summary = state.finish(transitions);
        return { transitions, summary };
      },
    };
  },
});
