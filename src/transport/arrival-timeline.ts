/**
 * Arrival times for a TS file, which has none of its own: the byte position of each PCR of one reference
 * PID (the first that carries a PCR) is tied to that PCR's time, and bytes between two PCRs are placed by
 * linear interpolation, as a constant-rate delivery of each PCR interval would place them.
 *
 * A PCR step that is not a normal interval (discontinuity_indicator, backwards, over the 100 ms TR 101 290
 * allows) is replaced by the bytes of that interval at the file's mean rate over its normal steps. A file
 * cannot tell a PCR that jumped while packets kept flowing from a PCR outage, and this choice keeps the
 * first one a PCR discontinuity only (as with a real arrival clock). The cost: a real outage (a stalled
 * encoder) is timed by the bytes written meanwhile, so it looks shorter than it was; it still counts as
 * one repetition and one discontinuity error. Bytes after the last PCR arrive at the mean rate but no
 * later than one PCR interval after it (a file ends between two PCRs, not in a PCR gap). Without any PCR
 * a nominal rate is assumed.
 */
import { packetBytes, pcrTicksPerSecond } from './ts-constants.js';
import { wrappedPcrStep27MHz } from './ts-clock.js';
import type { PacketSink } from './ts-framer.js';

/** Steps up to this (TR 101 290's discontinuity limit) are normal intervals. */
const maxTrustedStepSeconds = 0.1;

/** Collects the stream offset and value of every PCR of the first PID that carries one. */
export class PcrScanner implements PacketSink {
  readonly offsets: number[] = [];
  readonly values27MHz: number[] = [];
  readonly discontinuities: boolean[] = [];
  private referencePid = -1;

  onPacket(bytes: Uint8Array, offset: number, streamOffset: number): void {
    if (((bytes[offset + 3] ?? 0) & 0x20) === 0 || (bytes[offset + 4] ?? 0) < 7) return;
    const flags = bytes[offset + 5] ?? 0;
    if ((flags & 0x10) === 0) return;
    const pid = (((bytes[offset + 1] ?? 0) & 0x1f) << 8) | (bytes[offset + 2] ?? 0);
    if (this.referencePid < 0) this.referencePid = pid;
    if (pid !== this.referencePid) return;
    const at = offset + 6;
    const b4 = bytes[at + 4] ?? 0;
    const base =
      (bytes[at] ?? 0) * 0x2000000 +
      (((bytes[at + 1] ?? 0) << 17) | ((bytes[at + 2] ?? 0) << 9) | ((bytes[at + 3] ?? 0) << 1) | (b4 >> 7));
    this.offsets.push(streamOffset);
    this.values27MHz.push(base * 300 + (((b4 & 0x01) << 8) | (bytes[at + 5] ?? 0)));
    this.discontinuities.push((flags & 0x80) !== 0);
  }

  onSyncByteError(): void {}
  onSyncLost(): void {}
  onSyncAcquired(): void {}
}

export class ArrivalTimeline {
  /** Seconds at each PCR offset. */
  private readonly times: number[] = [];
  private readonly bytesPerSecond: number;
  private lastTrustedStepSeconds = 0;
  readonly fromPcr: boolean;

  constructor(
    private readonly scan: PcrScanner,
    nominalBitrateBps: number,
  ) {
    const { offsets, values27MHz, discontinuities } = scan;
    const steps: number[] = [];
    let trustedBytes = 0;
    let trustedSeconds = 0;
    for (let index = 0; index + 1 < offsets.length; index++) {
      const stepSeconds =
        wrappedPcrStep27MHz(values27MHz[index] ?? 0, values27MHz[index + 1] ?? 0) / pcrTicksPerSecond;
      const trusted = !discontinuities[index + 1] && stepSeconds >= 0 && stepSeconds <= maxTrustedStepSeconds;
      steps.push(trusted ? stepSeconds : Number.NaN);
      if (trusted) {
        this.lastTrustedStepSeconds = stepSeconds;
        trustedBytes += (offsets[index + 1] ?? 0) - (offsets[index] ?? 0);
        trustedSeconds += stepSeconds;
      }
    }
    this.fromPcr = trustedSeconds > 0;
    this.bytesPerSecond = this.fromPcr ? trustedBytes / trustedSeconds : nominalBitrateBps / 8;
    let seconds = (offsets[0] ?? 0) / this.bytesPerSecond;
    this.times.push(seconds);
    steps.forEach((step, index) => {
      const bytes = (offsets[index + 1] ?? 0) - (offsets[index] ?? 0);
      seconds += Number.isNaN(step) ? bytes / this.bytesPerSecond : step;
      this.times.push(seconds);
    });
  }

  /** Stream offsets of the reference PCR packets, ascending. */
  get pcrOffsets(): readonly number[] {
    return this.scan.offsets;
  }

  /** Mean transport rate over the trusted PCR intervals (or the nominal one). */
  get bitrateBps(): number {
    return this.bytesPerSecond * 8;
  }

  secondsAt(streamOffset: number): number {
    const offsets = this.scan.offsets;
    const first = offsets[0];
    const last = offsets[offsets.length - 1];
    if (first === undefined || last === undefined || streamOffset <= first) {
      return streamOffset / this.bytesPerSecond;
    }
    if (streamOffset >= last) {
      // A file is cut between two PCRs: its tail cannot arrive later than the next PCR was due.
      const tailSeconds = Math.min((streamOffset - last) / this.bytesPerSecond, this.lastTrustedStepSeconds);
      return (this.times[this.times.length - 1] ?? 0) + tailSeconds;
    }
    let low = 0;
    let high = offsets.length - 1;
    while (high - low > 1) {
      const middle = (low + high) >> 1;
      if ((offsets[middle] ?? 0) <= streamOffset) low = middle;
      else high = middle;
    }
    const start = offsets[low] ?? 0;
    const end = offsets[high] ?? start + packetBytes;
    const startSeconds = this.times[low] ?? 0;
    const endSeconds = this.times[high] ?? startSeconds;
    return startSeconds + ((streamOffset - start) / (end - start)) * (endSeconds - startSeconds);
  }
}
