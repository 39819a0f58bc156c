/**
 * Per-PID bitrate two ways.
 *
 * By arrival: packet counts in ten 100 ms buckets of the arrival clock; the rate is the sum over the last
 * second (sliding in 100 ms steps) divided by the time those buckets cover.
 *
 * By PCR: packets between reference PCRs, summed until the trusted PCR steps add up to a second, then
 * divided by that PCR time. An untrusted step (discontinuity, jump) restarts the window. This is the rate
 * the stream's own clock implies, independent of how packets reached the monitor.
 */
import { packetBytes, pidCount } from './ts-constants.js';

const bucketSeconds = 0.1;
const bucketCount = 10;
const bitsPerPacket = packetBytes * 8;

export class PidBitrate {
  private readonly buckets = new Uint32Array(bucketCount * pidCount);
  private bucket = 0;
  private bucketEndSeconds = bucketSeconds;
  private readonly pcrWindowPackets = new Float64Array(pidCount);
  private pcrWindowSeconds = 0;
  /** Last completed PCR window's rate per PID; NaN before the first one. */
  private readonly pcrRatesBps = new Float64Array(pidCount).fill(Number.NaN);
  private pcrRatesReady = false;

  countPacket(pid: number, arrivalSeconds: number): void {
    if (arrivalSeconds >= this.bucketEndSeconds) this.rotate(arrivalSeconds);
    const slot = this.bucket * pidCount + pid;
    this.buckets[slot] = (this.buckets[slot] ?? 0) + 1;
    this.pcrWindowPackets[pid] = (this.pcrWindowPackets[pid] ?? 0) + 1;
  }

  /** A reference PCR: `trusted` with its step in seconds, or not (restart the window). */
  onReferencePcr(trusted: boolean, stepSeconds: number): void {
    if (!trusted) {
      this.pcrWindowPackets.fill(0);
      this.pcrWindowSeconds = 0;
      return;
    }
    this.pcrWindowSeconds += stepSeconds;
    if (this.pcrWindowSeconds < 1) return;
    for (let pid = 0; pid < pidCount; pid++) {
      this.pcrRatesBps[pid] = ((this.pcrWindowPackets[pid] ?? 0) * bitsPerPacket) / this.pcrWindowSeconds;
    }
    this.pcrRatesReady = true;
    this.pcrWindowPackets.fill(0);
    this.pcrWindowSeconds = 0;
  }

  /** Bits per second of `pid` over the last second of arrival time, null before any time has passed. */
  arrivalBitrateBps(pid: number, arrivalSeconds: number): number | null {
    const coveredSeconds = Math.min(
      (bucketCount - 1) * bucketSeconds + arrivalSeconds - (this.bucketEndSeconds - bucketSeconds),
      arrivalSeconds,
    );
    if (coveredSeconds <= 0) return null;
    let packets = 0;
    for (let bucket = 0; bucket < bucketCount; bucket++)
      packets += this.buckets[bucket * pidCount + pid] ?? 0;
    return (packets * bitsPerPacket) / coveredSeconds;
  }

  /** Bits per second of `pid` over the last whole second of PCR time, null until one has passed. */
  pcrBitrateBps(pid: number): number | null {
    if (!this.pcrRatesReady) return null;
    const rate = this.pcrRatesBps[pid] ?? Number.NaN;
    return Number.isNaN(rate) ? null : rate;
  }

  private rotate(arrivalSeconds: number): void {
    for (let step = 0; step < bucketCount && arrivalSeconds >= this.bucketEndSeconds; step++) {
      this.bucket = (this.bucket + 1) % bucketCount;
      this.buckets.fill(0, this.bucket * pidCount, (this.bucket + 1) * pidCount);
      this.bucketEndSeconds += bucketSeconds;
    }
    // A jump of more than a second: every bucket is empty now, realign to the current time.
    if (arrivalSeconds >= this.bucketEndSeconds) {
      this.bucketEndSeconds = (Math.floor(arrivalSeconds / bucketSeconds) + 1) * bucketSeconds;
    }
  }
}
