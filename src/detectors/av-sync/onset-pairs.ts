/**
 * Pairs each flash with the nearest tone burst within `maxDistanceSeconds`, without knowing the test
 * pattern's period. A flash is paired only once every burst that could be nearer has been seen.
 */

export interface OnsetPair {
  readonly flashSeconds: number;
  /** Burst onset minus flash onset: positive when the audio is late. */
  readonly offsetMs: number;
}

export class OnsetPairs {
  private readonly flashes: number[] = [];
  private bursts: number[] = [];

  constructor(private readonly maxDistanceSeconds: number) {}

  addFlash(onsetSeconds: number): void {
    this.flashes.push(onsetSeconds);
  }

  addBurst(onsetSeconds: number): void {
    this.bursts.push(onsetSeconds);
  }

  /** Pairs for the flashes whose window is complete: every burst before `burstsKnownUntilSeconds` is in. */
  take(burstsKnownUntilSeconds: number): OnsetPair[] {
    const pairs: OnsetPair[] = [];
    while (this.flashes.length > 0) {
      const flash = this.flashes[0] ?? 0;
      if (flash + this.maxDistanceSeconds > burstsKnownUntilSeconds) break;
      this.flashes.shift();
      let best = -1;
      this.bursts.forEach((burst, index) => {
        const distance = Math.abs(burst - flash);
        if (
          distance <= this.maxDistanceSeconds &&
          (best < 0 || distance < Math.abs((this.bursts[best] ?? 0) - flash))
        ) {
          best = index;
        }
      });
      const burst = this.bursts[best];
      if (burst === undefined) continue;
      // A burst answers one flash only.
      this.bursts.splice(best, 1);
      pairs.push({ flashSeconds: flash, offsetMs: (burst - flash) * 1000 });
    }
    const oldestUseful = (this.flashes[0] ?? burstsKnownUntilSeconds) - this.maxDistanceSeconds;
    this.bursts = this.bursts.filter((burst) => burst >= oldestUseful);
    return pairs;
  }
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const upper = sorted[middle] ?? 0;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] ?? upper) + upper) / 2;
}
