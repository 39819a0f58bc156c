/**
 * Timestamp-level A/V timing: problems a player reproduces faithfully because the timestamps themselves are
 * wrong, whatever the pictures and sounds are.
 *
 * - `track-jump`: one track's timestamps jump (a discontinuity the timeline smoothed over) while the other's
 *   do not within `pairingSeconds`: sound moves against picture by the jump. Both tracks jumping together is a
 *   normal splice and raises nothing.
 * - `audio-drift`: the audio clock drifts from its timestamps. The chunker keeps audio contiguous while
 *   timestamps stay within 20 ms of the sample count; beyond that it inserts silence or drops samples (a
 *   correction). Lost audio is one correction; drift is a series of corrections of the same sign: an event
 *   when at least `minCorrections` of one sign add up to `minDriftMs` within `windowSeconds`.
 */
import { z } from 'zod';
import { defineDetector, type EventTransition } from '../contract.js';

const configSchema = z.object({
  pairingSeconds: z.number().min(0).default(2),
  windowSeconds: z.number().positive().default(60),
  minCorrections: z.number().int().min(2).default(3),
  minDriftMs: z.number().positive().default(40),
  /** One audio correction this large is the audio track jumping alone, not lost audio. */
  minJumpMs: z.number().positive().default(500),
});

interface Correction {
  readonly atSeconds: number;
  readonly ms: number;
}

export const avTimingDetector = defineDetector({
  id: 'av-timing',
  version: '1.0.0',
  description: 'Timestamps: one track jumping alone, or the audio clock drifting from its timestamps',
  needs: { video: true, audio: true },
  fullLumaPerSecond: () => 0,
  configSchema,
  create(config) {
    let pendingJump: { track: 'video' | 'audio'; atSeconds: number } | null = null;
    let jumpEvents = 0;
    let driftEvents = 0;
    let corrections: Correction[] = [];
    let driftOpenKey: string | null = null;
    let driftOpenedAtSeconds = 0;
    let lastDriftSeconds = 0;

    const reportJump = (jump: { track: 'video' | 'audio'; atSeconds: number }, out: EventTransition[]) => {
      jumpEvents += 1;
      const key = `track-jump#${jumpEvents}`;
      out.push({
        kind: 'open',
        key,
        startSeconds: jump.atSeconds,
        severity: 'warning',
        details: { check: 'track-jump', track: jump.track },
      });
      out.push({ kind: 'close', key, endSeconds: jump.atSeconds });
    };

    return {
      analyze(chunk) {
        const transitions: EventTransition[] = [];
        const timing = chunk.timing;
        if (!timing) return { measurements: {}, transitions };
        const video = timing.videoDiscontinuities > 0;
        const audio = timing.audioDiscontinuities > 0;
        if (
          pendingJump &&
          ((pendingJump.track === 'video' && audio) || (pendingJump.track === 'audio' && video))
        ) {
          pendingJump = null;
        } else if (video !== audio && !pendingJump) {
          pendingJump = { track: video ? 'video' : 'audio', atSeconds: chunk.startSeconds };
        } else if (video && audio) {
          pendingJump = null;
        }
        if (pendingJump && chunk.endSeconds - pendingJump.atSeconds > config.pairingSeconds) {
          reportJump(pendingJump, transitions);
          pendingJump = null;
        }

        for (const ms of timing.audioCorrectionsMs) {
          // A jump below the discontinuity threshold shows as one large correction of the audio alone.
          if (Math.abs(ms) >= config.minJumpMs)
            reportJump({ track: 'audio', atSeconds: chunk.startSeconds }, transitions);
          else corrections.push({ atSeconds: chunk.startSeconds, ms });
        }
        corrections = corrections.filter((c) => chunk.endSeconds - c.atSeconds <= config.windowSeconds);
        const ahead = corrections.filter((c) => c.ms > 0);
        const behind = corrections.filter((c) => c.ms < 0);
        const series = ahead.length >= behind.length ? ahead : behind;
        const seriesMs = series.reduce((sum, c) => sum + c.ms, 0);
        const drifting = series.length >= config.minCorrections && Math.abs(seriesMs) >= config.minDriftMs;
        if (drifting) {
          lastDriftSeconds = chunk.endSeconds;
          if (!driftOpenKey) {
            driftEvents += 1;
            driftOpenKey = `audio-drift#${driftEvents}`;
            driftOpenedAtSeconds = series[0]?.atSeconds ?? chunk.startSeconds;
            transitions.push({
              kind: 'open',
              key: driftOpenKey,
              startSeconds: driftOpenedAtSeconds,
              severity: 'warning',
              details: { check: 'audio-drift', driftMs: seriesMs, corrections: series.length },
            });
          }
        } else if (driftOpenKey) {
          transitions.push({ kind: 'close', key: driftOpenKey, endSeconds: lastDriftSeconds });
          driftOpenKey = null;
        }
        return {
          measurements: {
            videoDiscontinuities: timing.videoDiscontinuities,
            audioDiscontinuities: timing.audioDiscontinuities,
            audioCorrectionMs: timing.audioCorrectionsMs.reduce((sum, ms) => sum + ms, 0),
          },
          transitions,
        };
      },
      finish(endSeconds) {
        const transitions: EventTransition[] = [];
        if (pendingJump) reportJump(pendingJump, transitions);
        pendingJump = null;
        if (driftOpenKey)
          transitions.push({
            kind: 'close',
            key: driftOpenKey,
            endSeconds: Math.min(endSeconds, lastDriftSeconds),
          });
        driftOpenKey = null;
        return { transitions };
      },
    };
  },
});
