/**
 * Where every check reports: one call counts the error (cumulative and in the current 1-second window)
 * and feeds the event tracker, so counters and events cannot disagree.
 */
import type { Details } from '../detectors/contract.js';
import { tsCheckCount, type TsCheckIndex } from './ts-checks.js';
import { TsEventTracker } from './ts-events.js';

export class TsFindings {
  readonly totalCounts = new Float64Array(tsCheckCount);
  readonly windowCounts = new Float64Array(tsCheckCount);
  readonly events: TsEventTracker;

  constructor(mergeSeconds: number) {
    this.events = new TsEventTracker(mergeSeconds);
  }

  /** An error at one instant (a packet). */
  error(check: TsCheckIndex, pid: number, atSeconds: number, details?: Details): void {
    this.count(check);
    this.events.occurred(check, pid, atSeconds, atSeconds, details);
  }

  /** A gap that was over its limit when it ended: [startSeconds, endSeconds] is already known. */
  gap(check: TsCheckIndex, pid: number, startSeconds: number, endSeconds: number, details?: Details): void {
    this.count(check);
    this.events.occurred(check, pid, startSeconds, endSeconds, details);
  }

  /** A gap found over its limit while still going on: counted now, its end comes with `gapEnded`. */
  gapBegan(check: TsCheckIndex, pid: number, startSeconds: number, details?: Details): void {
    this.count(check);
    this.events.gapBegan(check, pid, startSeconds, details);
  }

  gapEnded(check: TsCheckIndex, pid: number, endSeconds: number): void {
    this.events.gapEnded(check, pid, endSeconds);
  }

  private count(check: TsCheckIndex): void {
    this.totalCounts[check] = (this.totalCounts[check] ?? 0) + 1;
    this.windowCounts[check] = (this.windowCounts[check] ?? 0) + 1;
  }
}
