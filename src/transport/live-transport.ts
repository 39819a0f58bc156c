/**
 * The TS analyser on a live input: bytes are fed as they are received (one push per datagram, stamped
 * with its arrival time), its events become one condition per check (the incident kinds of ts-checks.ts),
 * and its 1-second windows are summed into the figures of the next analysed chunk.
 *
 * The monitor's own receive drops: the receiver can read how many datagrams the kernel dropped, not where
 * in the stream. Received datagrams are held back for one reading of that counter: drops counted at
 * reading k happened after reading k-1, so the datagrams that came before them were received in the
 * period before reading k or are read right after it (they were waiting in the socket buffer). A period
 * is analysed once the reading after it is known, inside a receive-drop span when either reading around
 * it saw drops: continuity errors there are the monitor's (counted apart), not the stream's.
 */
import type { Details, EventTransition, Severity } from '../detectors/contract.js';
import { packetBytes } from './ts-constants.js';
import { tsChecks } from './ts-checks.js';
import { TsAnalyzer, type TsAnalyzerOptions, type TsPushResult } from './ts-analyzer.js';
import type { TsWindow } from './ts-window.js';
import { sumTransportWindows, type TransportChunkFigures } from './transport-chunk-figures.js';

export type { TransportChunkFigures } from './transport-chunk-figures.js';

/** A transport check's condition, on the wall clock: open while any of its events (any PID) is open. */
export type TransportCondition =
  | {
      readonly kind: 'open';
      readonly incidentKind: string;
      readonly atMs: number;
      readonly severity: Severity;
      readonly details: Details;
    }
  | {
      readonly kind: 'close';
      readonly incidentKind: string;
      readonly atMs: number;
      readonly details: Details;
    };

interface Period {
  readonly datagrams: Uint8Array[];
  readonly arrivalsMs: number[];
  /** Datagrams the kernel dropped during this period (known at the reading that ends it). */
  droppedDatagrams: number;
}

interface OpenCondition {
  readonly events: Set<string>;
  readonly pids: Set<number>;
  errors: number;
}

export interface LiveTransportOptions extends TsAnalyzerOptions {
  readonly onCondition: (condition: TransportCondition) => void;
}

const checkByName = new Map(tsChecks.map((info) => [info.name, info]));

export class LiveTransport {
  private readonly analyzer: TsAnalyzer;
  private current: Period = newPeriod();
  private previous: Period | null = null;
  private lastDropCount: number | null = null;
  private packetsPerDatagram = 7;
  private firstArrivalMs: number | null = null;
  private windows: TsWindow[] = [];
  private finished = false;
  private readonly conditions = new Map<string, OpenCondition>();
  /** Analyser event key -> the check name it belongs to. */
  private readonly eventChecks = new Map<string, string>();

  constructor(private readonly options: LiveTransportOptions) {
    // Receive times are taken when the worker's event loop reads a datagram: a pause of ours (a chunk's
    // analysis) would look like a PCR gap on them, so PCR repetition is measured on the PCR values.
    this.analyzer = new TsAnalyzer({ pcrRepetitionClock: 'pcr', ...options });
  }

  /** A datagram's TS payload as received; kept (not copied) until its period is analysed. */
  receive(bytes: Uint8Array, receivedAtMs: number): void {
    if (this.finished) return;
    this.current.datagrams.push(bytes);
    this.current.arrivalsMs.push(receivedAtMs);
    if (bytes.length >= packetBytes) this.packetsPerDatagram = Math.floor(bytes.length / packetBytes);
  }

  /**
   * Ends the current period with the kernel's cumulative drop count for the socket (null: unknown, taken
   * as no drop) and analyses the period before it.
   */
  settle(droppedDatagramsTotal: number | null): void {
    if (this.finished) return;
    const total = droppedDatagramsTotal ?? this.lastDropCount ?? 0;
    this.current.droppedDatagrams = this.lastDropCount === null ? 0 : Math.max(0, total - this.lastDropCount);
    this.lastDropCount = total;
    if (this.previous) this.analyze(this.previous, this.current.droppedDatagrams);
    this.previous = this.current;
    this.current = newPeriod();
  }

