/**
 * TR 101 290 figures as a chunk row carries them (`measurements.transport`): the analyser's 1-second
 * windows that ended since the previous chunk, summed. The same shape whoever fed the analyser: a live
 * input received by the worker (`LiveTransport`) or the TS segments of an HLS channel's decoded rendition
 * (`SegmentTsFeed`), so the store, the API, `/metrics` and the dashboard read both alike.
 *
 * Figures of consecutive periods merge into one of the same shape (`mergeTransportFigures`: counts add,
 * the bitrates are the later period's); figures that cross a process boundary are read back with
 * `readTransportFigures`, which keeps only the known fields, as finite numbers, and never throws.
 */
import { tsChecks, type TsCounterName, type TsCounts } from './ts-checks.js';
import { pidCount } from './ts-constants.js';
import type { TsWindow } from './ts-window.js';

/** Figures for one analysed chunk: the transport seconds that ended since the previous chunk. */
export interface TransportChunkFigures extends Readonly<Partial<Record<TsCounterName, number>>> {
  /** Stream seconds the windows cover. */
  readonly seconds: number;
  readonly packets: number;
  readonly priority1Errors: number;
  readonly priority2Errors: number;
  readonly receiveDroppedPackets: number;
  readonly suppressedContinuityErrors: number;
  /** All PIDs together over the last second of arrival time. */
  readonly bitrateBps: number;
  readonly pids: readonly { readonly pid: number; readonly bitrateBps: number | null }[];
}

/** The windows as one period; null when there are none. */
export function sumTransportWindows(windows: readonly TsWindow[]): TransportChunkFigures | null {
  const last = windows[windows.length - 1];
  if (!last) return null;
  const counts: Partial<Record<TsCounterName, number>> = {};
  let seconds = 0;
  let packets = 0;
  let receiveDroppedPackets = 0;
  let suppressedContinuityErrors = 0;
  let priority1Errors = 0;
  let priority2Errors = 0;
  for (const window of windows) {
    // Summed per window: windows of two analyser sessions (an HLS discontinuity) are not contiguous.
    seconds += window.endSeconds - window.startSeconds;
    packets += window.packets;
    receiveDroppedPackets += window.receiveDroppedPackets;
    suppressedContinuityErrors += window.suppressedContinuityErrors;
    for (const info of tsChecks) {
      const value = (window.counts as TsCounts)[info.counter];
      counts[info.counter] = (counts[info.counter] ?? 0) + value;
      if (info.priority === 1) priority1Errors += value;
      else priority2Errors += value;
    }
  }
  const pids = last.pids.map((figures) => ({ pid: figures.pid, bitrateBps: figures.bitrateBps }));
  return {
    ...counts,
    seconds: roundMs(seconds),
    packets,
    priority1Errors,
    priority2Errors,
    receiveDroppedPackets,
    suppressedContinuityErrors,
    bitrateBps: pids.reduce((sum, figures) => sum + (figures.bitrateBps ?? 0), 0),
    pids,
  };
}

/** The figures of two consecutive periods as one. */
export function mergeTransportFigures(
  earlier: TransportChunkFigures,
  later: TransportChunkFigures,
): TransportChunkFigures {
  const counts: Partial<Record<TsCounterName, number>> = {};
  for (const info of tsChecks)
    counts[info.counter] = (earlier[info.counter] ?? 0) + (later[info.counter] ?? 0);
  return {
    ...counts,
    seconds: roundMs(earlier.seconds + later.seconds),
    packets: earlier.packets + later.packets,
    priority1Errors: earlier.priority1Errors + later.priority1Errors,
    priority2Errors: earlier.priority2Errors + later.priority2Errors,
    receiveDroppedPackets: earlier.receiveDroppedPackets + later.receiveDroppedPackets,
    suppressedContinuityErrors: earlier.suppressedContinuityErrors + later.suppressedContinuityErrors,
    bitrateBps: later.bitrateBps,
    pids: later.pids,
  };
}

type Fields = Record<string, unknown>;

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A count: a finite number >= 0, else 0. */
function count(fields: Fields, key: string): number {
  const value = fields[key];
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0;
}

function readPid(value: unknown): TransportChunkFigures['pids'][number] | null {
  if (!isFields(value)) return null;
  const pid = value['pid'];
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid < 0 || pid >= pidCount) return null;
  const bitrate = value['bitrateBps'];
  return { pid, bitrateBps: typeof bitrate === 'number' && Number.isFinite(bitrate) ? bitrate : null };
}

/** Figures from another process: the known fields only, each a finite number; null when not an object. */
export function readTransportFigures(value: unknown): TransportChunkFigures | null {
  if (!isFields(value)) return null;
  const counts: Partial<Record<TsCounterName, number>> = {};
  for (const info of tsChecks) counts[info.counter] = count(value, info.counter);
  const pids = Array.isArray(value['pids'])
    ? value['pids']
        .slice(0, pidCount)
        .map(readPid)
        .filter((pid) => pid !== null)
    : [];
  return {
    ...counts,
    seconds: count(value, 'seconds'),
    packets: count(value, 'packets'),
    priority1Errors: count(value, 'priority1Errors'),
    priority2Errors: count(value, 'priority2Errors'),
    receiveDroppedPackets: count(value, 'receiveDroppedPackets'),
    suppressedContinuityErrors: count(value, 'suppressedContinuityErrors'),
    bitrateBps: count(value, 'bitrateBps'),
    pids,
  };
}

function roundMs(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
