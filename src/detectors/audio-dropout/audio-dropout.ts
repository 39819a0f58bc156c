/**
 * Audio dropout: a short cut (about 10-500 ms) to digital silence, or samples missing from the stream,
 * inside otherwise non-silent audio. Speech pauses are not dropouts: they fade, dropouts cut. So a run of
 * dead samples counts only when the audio on both sides is above `minLevelDbfs` and has not faded towards
 * the run (see dead-run-scanner.ts). Each dropout is one event (open and close together, once the audio
 * after it is in). Runs found on several channels at once make one event listing the channels; a run on
 * one channel of a multichannel input is reported with that channel.
 */
import { z } from 'zod';
import type { AudioBlock } from '../../media/chunk.js';
import { defineDetector, type EventTransition } from '../contract.js';
import { amplitudeToDbfs, dbfsToAmplitude, round1 } from '../numbers.js';
import { DeadRunScanner, type DeadRunRules, type JudgedRun } from './dead-run-scanner.js';

const configSchema = z.object({
  minDurationMs: z.number().positive().default(10),
  maxDurationMs: z.number().positive().default(500),
  /** Samples at or below this level are dead (digital silence; decoders give exact zeros). */
  silenceDbfs: z.number().max(0).default(-90),
  /** RMS level the audio must reach over `contextMs` right before and right after the run. */
  minLevelDbfs: z.number().max(0).default(-50),
  contextMs: z.number().positive().default(15),
  /** How far the level may fall from 20-40 ms before the run to its last 3 ms (and likewise after it). */
  maxEdgeDropDb: z.number().positive().default(12),
});

type Config = z.output<typeof configSchema>;

/** Codec smear: lossy codecs leave a few ms of low-level noise where the signal was cut. */
const smearDbfs = -60;
const maxSmearMs = 6;
const edgeMs = 3;
const referenceNearMs = 20;
const referenceFarMs = 40;

function rulesFor(config: Config, sampleRate: number): DeadRunRules {
  const samples = (ms: number): number => Math.max(1, Math.round((ms * sampleRate) / 1000));
  return {
    deadAmplitude: dbfsToAmplitude(config.silenceDbfs),
    minSamples: samples(config.minDurationMs),
    maxSamples: samples(config.maxDurationMs),
    edgeRms: dbfsToAmplitude(smearDbfs),
    maxEdgeSamples: samples(maxSmearMs),
    blockSamples: samples(1),
    minContextRms: dbfsToAmplitude(config.minLevelDbfs),
    contextSamples: samples(config.contextMs),
    edgeSamples: samples(edgeMs),
    maxEdgeDropRatio: dbfsToAmplitude(-config.maxEdgeDropDb),
    referenceNearSamples: samples(referenceNearMs),
    referenceFarSamples: samples(referenceFarMs),
  };
}

interface Candidate {
  readonly channel: number;
  readonly startIndex: number;
  readonly endIndex: number;
  readonly levelBeforeRms: number;
  readonly levelAfterRms: number;
  readonly missing: boolean;
}

interface SampleSpan {
  readonly startIndex: number;
  readonly endIndex: number;
}

const toDbfs = (rms: number): number => round1(amplitudeToDbfs(Math.max(rms, 1e-10)));

