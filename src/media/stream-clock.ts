/**
 * Maps one stream's raw timestamps to continuous seconds: undoes timestamp wrap (33-bit in MPEG-TS),
 * fills in missing timestamps, and smooths over discontinuities (a jump forward of more than
 * `discontinuityThresholdSeconds`, or backward of more than `maxBackwardSeconds`) so the timeline goes on
 * from where it was.
 */
import { AV_NOPTS_VALUE } from 'node-av/constants';

export interface TimeBase {
  readonly num: number;
  readonly den: number;
}

export interface StreamClockOptions {
  readonly timeBase: TimeBase;
  /** Bits of the container's timestamps (33 for MPEG-TS, 64 when it never wraps). */
  readonly wrapBits: number;
  readonly discontinuityThresholdSeconds: number;
  readonly maxBackwardSeconds: number;
}

export class StreamClock {
  private wrapOffset = 0n;
  private lastUnwrapped: bigint | null = null;
  private offsetSeconds = 0;
  private expectedNextSeconds: number | null = null;
  private discontinuityTotal = 0;
  private readonly wrapPeriod: bigint | null;

  constructor(private readonly options: StreamClockOptions) {
    this.wrapPeriod = options.wrapBits > 0 && options.wrapBits < 63 ? 1n << BigInt(options.wrapBits) : null;
  }

  get discontinuities(): number {
    return this.discontinuityTotal;
  }

  /** Seconds for a frame with raw timestamp `pts` (AV_NOPTS_VALUE when unknown) lasting `durationSeconds`. */
  toSeconds(pts: bigint, durationSeconds: number): number {
    let seconds: number;
    if (pts === AV_NOPTS_VALUE) {
      seconds = this.expectedNextSeconds ?? 0;
    } else {
      seconds = this.rawToSeconds(this.unwrap(pts)) + this.offsetSeconds;
      const expected = this.expectedNextSeconds;
      if (expected !== null) {
        const jumpSeconds = seconds - expected;
        if (
          jumpSeconds > this.options.discontinuityThresholdSeconds ||
          jumpSeconds < -this.options.maxBackwardSeconds
        ) {
          this.offsetSeconds += expected - seconds;
          seconds = expected;
          this.discontinuityTotal += 1;
        }
      }
    }
    // A duration longer than a discontinuity is a broken or hostile container's, not a frame's: trusting it
    // would push every later timestamp away by that much.
    const usableDurationSeconds =
      durationSeconds >= 0 && durationSeconds <= this.options.discontinuityThresholdSeconds
        ? durationSeconds
        : 0;
    const next = seconds + usableDurationSeconds;
    this.expectedNextSeconds =
      this.expectedNextSeconds === null ? next : Math.max(this.expectedNextSeconds, next);
    return seconds;
  }

  private unwrap(pts: bigint): bigint {
    const period = this.wrapPeriod;
    let unwrapped = pts + this.wrapOffset;
    if (period !== null && this.lastUnwrapped !== null) {
      if (unwrapped < this.lastUnwrapped - period / 2n) {
        this.wrapOffset += period;
        unwrapped += period;
      } else if (unwrapped > this.lastUnwrapped + period / 2n && this.wrapOffset >= period) {
        this.wrapOffset -= period;
        unwrapped -= period;
      }
    }
    this.lastUnwrapped = unwrapped;
    return unwrapped;
  }

  private rawToSeconds(value: bigint): number {
    return (Number(value) * this.options.timeBase.num) / this.options.timeBase.den;
  }
}
