/**
 * Finds the onsets of short tone bursts (a sync test pattern's beep) on a 1 ms RMS envelope of all channels.
 * A burst rises at least `minRiseDb` above the loudest millisecond of the `quietMs` before it, reaches
 * `minLevelDbfs`, and falls back within `maxBurstMs`: programme sound that goes on is not a burst. Its
 * onset is the first millisecond within 10 dB of the burst's peak, so the codec's low pre-echo does not
 * move it.
 */
import type { AudioBlock } from '../../media/chunk.js';
import { amplitudeToDbfs } from '../numbers.js';

export interface BurstRules {
  readonly minLevelDbfs: number;
  readonly minRiseDb: number;
  readonly quietMs: number;
  readonly maxBurstMs: number;
}

/** The burst is over once the envelope stays this far below its peak for `endHoldMs`. */
const endBelowPeakDb = 20;
const endHoldMs = 10;
const onsetBelowPeakDb = 10;
/** Envelope blocks kept before a rise, to place the onset on the way up. */
const onsetLookBackBlocks = 3;

interface Burst {
  readonly riseBlock: number;
  /** Block of `levels[0]`: a few blocks before the rise. */
  readonly firstBlock: number;
  readonly levels: number[];
  peakDb: number;
  belowSince: number | null;
}

export class BurstOnsets {
  private sampleRate = 0;
  private channelCount = 0;
  private blockSamples = 1;
  private originSeconds = 0;
  /** Absolute index of the next sample expected, from `originSeconds`. */
  private nextIndex = 0;
  private partialPower = 0;
  private partialCount = 0;
  private blockIndex = 0;
  /** dBFS of the most recent blocks, newest last, at most `quietMs` of them. */
  private readonly recent: number[] = [];
  private burst: Burst | null = null;

  constructor(private readonly rules: BurstRules) {}

  /** Feeds the next audio block; returns the onset times of bursts that ended in it. */
  push(audio: AudioBlock): number[] {
    if (!this.continues(audio)) this.restart(audio);
    const onsets: number[] = [];
    const channels = audio.samples;
    const length = channels[0]?.length ?? 0;
    const perBlock = this.blockSamples * this.channelCount;
    for (let i = 0; i < length; i++) {
      for (const channel of channels) {
        const value = channel[i] ?? 0;
        this.partialPower += value * value;
      }
      this.partialCount += 1;
      if (this.partialCount === this.blockSamples) {
        const onset = this.onBlock(amplitudeToDbfs(Math.sqrt(this.partialPower / perBlock) + 1e-12));
        if (onset !== null) onsets.push(onset);
        this.partialPower = 0;
        this.partialCount = 0;
      }
    }
    this.nextIndex += length;
    return onsets;
  }

  private continues(audio: AudioBlock): boolean {
    if (audio.sampleRate !== this.sampleRate || audio.samples.length !== this.channelCount) return false;
    const expectedSeconds = this.originSeconds + this.nextIndex / this.sampleRate;
    return Math.abs(audio.startSeconds - expectedSeconds) * this.sampleRate <= 1.5;
  }

  private restart(audio: AudioBlock): void {
    this.sampleRate = audio.sampleRate;
    this.channelCount = Math.max(1, audio.samples.length);
    this.blockSamples = Math.max(1, Math.round(audio.sampleRate / 1000));
    this.originSeconds = audio.startSeconds;
    this.nextIndex = 0;
    this.partialPower = 0;
    this.partialCount = 0;
    this.blockIndex = 0;
    this.recent.length = 0;
    this.burst = null;
  }

  private blockSeconds(block: number): number {
    return this.originSeconds + (block * this.blockSamples) / this.sampleRate;
  }

  private onBlock(levelDb: number): number | null {
    const block = this.blockIndex;
    this.blockIndex += 1;
    const quietBlocks = Math.max(1, Math.round(this.rules.quietMs));
    let onset: number | null = null;
    const burst = this.burst;
    if (burst) {
      onset = this.followBurst(burst, block, levelDb);
    } else if (this.recent.length >= quietBlocks && levelDb >= this.rules.minLevelDbfs) {
      const loudestBefore = Math.max(...this.recent);
      if (levelDb - loudestBefore >= this.rules.minRiseDb) {
        const lookBack = this.recent.slice(-onsetLookBackBlocks);
        this.burst = {
          riseBlock: block,
          firstBlock: block - lookBack.length,
          levels: [...lookBack, levelDb],
          peakDb: levelDb,
          belowSince: null,
        };
      }
    }
    this.recent.push(levelDb);
    if (this.recent.length > quietBlocks) this.recent.shift();
    return onset;
  }

  private followBurst(burst: Burst, block: number, levelDb: number): number | null {
    burst.levels.push(levelDb);
    burst.peakDb = Math.max(burst.peakDb, levelDb);
    if (block - burst.riseBlock > this.rules.maxBurstMs) {
      this.burst = null;
      return null;
    }
    if (levelDb > burst.peakDb - endBelowPeakDb) {
      burst.belowSince = null;
      return null;
    }
    burst.belowSince ??= block;
    if (block - burst.belowSince + 1 < endHoldMs) return null;
    this.burst = null;
    const onsetOffset = burst.levels.findIndex((db) => db >= burst.peakDb - onsetBelowPeakDb);
    return this.blockSeconds(burst.firstBlock + Math.max(0, onsetOffset));
  }
}
