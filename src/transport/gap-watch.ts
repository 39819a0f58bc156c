/**
 * "Must occur at least every N seconds" for a set of PIDs (PAT, PMT, referenced PIDs, PCR, PTS). A gap
 * over the limit is one error: found when the next occurrence ends it, or earlier by `sweep` while it is
 * still going on (then the event opens at once and closes when the gap ends). The event starts at the
 * last occurrence before the gap. Per-PID state sits in typed arrays: `seen` runs for every packet.
 */
import type { Details } from '../detectors/contract.js';
import { pidCount, timeToleranceSeconds } from './ts-constants.js';
import type { TsCheckIndex } from './ts-checks.js';
import type { TsFindings } from './ts-findings.js';

export class GapWatch {
  /** Last occurrence on the clock the limit is measured with. */
  private readonly lastClockSeconds = new Float64Array(pidCount).fill(Number.NaN);
  /** The same occurrence on the stream clock that event times use. */
  private readonly lastEventSeconds = new Float64Array(pidCount).fill(Number.NaN);
  private readonly watched = new Uint8Array(pidCount);
  private readonly gapOpen = new Uint8Array(pidCount);
  private watchedPids: number[] = [];
  private readonly openDetails: Details;

  constructor(
    private readonly findings: TsFindings,
    private readonly check: TsCheckIndex,
    private readonly limitSeconds: number,
  ) {
    this.openDetails = { limitMs: Math.round(limitSeconds * 1000) };
  }

  isWatched(pid: number): boolean {
    return this.watched[pid] === 1;
  }

  get pids(): readonly number[] {
    return this.watchedPids;
  }

  /** Starts checking `pid`: its limit counts from now (an earlier occurrence does not count). */
  watch(pid: number, clockSeconds: number, eventSeconds: number): void {
    if (this.watched[pid] === 1) return;
    this.watched[pid] = 1;
    this.gapOpen[pid] = 0;
    this.lastClockSeconds[pid] = clockSeconds;
    this.lastEventSeconds[pid] = eventSeconds;
    this.watchedPids = [...this.watchedPids, pid];
  }

  /** Stops checking `pid`; a gap in progress ends now. */
  unwatch(pid: number, eventSeconds: number): void {
    if (this.watched[pid] !== 1) return;
    if (this.gapOpen[pid] === 1) this.findings.gapEnded(this.check, pid, eventSeconds);
    this.watched[pid] = 0;
    this.gapOpen[pid] = 0;
    this.watchedPids = this.watchedPids.filter((watchedPid) => watchedPid !== pid);
  }

  /** An occurrence on `pid`. */
  seen(pid: number, clockSeconds: number, eventSeconds: number): void {
    if (this.watched[pid] === 1) {
      if (this.gapOpen[pid] === 1) {
        this.gapOpen[pid] = 0;
        this.findings.gapEnded(this.check, pid, eventSeconds);
      } else if (
        clockSeconds - (this.lastClockSeconds[pid] ?? clockSeconds) >
        this.limitSeconds + timeToleranceSeconds
      ) {
        this.findings.gap(
          this.check,
          pid,
          this.lastEventSeconds[pid] ?? eventSeconds,
          eventSeconds,
          this.openDetails,
        );
      }
    }
    this.lastClockSeconds[pid] = clockSeconds;
    this.lastEventSeconds[pid] = eventSeconds;
  }

  /** An occurrence after a loss of the monitor's own: the interval is not judged, the next one is. */
  restart(pid: number, clockSeconds: number, eventSeconds: number): void {
    if (this.gapOpen[pid] === 1) {
      this.gapOpen[pid] = 0;
      this.findings.gapEnded(this.check, pid, eventSeconds);
    }
    this.lastClockSeconds[pid] = clockSeconds;
    this.lastEventSeconds[pid] = eventSeconds;
  }

  /** Opens the gaps that are already over their limit at `clockSeconds`. */
  sweep(clockSeconds: number): void {
    for (const pid of this.watchedPids) {
      if (this.gapOpen[pid] === 1) continue;
      const lastSeconds = this.lastClockSeconds[pid] ?? clockSeconds;
      if (clockSeconds - lastSeconds <= this.limitSeconds + timeToleranceSeconds) continue;
      this.gapOpen[pid] = 1;
      this.findings.gapBegan(this.check, pid, this.lastEventSeconds[pid] ?? lastSeconds, this.openDetails);
    }
  }
}
