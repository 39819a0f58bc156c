/**
 * Turns a stream of "is the condition true over [start, end)?" observations into events with a minimum
 * duration: an event opens once the condition has held for `minDurationSeconds` (its start is when the
 * condition began) and closes when the condition stops. Interruptions shorter than `mergeGapSeconds` do not
 * end a span.
 */
import type { Details, EventTransition, Severity } from './contract.js';

export interface ConditionSpanOptions {
  /** Prefix for event keys; each span gets `${keyPrefix}#${n}`. */
  readonly keyPrefix: string;
  readonly minDurationSeconds: number;
  readonly mergeGapSeconds?: number;
  readonly severity: Severity;
  readonly channel?: number;
  /** Figures for the open transition, asked when the event opens. */
  readonly openDetails?: () => Details;
  /** Figures for the close transition, asked when the event closes. */
  readonly closeDetails?: () => Details;
}

/** Timestamps of adjacent frames or samples rarely add up exactly: this much gap still counts as adjacent. */
const defaultMergeGapSeconds = 0.001;

export class ConditionSpan {
  private spanStartSeconds: number | null = null;
  private lastActiveEndSeconds = 0;
  private openKey: string | null = null;
  private spanCount = 0;
  private readonly mergeGapSeconds: number;

  constructor(private readonly options: ConditionSpanOptions) {
    this.mergeGapSeconds = options.mergeGapSeconds ?? defaultMergeGapSeconds;
  }

  /** Whether a span is in progress (opened or not yet long enough). */
  get active(): boolean {
    return this.spanStartSeconds !== null;
  }

  get isOpen(): boolean {
    return this.openKey !== null;
  }

  /** Start of the span in progress, if any. */
  get startSeconds(): number | null {
    return this.spanStartSeconds;
  }

  observe(startSeconds: number, endSeconds: number, active: boolean, out: EventTransition[]): void {
    if (active) {
      const continues =
        this.spanStartSeconds !== null && startSeconds - this.lastActiveEndSeconds <= this.mergeGapSeconds;
      if (!continues) {
        this.endSpan(out);
        this.spanStartSeconds = startSeconds;
      }
      this.lastActiveEndSeconds = Math.max(this.lastActiveEndSeconds, endSeconds);
      this.openIfLongEnough(out);
    } else if (
      this.spanStartSeconds !== null &&
      endSeconds - this.lastActiveEndSeconds > this.mergeGapSeconds
    ) {
      this.endSpan(out);
    }
  }

  /** The input ended: close an open event at the end of the condition, drop a span that was too short. */
  finish(out: EventTransition[]): void {
    this.endSpan(out);
  }

  private openIfLongEnough(out: EventTransition[]): void {
    if (this.openKey !== null || this.spanStartSeconds === null) return;
    if (this.lastActiveEndSeconds - this.spanStartSeconds + 1e-9 < this.options.minDurationSeconds) return;
    this.spanCount += 1;
    this.openKey = `${this.options.keyPrefix}#${this.spanCount}`;
    out.push({
      kind: 'open',
      key: this.openKey,
      startSeconds: this.spanStartSeconds,
      severity: this.options.severity,
      ...(this.options.channel === undefined ? {} : { channel: this.options.channel }),
      details: this.options.openDetails?.() ?? {},
    });
  }

  private endSpan(out: EventTransition[]): void {
    if (this.openKey !== null) {
      const details = this.options.closeDetails?.();
      out.push({
        kind: 'close',
        key: this.openKey,
        endSeconds: this.lastActiveEndSeconds,
        ...(details === undefined ? {} : { details }),
      });
    }
    this.openKey = null;
    this.spanStartSeconds = null;
  }
}
