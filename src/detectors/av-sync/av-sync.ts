/**
 * A/V sync on test signals: a short full-frame white flash on a dark picture with a simultaneous tone
 * burst, repeated (the pattern of common sync test clips). Flash onsets come from the frames' mean luma,
 * burst onsets from a 1 ms RMS envelope; each flash is paired with the nearest burst within
 * `maxPairDistanceMs`, so the pattern's period need not be known. `offsetMs` is burst minus flash: positive
 * when the audio is late. An event opens when `minPairs` pairs in a row are beyond ITU-R BT.1359
 * detectability (audio early by more than `maxEarlyMs` or late by more than `maxLateMs`) and closes after
 * `minPairs` pairs in a row within it, or when the test signal stops. Content without flash/burst pairs
 * (ordinary programmes) never raises anything.
 */
import { z } from 'zod';
import { defineDetector, type Details, type EventTransition } from '../contract.js';
import { round1 } from '../numbers.js';
import { BurstOnsets } from './burst-onsets.js';
import { FlashOnsets } from './flash-onsets.js';
import { median, OnsetPairs, type OnsetPair } from './onset-pairs.js';

const configSchema = z.object({
  maxEarlyMs: z.number().nonnegative().default(45),
  maxLateMs: z.number().nonnegative().default(125),
  minPairs: z.number().int().positive().default(3),
  maxPairDistanceMs: z.number().positive().default(500),
  /** Pairs in the running median reported as `offsetMs`. */
  medianPairs: z.number().int().positive().default(8),
  /** Without a pair for this long the test signal has stopped: an open event closes at the last pair. */
  pairTimeoutSeconds: z.number().positive().default(5),
});

const burstRules = { minLevelDbfs: -40, minRiseDb: 20, quietMs: 50, maxBurstMs: 300 };
const flashRules = { minJump: 0.4, maxFlashSeconds: 0.25 };
/** A burst is reported once it has ended: at most this long after its onset. */
const burstReportDelaySeconds = (burstRules.maxBurstMs + 20) / 1000;

interface OpenEvent {
  readonly key: string;
  /** The most recent `medianPairs` offsets of the event, for its median. */
  readonly offsetsMs: number[];
  pairCount: number;
}

const rounded = (value: number | null): number | null => (value === null ? null : round1(value));

export const avSyncDetector = defineDetector({
  id: 'av-sync',
  version: '1.0.0',
  description: 'Audio/video offset on flash and tone-burst test signals, beyond BT.1359 detectability',
  needs: { video: true, audio: true },
  fullLumaPerSecond: () => 0,
  configSchema,
  create(config) {
    const flashes = new FlashOnsets(flashRules);
    const bursts = new BurstOnsets(burstRules);
    const pairer = new OnsetPairs(config.maxPairDistanceMs / 1000);
    const recentOffsetsMs: number[] = [];
    let pairCount = 0;
    let lastPairSeconds: number | null = null;
    let outOfRange: { startSeconds: number; offsetsMs: number[] } | null = null;
    let inRange: { startSeconds: number; count: number } | null = null;
    let open: OpenEvent | null = null;
    let eventCount = 0;

    const isOutOfRange = (offsetMs: number): boolean =>
      offsetMs < -config.maxEarlyMs || offsetMs > config.maxLateMs;

    const summaryOf = (event: OpenEvent): Details => {
      const offsetMs = median(event.offsetsMs) ?? 0;
      return { offsetMs: round1(offsetMs), pairs: event.pairCount, audio: offsetMs < 0 ? 'early' : 'late' };
    };

    const close = (endSeconds: number, out: EventTransition[]): void => {
      if (!open) return;
      out.push({ kind: 'close', key: open.key, endSeconds, details: summaryOf(open) });
      open = null;
    };

    const judge = (pair: OnsetPair, out: EventTransition[]): void => {
      pairCount += 1;
      lastPairSeconds = pair.flashSeconds;
      recentOffsetsMs.push(pair.offsetMs);
      if (recentOffsetsMs.length > config.medianPairs) recentOffsetsMs.shift();
      if (!isOutOfRange(pair.offsetMs)) {
        outOfRange = null;
        if (!open) return;
        inRange ??= { startSeconds: pair.flashSeconds, count: 0 };
        inRange.count += 1;
        if (inRange.count >= config.minPairs) {
          close(inRange.startSeconds, out);
          inRange = null;
        }
        return;
      }
      inRange = null;
      if (open) {
        open.offsetsMs.push(pair.offsetMs);
        open.pairCount += 1;
        if (open.offsetsMs.length > config.medianPairs) open.offsetsMs.shift();
        return;
      }
      outOfRange ??= { startSeconds: pair.flashSeconds, offsetsMs: [] };
      outOfRange.offsetsMs.push(pair.offsetMs);
      if (outOfRange.offsetsMs.length < config.minPairs) return;
      eventCount += 1;
      const offsetsMs = outOfRange.offsetsMs;
      open = { key: `av-sync#${eventCount}`, offsetsMs: [...offsetsMs], pairCount: offsetsMs.length };
      out.push({
        kind: 'open',
        key: open.key,
        startSeconds: outOfRange.startSeconds,
        severity: 'warning',
        details: summaryOf(open),
      });
      outOfRange = null;
    };

    const signalStopped = (nowSeconds: number): boolean =>
      lastPairSeconds !== null && nowSeconds - lastPairSeconds > config.pairTimeoutSeconds;

    return {
      analyze(chunk) {
        const transitions: EventTransition[] = [];
        for (const frame of chunk.video) {
          const onset = flashes.push(frame);
          if (onset !== null) pairer.addFlash(onset);
        }
        if (chunk.audio) for (const onset of bursts.push(chunk.audio)) pairer.addBurst(onset);
        const pairs = pairer.take(chunk.endSeconds - burstReportDelaySeconds);
        for (const pair of pairs) judge(pair, transitions);
        const stopped = signalStopped(chunk.endSeconds);
        if (stopped && lastPairSeconds !== null) {
          close(lastPairSeconds, transitions);
          outOfRange = null;
          inRange = null;
        }
        return {
          measurements: { offsetMs: stopped ? null : rounded(median(recentOffsetsMs)), pairs: pairs.length },
          transitions,
        };
      },
      finish(endSeconds) {
        const transitions: EventTransition[] = [];
        for (const pair of pairer.take(Infinity)) judge(pair, transitions);
        // The signal ran to the end of the input unless it stopped well before.
        close(
          signalStopped(endSeconds) && lastPairSeconds !== null ? lastPairSeconds : endSeconds,
          transitions,
        );
        return { transitions, summary: { offsetMs: rounded(median(recentOffsetsMs)), pairs: pairCount } };
      },
    };
  },
});