export const audioDropoutDetector = defineDetector({
  id: 'audio-dropout',
  version: '1.0.0',
  description: 'Short cuts to digital silence or missing samples inside non-silent audio',
  needs: { video: false, audio: true },
  configSchema,
  create(config) {
    let sampleRate = 0;
    let channelCount = 0;
    let originSeconds = 0;
    /** Absolute index (from `originSeconds`) of the next sample expected. */
    let nextIndex = 0;
    let scanners: DeadRunScanner[] = [];
    let candidates: Candidate[] = [];
    let gaps: SampleSpan[] = [];
    let eventCount = 0;
    const toleranceSamples = (): number => Math.round((maxSmearMs * sampleRate) / 1000);

    const overlapsGap = (startIndex: number, endIndex: number): boolean => {
      let covered = 0;
      for (const gap of gaps) {
        covered += Math.max(0, Math.min(endIndex, gap.endIndex) - Math.max(startIndex, gap.startIndex));
      }
      return covered * 2 >= endIndex - startIndex;
    };

    const emitGroups = (settledBefore: number, out: EventTransition[]): number => {
      const tolerance = toleranceSamples();
      const ready = candidates
        .filter((c) => c.endIndex + tolerance <= settledBefore)
        .sort((a, b) => a.startIndex - b.startIndex);
      candidates = candidates.filter((c) => c.endIndex + tolerance > settledBefore);
      let emitted = 0;
      let group: Candidate[] = [];
      const flush = (): void => {
        if (group.length === 0) return;
        emit(group, out);
        emitted += 1;
        group = [];
      };
      for (const candidate of ready) {
        const groupEnd = Math.max(...group.map((c) => c.endIndex), -Infinity);
        if (group.length > 0 && candidate.startIndex >= groupEnd) flush();
        group.push(candidate);
      }
      flush();
      return emitted;
    };

    const emit = (group: readonly Candidate[], out: EventTransition[]): void => {
      const startIndex = Math.min(...group.map((c) => c.startIndex));
      const endIndex = Math.max(...group.map((c) => c.endIndex));
      const channels = [...new Set(group.map((c) => c.channel))].sort((a, b) => a - b);
      const only = channels.length === 1 && channelCount > 1 ? channels[0] : undefined;
      eventCount += 1;
      const key = `dropout#${eventCount}`;
      out.push({
        kind: 'open',
        key,
        startSeconds: originSeconds + startIndex / sampleRate,
        severity: 'warning',
        ...(only === undefined ? {} : { channel: only }),
        details: {
          durationMs: round1(((endIndex - startIndex) * 1000) / sampleRate),
          channels,
          allChannels: channels.length === channelCount,
          missingSamples: group.some((c) => c.missing),
          levelBeforeDbfs: toDbfs(Math.min(...group.map((c) => c.levelBeforeRms))),
          levelAfterDbfs: toDbfs(Math.min(...group.map((c) => c.levelAfterRms))),
        },
      });
      out.push({ kind: 'close', key, endSeconds: originSeconds + endIndex / sampleRate });
    };

    const start = (audio: AudioBlock): void => {
      sampleRate = audio.sampleRate;
      channelCount = audio.samples.length;
      originSeconds = audio.startSeconds;
      nextIndex = 0;
      gaps = [];
      const rules = rulesFor(config, sampleRate);
      scanners = audio.samples.map(() => new DeadRunScanner(rules, overlapsGap));
    };

    const isContinuation = (audio: AudioBlock): boolean =>
      scanners.length > 0 &&
      audio.sampleRate === sampleRate &&
      audio.samples.length === channelCount &&
      Math.abs(audio.startSeconds - (originSeconds + nextIndex / sampleRate)) * sampleRate <= 1.5;

    return {
      analyze(chunk) {
        const transitions: EventTransition[] = [];
        const audio = chunk.audio;
        if (!audio || audio.samples.length === 0) return { measurements: { dropouts: 0 }, transitions };
        let dropouts = 0;
        if (!isContinuation(audio)) {
          // A new format or a jump in time: what was pending cannot be judged any more.
          dropouts += emitGroups(Infinity, transitions);
          start(audio);
        }
        for (const gap of audio.gaps) {
          gaps.push({
            startIndex: Math.round((gap.startSeconds - originSeconds) * sampleRate),
            endIndex: Math.round((gap.endSeconds - originSeconds) * sampleRate),
          });
        }
        audio.samples.forEach((samples, channel) => {
          const judged: JudgedRun[] = [];
          scanners[channel]?.push(samples, judged);
          for (const run of judged) {
            if (run.rejected !== null) continue;
            candidates.push({ ...run, channel, missing: overlapsGap(run.startIndex, run.endIndex) });
          }
        });
        nextIndex += audio.samples[0]?.length ?? 0;
        const settledBefore = Math.min(...scanners.map((scanner) => scanner.settledBefore));
        gaps = gaps.filter((gap) => gap.endIndex >= settledBefore - sampleRate);
        dropouts += emitGroups(settledBefore, transitions);
        return { measurements: { dropouts }, transitions };
      },
      finish() {
        const transitions: EventTransition[] = [];
        emitGroups(Infinity, transitions);
        return { transitions, summary: { dropouts: eventCount } };
      },
    };
  },
});