  /** Figures of the windows that ended since the last call (null when none did). */
  takeChunkFigures(): TransportChunkFigures | null {
    const windows = this.windows;
    this.windows = [];
    return sumTransportWindows(windows);
  }

  /** The input ended: analyses what is held and closes every open condition (once). */
  finish(): void {
    if (this.finished) return;
    this.settle(this.lastDropCount);
    this.settle(this.lastDropCount);
    this.finished = true;
    const { windows, transitions } = this.analyzer.finish();
    this.accept({ windows, transitions });
  }

  private analyze(period: Period, droppedAfter: number): void {
    const span = period.droppedDatagrams > 0 || droppedAfter > 0;
    // The drops counted after this period are noted once, here; those counted before it were noted with
    // the period before.
    if (span) this.analyzer.beginReceiveDropSpan(droppedAfter * this.packetsPerDatagram);
    period.datagrams.forEach((bytes, index) => {
      const atMs = period.arrivalsMs[index] ?? 0;
      this.firstArrivalMs ??= atMs;
      this.accept(this.analyzer.push(bytes, atMs));
    });
    if (span) this.analyzer.endReceiveDropSpan();
  }

  private accept(result: TsPushResult): void {
    if (result.windows.length > 0) this.windows.push(...result.windows);
    const zeroMs = this.firstArrivalMs ?? 0;
    for (const transition of result.transitions) {
      const atMs =
        zeroMs + (transition.kind === 'open' ? transition.startSeconds : transition.endSeconds) * 1000;
      if (transition.kind === 'open') {
        const checkName = String(transition.details.check);
        const info = checkByName.get(checkName);
        if (!info) continue;
        this.eventChecks.set(transition.key, checkName);
        let condition = this.conditions.get(checkName);
        if (!condition) {
          condition = { events: new Set(), pids: new Set(), errors: 0 };
          this.conditions.set(checkName, condition);
          this.options.onCondition({
            kind: 'open',
            incidentKind: info.incidentKind,
            atMs: Math.round(atMs),
            severity: transition.severity,
            details: transition.details,
          });
        }
        condition.events.add(transition.key);
        if (typeof transition.details.pid === 'number') condition.pids.add(transition.details.pid);
        continue;
      }
      const checkName = this.eventChecks.get(transition.key);
      if (checkName === undefined) continue;
      this.eventChecks.delete(transition.key);
      const condition = this.conditions.get(checkName);
      const info = checkByName.get(checkName);
      if (!condition || !info) continue;
      condition.events.delete(transition.key);
      const errors = transition.details?.errors;
      condition.errors += typeof errors === 'number' ? errors : 0;
      if (condition.events.size > 0) continue;
      this.conditions.delete(checkName);
      this.options.onCondition({
        kind: 'close',
        incidentKind: info.incidentKind,
        atMs: Math.round(atMs),
        details: { errors: condition.errors, pids: [...condition.pids].sort((a, b) => a - b) },
      });
    }
  }
}

function newPeriod(): Period {
  return { datagrams: [], arrivalsMs: [], droppedDatagrams: 0 };
}

/**
 * A condition as a detector transition of a decode session whose media time 0 was at `mediaZeroAtMs`
 * (so the service turns it back into the same wall-clock time); the key is the incident kind.
 */
export function conditionAsTransition(condition: TransportCondition, mediaZeroAtMs: number): EventTransition {
  const seconds = (condition.atMs - mediaZeroAtMs) / 1000;
  return condition.kind === 'open'
    ? {
        kind: 'open',
        key: condition.incidentKind,
        startSeconds: seconds,
        severity: condition.severity,
        details: condition.details,
      }
    : { kind: 'close', key: condition.incidentKind, endSeconds: seconds, details: condition.details };
}
