/**
 * TR 101 290 1.4, continuity_count_error, per PID in typed arrays (no allocation per packet).
 *
 * - The counter goes up by one per packet with a payload and stays put on packets without one.
 * - One repeat of a packet with a payload is allowed (a duplicate); a second repeat is an error.
 * - A packet whose adaptation field sets discontinuity_indicator restarts the count.
 * - A packet after an error that continues the count from before the error means the erroneous packet
 *   only had its counter corrupted: one error, not two (a dropped packet gives one error as well).
 * - Receive drops: the monitor's own losses (`noteReceiveDrop`) are not the stream's. An error on a PID
 *   whose previous packet came before a noted drop and whose current packet comes after it is blamed on
 *   the drop (counted apart as suppressed), at most as many times as packets were noted dropped. A PID
 *   whose packets all came after the drop keeps its errors. When the receiver knows only the period in
 *   which it lost packets (a kernel counter read now and then), `beginDropSpan`/`endDropSpan` bracket the
 *   packets of that period: any error inside, and on the first packet of each PID after it, may be blamed.
 * Null packets (PID 0x1FFF) are not checked by the caller.
 */
import { pidCount } from './ts-constants.js';

export const ContinuityResult = {
  ok: 0,
  /** The first repeat of the previous packet: its payload must be ignored. */
  duplicate: 1,
  error: 2,
  /** An error blamed on a receive drop of the monitor. */
  receiveDrop: 3,
} as const;

export type ContinuityResultValue = (typeof ContinuityResult)[keyof typeof ContinuityResult];

const none = -1;

export class ContinuityChecker {
  private readonly lastCc = new Int8Array(pidCount).fill(none);
  private readonly duplicateSeen = new Uint8Array(pidCount);
  /** After an error: the counter the erroneous packet should have had, else none. */
  private readonly expectedBeforeError = new Int8Array(pidCount).fill(none);
  private readonly dropEpochOfPid = new Uint32Array(pidCount);
  private dropEpoch = 0;
  private dropAllowance = 0;
  /** Inside a span where the monitor lost packets at a point it cannot place more precisely. */
  private dropSpanOpen = false;
  /** Expected and received counter of the last error, for event details. */
  expectedCc = 0;
  receivedCc = 0;

  noteReceiveDrop(packets: number): void {
    this.dropEpoch += 1;
    this.dropAllowance += packets;
  }

  /** Packets were lost somewhere between now and `endDropSpan`: errors in the span may be blamed on them. */
  beginDropSpan(packets: number): void {
    this.dropAllowance += packets;
    this.dropSpanOpen = true;
  }

  /** The span ends: the next packet of each PID may still show the loss (as after `noteReceiveDrop`). */
  endDropSpan(): void {
    this.dropSpanOpen = false;
    this.dropEpoch += 1;
  }

  /** Whether the next packet of `pid` is the first since a noted drop, or inside a drop span. */
  crossesDrop(pid: number): boolean {
    return this.dropSpanOpen || this.dropEpochOfPid[pid] !== this.dropEpoch;
  }

  check(pid: number, cc: number, hasPayload: boolean, discontinuity: boolean): ContinuityResultValue {
    const last = this.lastCc[pid] ?? none;
    const crossedDrop = this.dropSpanOpen || this.dropEpochOfPid[pid] !== this.dropEpoch;
    this.dropEpochOfPid[pid] = this.dropEpoch;
    this.lastCc[pid] = cc;
    if (last === none || discontinuity) {
      this.duplicateSeen[pid] = 0;
      this.expectedBeforeError[pid] = none;
      return ContinuityResult.ok;
    }
    const expected = hasPayload ? (last + 1) & 0xf : last;
    const beforeError = this.expectedBeforeError[pid] ?? none;
    this.expectedBeforeError[pid] = none;
    if (cc === expected) {
      this.duplicateSeen[pid] = 0;
      return ContinuityResult.ok;
    }
    if (hasPayload && cc === last && this.duplicateSeen[pid] === 0) {
      this.duplicateSeen[pid] = 1;
      return ContinuityResult.duplicate;
    }
    if (beforeError !== none && cc === (hasPayload ? (beforeError + 1) & 0xf : beforeError)) {
      this.duplicateSeen[pid] = 0;
      return ContinuityResult.ok;
    }
    this.duplicateSeen[pid] = 0;
    this.expectedBeforeError[pid] = expected;
    this.expectedCc = expected;
    this.receivedCc = cc;
    if (crossedDrop && this.dropAllowance > 0) {
      this.dropAllowance -= 1;
      return ContinuityResult.receiveDrop;
    }
    return ContinuityResult.error;
  }
}
