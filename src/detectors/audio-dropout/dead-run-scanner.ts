/**
 * Finds short runs of dead samples (digital silence, or zeros standing in for missing samples) in one
 * channel, across chunk boundaries, and keeps those that look like a cut rather than a pause: loud enough
 * just before and just after, and no fade into or out of the run. A run is judged only once the samples
 * after it are in, so a run near the end of a chunk is judged on a later call.
 */

/** The rules in samples and linear amplitudes, for one sample rate. */
export interface DeadRunRules {
  /** Samples at or below this magnitude are dead. */
  readonly deadAmplitude: number;
  readonly minSamples: number;
  readonly maxSamples: number;
  /** 1 ms blocks next to a run with RMS below this belong to the run (a codec smears a cut by a few ms). */
  readonly edgeRms: number;
  readonly maxEdgeSamples: number;
  readonly blockSamples: number;
  /** The audio on each side, RMS over `contextSamples` next to the run, must reach this. */
  readonly minContextRms: number;
  readonly contextSamples: number;
  /** The last `edgeSamples` before the run may be at most `maxEdgeDropRatio` below the level ... */
  readonly edgeSamples: number;
  readonly maxEdgeDropRatio: number;
  /** ... measured over [referenceNearSamples, referenceFarSamples) away from the run (a fade has already fallen there). */
  readonly referenceNearSamples: number;
  readonly referenceFarSamples: number;
}

export interface DeadRun {
  /** Absolute sample indices (from the first sample of the stream): [startIndex, endIndex). */
  readonly startIndex: number;
  readonly endIndex: number;
  readonly levelBeforeRms: number;
  readonly levelAfterRms: number;
}

/** Why a run was not kept; for tests and tuning. */
export type RejectReason = 'too-long' | 'quiet-before' | 'quiet-after' | 'fade-before' | 'fade-after';

export interface JudgedRun extends DeadRun {
  readonly rejected: RejectReason | null;
}

export class DeadRunScanner {
  private buffer = new Float32Array(0);
  /** Absolute index of `buffer[0]`. */
  private bufferStart = 0;
  /** Runs that start before this index have been judged (or skipped). */
  private scanFrom = 0;
  /** The scan stopped inside a run already too long to be a dropout. */
  private inLongRun = false;
  private readonly lookBehindSamples: number;
  private readonly lookAheadSamples: number;

  constructor(
    private readonly rules: DeadRunRules,
    /** Runs in gaps (missing samples) are cuts by definition: no fade test for them. */
    private readonly isMissing: (startIndex: number, endIndex: number) => boolean,
  ) {
    this.lookBehindSamples = rules.maxEdgeSamples + Math.max(rules.contextSamples, rules.referenceFarSamples);
    this.lookAheadSamples = this.lookBehindSamples;
  }

  /** Runs that start before this absolute index are settled: they have been reported or dropped. */
  get settledBefore(): number {
    return this.scanFrom;
  }

  /** Appends the next samples of the channel and judges every run whose surroundings are now known. */
  push(samples: Float32Array, out: JudgedRun[]): void {
    const bufferEnd = this.bufferStart + this.buffer.length;
    const keepFrom = Math.max(this.bufferStart, Math.min(this.scanFrom, bufferEnd) - this.lookBehindSamples);
    const kept = this.buffer.subarray(keepFrom - this.bufferStart);
    const next = new Float32Array(kept.length + samples.length);
    next.set(kept, 0);
    next.set(samples, kept.length);
    this.buffer = next;
    this.bufferStart = keepFrom;
    this.scan(out);
  }

  private scan(out: JudgedRun[]): void {
    const { buffer, bufferStart, rules } = this;
    const end = bufferStart + buffer.length;
    const dead = rules.deadAmplitude;
    let i = Math.max(this.scanFrom, bufferStart);
    while (i < end) {
      const value = buffer[i - bufferStart] ?? 0;
      if ((value < 0 ? -value : value) > dead) {
        this.inLongRun = false;
        i += 1;
        continue;
      }
      let j = i + 1;
      while (j < end) {
        const v = buffer[j - bufferStart] ?? 0;
        if ((v < 0 ? -v : v) > dead) break;
        j += 1;
      }
      if (this.inLongRun || j - i > rules.maxSamples) {
        // Too long for a dropout (silence is another detector's business): skip it, even across chunks.
        this.inLongRun = j === end;
        i = j;
        continue;
      }
      if (j === end || j + rules.maxEdgeSamples + this.lookAheadSamples > end) break;
      const judged = this.judge(i, j);
      if (judged) out.push(judged);
      i = j;
    }
    this.scanFrom = Math.min(i, end);
  }

  /** Null for runs too short even with their smeared edges (most are single samples at zero crossings). */
  private judge(runStart: number, runEnd: number): JudgedRun | null {
    const { rules } = this;
    if (runEnd - runStart + 2 * rules.maxEdgeSamples < rules.minSamples) return null;
    const startIndex = this.extend(runStart, -1);
    const endIndex = this.extend(runEnd, 1);
    if (endIndex - startIndex < rules.minSamples) return null;
    const levelBeforeRms = this.rms(startIndex - rules.contextSamples, startIndex);
    const levelAfterRms = this.rms(endIndex, endIndex + rules.contextSamples);
    const run = { startIndex, endIndex, levelBeforeRms, levelAfterRms };
    return { ...run, rejected: this.rejectReason(run) };
  }

  private rejectReason(run: DeadRun): RejectReason | null {
    const { rules } = this;
    if (run.endIndex - run.startIndex > rules.maxSamples) return 'too-long';
    if (run.levelBeforeRms < rules.minContextRms) return 'quiet-before';
    if (run.levelAfterRms < rules.minContextRms) return 'quiet-after';
    if (this.isMissing(run.startIndex, run.endIndex)) return null;
    const before = run.startIndex;
    const edgeBefore = this.rms(before - rules.edgeSamples, before);
    const referenceBefore = this.rms(before - rules.referenceFarSamples, before - rules.referenceNearSamples);
    if (edgeBefore < referenceBefore * rules.maxEdgeDropRatio) return 'fade-before';
    const after = run.endIndex;
    const edgeAfter = this.rms(after, after + rules.edgeSamples);
    const referenceAfter = this.rms(after + rules.referenceNearSamples, after + rules.referenceFarSamples);
    if (edgeAfter < referenceAfter * rules.maxEdgeDropRatio) return 'fade-after';
    return null;
  }

  /** Moves a run boundary outwards over quiet 1 ms blocks (codec smear), by at most `maxEdgeSamples`. */
  private extend(boundary: number, direction: -1 | 1): number {
    const { blockSamples, maxEdgeSamples, edgeRms } = this.rules;
    let at = boundary;
    while (Math.abs(at - boundary) + blockSamples <= maxEdgeSamples) {
      const from = direction < 0 ? at - blockSamples : at;
      if (from < this.bufferStart || from + blockSamples > this.bufferStart + this.buffer.length) break;
      if (this.rms(from, from + blockSamples) >= edgeRms) break;
      at += direction * blockSamples;
    }
    return at;
  }

  /** RMS over absolute indices [from, to); samples outside the buffer count as zeros. */
  private rms(from: number, to: number): number {
    if (to <= from) return 0;
    const lo = Math.max(from, this.bufferStart) - this.bufferStart;
    const hi = Math.min(to, this.bufferStart + this.buffer.length) - this.bufferStart;
    let sum = 0;
    for (let k = lo; k < hi; k++) {
      const v = this.buffer[k] ?? 0;
      sum += v * v;
    }
    return Math.sqrt(sum / (to - from));
  }
}
