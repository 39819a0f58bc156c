/**
 * Picks about `perSecond` pictures a second: the first picture at or after every 1/perSecond step, starting
 * again from the current picture after a gap. Blockiness samples by this rule, and the media layer keeps
 * full-resolution luma by it, so the pictures a detector asks for are the ones that still have their plane.
 */
export class PictureSampler {
  private readonly intervalSeconds: number;
  private nextSeconds = -Infinity;

  /** `perSecond`: Infinity takes every picture, 0 none. */
  constructor(perSecond: number) {
    this.intervalSeconds = perSecond > 0 ? 1 / perSecond : Infinity;
  }

  takes(timeSeconds: number): boolean {
    if (this.intervalSeconds === Infinity) return false;
    if (timeSeconds < this.nextSeconds - 1e-6) return false;
    this.nextSeconds += this.intervalSeconds;
    if (this.nextSeconds <= timeSeconds) this.nextSeconds = timeSeconds + this.intervalSeconds;
    return true;
  }
}
