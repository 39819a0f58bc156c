/**
 * A channel's transport counters since the monitor started, summed from the `transport` figures of each
 * chunk the worker sends (TR 101 290 error counts, packets, the monitor's own receive drops), for the
 * Prometheus counters and the dashboard's table.
 */
import { tsChecks, type TsCounterName } from '../transport/ts-checks.js';

export interface TransportTotalsView {
  /** Errors per TR 101 290 check, by counter name. */
  readonly counts: Readonly<Record<TsCounterName, number>>;
  readonly packets: number;
  readonly receiveDroppedPackets: number;
  /** Continuity errors blamed on the monitor's own receive drops, not counted as the stream's. */
  readonly suppressedContinuityErrors: number;
}

function numberIn(record: Record<string, unknown>, key: string): number {
  const value = record[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

export class TransportTotals {
  private readonly counts = Object.fromEntries(tsChecks.map((info) => [info.counter, 0])) as Record<
    TsCounterName,
    number
  >;
  private packets = 0;
  private receiveDroppedPackets = 0;
  private suppressedContinuityErrors = 0;
  private seen = false;

  /** Adds one chunk's `measurements.transport` (anything else is ignored). */
  add(figures: unknown): void {
    if (typeof figures !== 'object' || figures === null) return;
    const record = figures as Record<string, unknown>;
    this.seen = true;
    for (const info of tsChecks) this.counts[info.counter] += numberIn(record, info.counter);
    this.packets += numberIn(record, 'packets');
    this.receiveDroppedPackets += numberIn(record, 'receiveDroppedPackets');
    this.suppressedContinuityErrors += numberIn(record, 'suppressedContinuityErrors');
  }

  /** Null until the channel has sent transport figures (inputs not received by the monitor itself). */
  view(): TransportTotalsView | null {
    if (!this.seen) return null;
    return {
      counts: { ...this.counts },
      packets: this.packets,
      receiveDroppedPackets: this.receiveDroppedPackets,
      suppressedContinuityErrors: this.suppressedContinuityErrors,
    };
  }
}
