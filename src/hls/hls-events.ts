/**
 * Turns HLS findings into transitions shaped like a detector's (open with the true start, close with the
 * end), each tagged with its detector id, and counts every error. One slot per check and playlist: a
 * `state` check opens with `begin` and closes with `end`; an `instant` check's errors within
 * `mergeSeconds` of each other make one event whose close says how many it held.
 */
import type { Details, EventTransition } from '../detectors/contract.js';
import { hlsChecks, hlsDetectorId, type HlsCheck } from './hls-checks.js';

export interface HlsTransition {
  readonly detector: string;
  readonly transition: EventTransition;
}

interface OpenEvent {
  readonly key: string;
  readonly detector: string;
  lastSeconds: number;
  errors: number;
}

export class HlsEventTracker {
  private readonly open = new Map<string, OpenEvent>();
  private readonly counts = new Map<HlsCheck, number>();
  /** Errors per playlist and check since the last `takeWindowErrors`. */
  private windowCounts = new Map<number, Partial<Record<HlsCheck, number>>>();
  private sequence = 0;

  constructor(
    private readonly mergeSeconds: number,
    private readonly onTransition: (transition: HlsTransition) => void,
  ) {}

  /** A state check's condition holds on `playlist` since `startSeconds`; nothing new when already open. */
  begin(check: HlsCheck, playlist: number, startSeconds: number, details: Details): void {
    if (this.open.has(slotOf(check, playlist))) return;
    this.count(check, playlist);
    this.openEvent(check, playlist, startSeconds, details).lastSeconds = startSeconds;
  }

  /** A state check's condition holds again for one more error (a second failed download). */
  again(check: HlsCheck, playlist: number, atSeconds: number, details: Details): void {
    const event = this.open.get(slotOf(check, playlist));
    if (!event) {
      this.begin(check, playlist, atSeconds, details);
      return;
    }
    this.count(check, playlist);
    event.errors += 1;
    event.lastSeconds = atSeconds;
  }

  /** A state check's condition ended on `playlist` at `endSeconds`. */
  end(check: HlsCheck, playlist: number, endSeconds: number, details?: Details): void {
    const slot = slotOf(check, playlist);
    const event = this.open.get(slot);
    if (!event) return;
    this.close(slot, event, endSeconds, details);
  }

  isOpen(check: HlsCheck, playlist: number): boolean {
    return this.open.has(slotOf(check, playlist));
  }

  /** An instant error; merged into the open event of its slot when within `mergeSeconds`. */
  occurred(check: HlsCheck, playlist: number, atSeconds: number, details: Details): void {
    this.count(check, playlist);
    const slot = slotOf(check, playlist);
    const current = this.open.get(slot);
    if (current && atSeconds - current.lastSeconds <= this.mergeSeconds) {
      current.errors += 1;
      current.lastSeconds = atSeconds;
      return;
    }
    if (current) this.close(slot, current, current.lastSeconds);
    this.openEvent(check, playlist, atSeconds, details).lastSeconds = atSeconds;
  }

  /** Closes instant events quiet for longer than `mergeSeconds` before `nowSeconds`. */
  expire(nowSeconds: number): void {
    for (const [slot, event] of this.open) {
      const check = slot.slice(0, slot.indexOf('\u0000')) as HlsCheck;
      if (hlsChecks[check].kind === 'instant' && nowSeconds - event.lastSeconds > this.mergeSeconds)
        this.close(slot, event, event.lastSeconds);
    }
  }

  /** Closes everything: instant events at their last error, state events at `endSeconds`. */
  finish(endSeconds: number): void {
    for (const [slot, event] of this.open) {
      const check = slot.slice(0, slot.indexOf('\u0000')) as HlsCheck;
      this.close(slot, event, hlsChecks[check].kind === 'instant' ? event.lastSeconds : endSeconds);
    }
  }

  /** Errors per check so far. */
  totals(): Readonly<Record<HlsCheck, number>> {
    const record = {} as Record<HlsCheck, number>;
    for (const check of Object.keys(hlsChecks) as HlsCheck[]) record[check] = this.counts.get(check) ?? 0;
    return record;
  }

  /** Errors per playlist and check since the previous call (playlists without any are absent). */
  takeWindowErrors(): ReadonlyMap<number, Readonly<Partial<Record<HlsCheck, number>>>> {
    const taken = this.windowCounts;
    this.windowCounts = new Map();
    return taken;
  }

  private openEvent(check: HlsCheck, playlist: number, startSeconds: number, details: Details): OpenEvent {
    this.sequence += 1;
    const detector = hlsDetectorId(check);
    const event: OpenEvent = {
      key: `p${playlist}/${this.sequence}`,
      detector,
      lastSeconds: startSeconds,
      errors: 1,
    };
    this.open.set(slotOf(check, playlist), event);
    this.onTransition({
      detector,
      transition: {
        kind: 'open',
        key: event.key,
        startSeconds: roundMs(startSeconds),
        severity: hlsChecks[check].severity,
        details: { check, playlist, ...details },
      },
    });
    return event;
  }

  private close(slot: string, event: OpenEvent, endSeconds: number, details?: Details): void {
    this.open.delete(slot);
    this.onTransition({
      detector: event.detector,
      transition: {
        kind: 'close',
        key: event.key,
        endSeconds: roundMs(endSeconds),
        details: { errors: event.errors, ...details },
      },
    });
  }

  private count(check: HlsCheck, playlist: number): void {
    this.counts.set(check, (this.counts.get(check) ?? 0) + 1);
    let perCheck = this.windowCounts.get(playlist);
    if (!perCheck) this.windowCounts.set(playlist, (perCheck = {}));
    perCheck[check] = (perCheck[check] ?? 0) + 1;
  }
}

function slotOf(check: HlsCheck, playlist: number): string {
  return `${check}\u0000${playlist}`;
}

function roundMs(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
