/**
 * The analyser's two clocks.
 *
 * Arrival clock: `receivedAtMs` of each push, in seconds since the first packet. It measures delivery:
 * PCR repetition (2.3) and the per-PID bitrate. Every packet of a push shares its time, so pushes should
 * be small (a datagram, a few ms of stream) for these to mean something; the file helper pushes 7 packets.
 *
 * Stream clock: the stream's own PCR, for the "at least every N seconds" rules (PAT, PMT, PID, PTS) and
 * for every event time. It follows one reference PID (the first that carries a PCR; another one once it
 * has had none for a second). At each reference PCR it advances by the PCR step when that step is a normal
 * interval (no discontinuity_indicator, 0 to 100 ms, the range TR 101 290 2.3 allows); a broken or reset
 * PCR says nothing about elapsed time, so then it advances by the arrival time since the previous one
 * (at most 100 ms while the PCR is still locked, see below). Between PCRs it follows the arrival clock for
 * up to 100 ms past the last PCR and then holds: a burst of packets that arrives late (a stalled event
 * loop, a large read) cannot make it leap and fake a PAT gap. Once the reference PCR has been missing for
 * a second of arrival time (unlocked) it runs on the arrival clock again, so gaps are still measured in a
 * stream that lost its PCR. Before the first PCR it is the arrival clock. It never runs backwards.
 */
import { pcrTicksPerSecond, pcrWrap27MHz } from './ts-constants.js';

/** A PCR step above this (TR 101 290 2.3's discontinuity limit) is not trusted as elapsed time. */
const maxTrustedPcrStepSeconds = 0.1;
/** Between PCRs the stream clock runs ahead of the last one on the arrival clock by at most this. */
const holdoverSeconds = 0.1;
/** The reference PCR is lost (and may be replaced by another PID's) after this long without one. */
const unlockSeconds = 1;

export class TsClock {
  /** Arrival seconds since the first packet. */
  arrivalSeconds = 0;
  /** Stream seconds of the current packet. */
  nowSeconds = 0;
  /** Step of the last reference PCR in seconds (when it was trusted). */
  lastStepSeconds = 0;
  private firstArrivalMs = Number.NaN;
  private anchorSeconds = 0;
  private anchorArrivalSeconds = 0;
  private referencePid = -1;
  private lastReferencePcr27MHz = 0;

  get referencePcrPid(): number {
    return this.referencePid;
  }

  /** Every packet of a push shares its arrival time. */
  setArrival(receivedAtMs: number): void {
    if (Number.isNaN(this.firstArrivalMs)) this.firstArrivalMs = receivedAtMs;
    this.arrivalSeconds = (receivedAtMs - this.firstArrivalMs) / 1000;
    this.advance(this.anchorSeconds + this.heldSinceAnchor());
  }

  /**
   * A PCR on `pid`. Returns 0 when it is not (or not yet) a reference PCR step, 1 when it is one and its
   * step was trusted, 2 when it is one and its step was not (the PCR bitrate window restarts).
   */
  onPcr(pid: number, pcr27MHz: number, discontinuity: boolean): 0 | 1 | 2 {
    const sinceAnchor = this.arrivalSeconds - this.anchorArrivalSeconds;
    if (pid !== this.referencePid) {
      if (this.referencePid >= 0 && sinceAnchor <= unlockSeconds) return 0;
      this.referencePid = pid;
      this.anchorSeconds = this.nowSeconds;
      this.anchorArrivalSeconds = this.arrivalSeconds;
      this.lastReferencePcr27MHz = pcr27MHz;
      return 0;
    }
    const stepSeconds = wrappedPcrStep27MHz(this.lastReferencePcr27MHz, pcr27MHz) / pcrTicksPerSecond;
    const trusted = !discontinuity && stepSeconds >= 0 && stepSeconds <= maxTrustedPcrStepSeconds;
    if (trusted) this.anchorSeconds += stepSeconds;
    else this.anchorSeconds += sinceAnchor > unlockSeconds ? sinceAnchor : this.heldSinceAnchor();
    this.anchorArrivalSeconds = this.arrivalSeconds;
    this.lastReferencePcr27MHz = pcr27MHz;
    this.lastStepSeconds = trusted ? stepSeconds : 0;
    this.advance(this.anchorSeconds);
    return trusted ? 1 : 2;
  }

  /** Arrival time since the last reference PCR as the stream clock counts it (see the file comment). */
  private heldSinceAnchor(): number {
    const sinceAnchor = Math.max(0, this.arrivalSeconds - this.anchorArrivalSeconds);
    if (this.referencePid < 0 || sinceAnchor <= holdoverSeconds) return sinceAnchor;
    if (sinceAnchor <= unlockSeconds) return holdoverSeconds;
    return holdoverSeconds + sinceAnchor - unlockSeconds;
  }

  private advance(seconds: number): void {
    if (seconds > this.nowSeconds) this.nowSeconds = seconds;
  }
}

/** `next - previous` in 27 MHz ticks across the wrap, in (-wrap/2, wrap/2]: negative when it went back. */
export function wrappedPcrStep27MHz(previous27MHz: number, next27MHz: number): number {
  let step = (next27MHz - previous27MHz) % pcrWrap27MHz;
  if (step > pcrWrap27MHz / 2) step -= pcrWrap27MHz;
  else if (step <= -pcrWrap27MHz / 2) step += pcrWrap27MHz;
  return step;
}
