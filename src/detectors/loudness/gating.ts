/**
 * Gated loudness over many blocks: integrated loudness (BS.1770-4: absolute gate -70 LUFS, relative gate
 * -10 LU) and loudness range (EBU Tech 3342: short-term values, absolute gate -70 LUFS, relative gate -20 LU,
 * 10th to 95th percentile).
 *
 * A live stream never ends, so two bounded stores: a ring of the last hour of gating blocks gives the exact
 * integrated loudness "so far" for live readings, and a fine histogram (0.01 LU bins, each with its count and
 * exact power sum) gives whole-input figures in fixed memory however long the input runs.
 */
import { lufsToPower, powerToLufs } from './loudness-meter.js';

export const absoluteGateLufs = -70;
export const integratedRelativeGateLu = -10;
export const rangeRelativeGateLu = -20;
const absoluteGatePower = lufsToPower(absoluteGateLufs);

/** Integrated loudness of the last `capacity` gating blocks, exactly (two passes over at most an hour of blocks). */
export class SlidingIntegrator {
  private readonly powers: Float64Array;
  private count = 0;
  private next = 0;

  constructor(capacityBlocks: number) {
    if (!Number.isInteger(capacityBlocks) || capacityBlocks < 1) {
      throw new RangeError(`capacityBlocks: expected a positive integer, got ${capacityBlocks}`);
    }
    this.powers = new Float64Array(capacityBlocks);
  }

  add(blockPower: number): void {
    this.powers[this.next] = blockPower;
    this.next = (this.next + 1) % this.powers.length;
    this.count = Math.min(this.count + 1, this.powers.length);
  }

  /** Null while no block has passed the absolute gate. */
  integratedLufs(): number | null {
    const relativeGatePower = this.gatedMean(absoluteGatePower) * 10 ** (integratedRelativeGateLu / 10);
    if (!(relativeGatePower > 0)) return null;
    return powerToLufs(this.gatedMean(Math.max(absoluteGatePower, relativeGatePower)));
  }

  /** Mean power of the blocks above `gatePower` (BS.1770 gates are strict: a block must exceed them). */
  private gatedMean(gatePower: number): number {
    let sum = 0;
    let kept = 0;
    for (let i = 0; i < this.count; i++) {
      const power = this.powers[i] ?? 0;
      if (power > gatePower) {
        sum += power;
        kept += 1;
      }
    }
    return kept > 0 ? sum / kept : 0;
  }
}

const binsPerLu = 100;
/** Blocks louder than this (five full-scale surround channels reach about +10 LUFS) share the top bin. */
const topLufs = 20;
const binCount = (topLufs - absoluteGateLufs) * binsPerLu;

/** Whole-input distribution of block loudness above the absolute gate. */
export class LoudnessHistogram {
  private readonly counts = new Float64Array(binCount);
  private readonly powerSums = new Float64Array(binCount);
  private totalCount = 0;
  private totalPower = 0;

  add(power: number): void {
    if (!(power > absoluteGatePower)) return;
    const bin = Math.min(binCount - 1, Math.floor((powerToLufs(power) - absoluteGateLufs) * binsPerLu));
    this.counts[bin] = (this.counts[bin] ?? 0) + 1;
    this.powerSums[bin] = (this.powerSums[bin] ?? 0) + power;
    this.totalCount += 1;
    this.totalPower += power;
  }

  get size(): number {
    return this.totalCount;
  }

  /** Integrated loudness of everything added (the blocks are gating blocks); null when none passed the gate. */
  integratedLufs(): number | null {
    const firstBin = this.relativeGateBin(integratedRelativeGateLu);
    if (firstBin === null) return null;
    let sum = 0;
    let kept = 0;
    for (let bin = firstBin; bin < binCount; bin++) {
      sum += this.powerSums[bin] ?? 0;
      kept += this.counts[bin] ?? 0;
    }
    return kept > 0 ? powerToLufs(sum / kept) : null;
  }

  /** Loudness range (the values are short-term loudness); null when none passed the gate. */
  rangeLu(): number | null {
    const firstBin = this.relativeGateBin(rangeRelativeGateLu);
    if (firstBin === null) return null;
    let kept = 0;
    for (let bin = firstBin; bin < binCount; bin++) kept += this.counts[bin] ?? 0;
    if (kept === 0) return null;
    // Tech 3342's percentiles: the sorted values at ranks round((n - 1) p).
    const low = this.valueAtRank(firstBin, Math.round((kept - 1) * 0.1));
    const high = this.valueAtRank(firstBin, Math.round((kept - 1) * 0.95));
    return high - low;
  }

  /**
   * First bin above the gate `relativeLu` below the mean power of all gated values. Values in the bin that
   * holds the gate itself are at most 0.01 LU from it: taking the bin whole or not moves results by far less.
   */
  private relativeGateBin(relativeLu: number): number | null {
    if (this.totalCount === 0) return null;
    const gateLufs = powerToLufs(this.totalPower / this.totalCount) + relativeLu;
    return Math.max(0, Math.min(binCount - 1, Math.round((gateLufs - absoluteGateLufs) * binsPerLu)));
  }

  private valueAtRank(firstBin: number, rank: number): number {
    let seen = 0;
    for (let bin = firstBin; bin < binCount; bin++) {
      seen += this.counts[bin] ?? 0;
      if (seen > rank) return absoluteGateLufs + (bin + 0.5) / binsPerLu;
    }
    return topLufs;
  }
}
