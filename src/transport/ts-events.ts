/**
 * Turns transport errors into events shaped like detector transitions (open with the true start and a
 * severity, close with the end), so the service can treat them like detector events. Errors of one check
 * on one PID that come within `mergeSeconds` of each other make one event (a burst of continuity errors
 * is one incident, not hundreds); its close says how many errors it held.
 */
import type { Details, EventTransition } from '../detectors/contract.js';
import { pidCount } from './ts-constants.js';
import { checkInfo, severityOf, type TsCheckIndex } from './ts-checks.js';

interface TrackedEvent {
  readonly key: string;
  endSeconds: number;
  errors: number;
  /** A gap (PAT missing, PID missing...) still in progress: the event cannot close before it ends. */
  ongoing: boolean;
  gapStartSeconds: number;
  longestGapSeconds: number;
}

/** Stream-wide checks (sync) have no PID: they use this slot. */
export const noPid = -1;

export class TsEventTracker {
  private readonly open = new Map<number, TrackedEvent>();
  private transitions: EventTransition[] = [];
  private sequence = 0;

  constructor(private readonly mergeSeconds: number) {}

  get openCount(): number {
    return this.open.size;
  }

  /** An error over [startSeconds, endSeconds]; an instant when both are equal. */
  occurred(
    check: TsCheckIndex,
    pid: number,
    startSeconds: number,
    endSeconds: number,
    details?: Details,
  ): void {
    const event = this.eventFor(check, pid, startSeconds, details);
    event.errors += 1;
    event.endSeconds = Math.max(event.endSeconds, endSeconds);
    event.longestGapSeconds = Math.max(event.longestGapSeconds, endSeconds - startSeconds);
  }

  /** A gap that began at `startSeconds` and goes on: counted once now, ended by `gapEnded`. */
  gapBegan(check: TsCheckIndex, pid: number, startSeconds: number, details?: Details): void {
    const event = this.eventFor(check, pid, startSeconds, details);
    event.errors += 1;
    event.ongoing = true;
    event.gapStartSeconds = startSeconds;
    event.endSeconds = Math.max(event.endSeconds, startSeconds);
  }

  gapEnded(check: TsCheckIndex, pid: number, endSeconds: number): void {
    const event = this.open.get(slotOf(check, pid));
    if (!event?.ongoing) return;
    event.ongoing = false;
    event.endSeconds = Math.max(event.endSeconds, endSeconds);
    event.longestGapSeconds = Math.max(event.longestGapSeconds, endSeconds - event.gapStartSeconds);
  }

  /** Closes the events that saw no error for `mergeSeconds` before `nowSeconds`. */
  expire(nowSeconds: number): void {
    if (this.open.size === 0) return;
    for (const [slot, event] of this.open) {
      if (!event.ongoing && nowSeconds - event.endSeconds > this.mergeSeconds)
        this.close(slot, event, event.endSeconds);
    }
  }

  /** The input ended: gaps still going on end at `endSeconds`. */
  finish(endSeconds: number): void {
    for (const [slot, event] of this.open) {
      const end = event.ongoing ? Math.max(endSeconds, event.endSeconds) : event.endSeconds;
      if (event.ongoing)
        event.longestGapSeconds = Math.max(event.longestGapSeconds, end - event.gapStartSeconds);
      this.close(slot, event, end);
    }
  }

  /** Transitions since the last call, in the order they happened. */
  drain(): readonly EventTransition[] {
    if (this.transitions.length === 0) return noTransitions;
    const drained = this.transitions;
    this.transitions = [];
    return drained;
  }

  private eventFor(check: TsCheckIndex, pid: number, startSeconds: number, details?: Details): TrackedEvent {
    const slot = slotOf(check, pid);
    const current = this.open.get(slot);
    if (current && (current.ongoing || startSeconds - current.endSeconds <= this.mergeSeconds))
      return current;
    if (current) this.close(slot, current, current.endSeconds);
    const info = checkInfo(check);
    this.sequence += 1;
    const event: TrackedEvent = {
      key: `${info.name}/${pid === noPid ? 'stream' : pid}/${this.sequence}`,
      endSeconds: startSeconds,
      errors: 0,
      ongoing: false,
      gapStartSeconds: startSeconds,
      longestGapSeconds: 0,
    };
    this.open.set(slot, event);
    this.transitions.push({
      kind: 'open',
      key: event.key,
      startSeconds,
      severity: severityOf(check),
      details: {
        check: info.name,
        priority: info.priority,
        ...(pid === noPid ? {} : { pid }),
        ...details,
      },
    });
    return event;
  }

  private close(slot: number, event: TrackedEvent, endSeconds: number): void {
    this.open.delete(slot);
    const longestGapMs = Math.round(event.longestGapSeconds * 1e6) / 1e3;
    this.transitions.push({
      kind: 'close',
      key: event.key,
      endSeconds,
      details: { errors: event.errors, ...(longestGapMs > 0 ? { longestGapMs } : {}) },
    });
  }
}

const noTransitions: readonly EventTransition[] = [];

function slotOf(check: TsCheckIndex, pid: number): number {
  return check * (pidCount + 1) + pid + 1;
}
