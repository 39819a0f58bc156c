/** Pairs opens with closes into the events of a report. */
import type { Details, EventTransition, Severity } from '../detectors/contract.js';

export interface ReportEvent {
  readonly detector: string;
  readonly startSeconds: number;
  readonly endSeconds: number;
  readonly channel?: number;
  readonly severity: Severity;
  readonly details: Details;
}

interface OpenEvent {
  detector: string;
  startSeconds: number;
  endSeconds: number | null;
  channel: number | undefined;
  severity: Severity;
  details: Details;
}

export class EventCollector {
  private readonly all: OpenEvent[] = [];
  private readonly open = new Map<string, OpenEvent>();

  accept(detectorId: string, transition: EventTransition): void {
    const key = `${detectorId}\u0000${transition.key}`;
    switch (transition.kind) {
      case 'open': {
        const event: OpenEvent = {
          detector: detectorId,
          startSeconds: transition.startSeconds,
          endSeconds: null,
          channel: transition.channel,
          severity: transition.severity,
          details: transition.details,
        };
        this.all.push(event);
        this.open.set(key, event);
        return;
      }
      case 'close': {
        const event = this.open.get(key);
        if (!event) return;
        event.endSeconds = transition.endSeconds;
        if (transition.details) event.details = { ...event.details, ...transition.details };
        this.open.delete(key);
        return;
      }
    }
  }

  /** Closes events a detector left open (it should not) at the end of the input. */
  closeAll(endSeconds: number): void {
    for (const event of this.open.values()) event.endSeconds = endSeconds;
    this.open.clear();
  }

  events(): ReportEvent[] {
    return this.all
      .map((event) => ({
        detector: event.detector,
        startSeconds: roundMs(event.startSeconds),
        endSeconds: roundMs(event.endSeconds ?? event.startSeconds),
        ...(event.channel === undefined ? {} : { channel: event.channel }),
        severity: event.severity,
        details: event.details,
      }))
      .sort((a, b) => a.startSeconds - b.startSeconds || a.detector.localeCompare(b.detector));
  }
}

function roundMs(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
