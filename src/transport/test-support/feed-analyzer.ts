/** Runs the analyser over test packets the way a receiver would: 7 packets per push (one UDP datagram). */
import { TsAnalyzer, type TsAnalyzerOptions } from '../ts-analyzer.js';
import type { TsCounterName } from '../ts-checks.js';
import { TsReportBuilder, type TsReport } from '../ts-report.js';

export interface FeedItem {
  readonly bytes: Uint8Array;
  readonly timeSeconds: number;
  /** The receiver noted this many packets of its own lost just before this item. */
  readonly receiveDropBefore?: number;
}

export interface FeedOptions extends TsAnalyzerOptions {
  readonly packetsPerPush?: number;
  /** Cuts each push further into pieces of these sizes (same arrival time): chunking must not matter. */
  readonly pieceBytes?: () => number;
}

export interface FedReport extends TsReport {
  /** The counters that are not zero, so a test can compare them with exactly what it injected. */
  readonly nonZero: Partial<Record<TsCounterName, number>>;
}

export function feed(items: readonly FeedItem[], options: FeedOptions = {}): FedReport {
  const analyzer = new TsAnalyzer(options);
  const builder = new TsReportBuilder(true);
  const perPush = options.packetsPerPush ?? 7;
  let index = 0;
  while (index < items.length) {
    const first = items[index];
    if (!first) break;
    if (first.receiveDropBefore) analyzer.noteReceiveDrop(first.receiveDropBefore);
    const group = [first];
    while (group.length < perPush) {
      const next = items[index + group.length];
      if (!next || next.receiveDropBefore) break;
      group.push(next);
    }
    index += group.length;
    const bytes = concat(group.map((item) => item.bytes));
    const receivedAtMs = first.timeSeconds * 1000;
    if (!options.pieceBytes) {
      builder.accept(analyzer.push(bytes, receivedAtMs));
      continue;
    }
    for (let offset = 0; offset < bytes.length;) {
      const end = Math.min(bytes.length, offset + Math.max(1, options.pieceBytes()));
      builder.accept(analyzer.push(bytes.subarray(offset, end), receivedAtMs));
      offset = end;
    }
  }
  const report = builder.finish('test', analyzer.finish());
  const nonZero: Partial<Record<TsCounterName, number>> = {};
  for (const [name, value] of Object.entries(report.summary.counts) as [TsCounterName, number][]) {
    if (value !== 0) nonZero[name] = value;
  }
  return { ...report, nonZero };
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return bytes;
}

/** A repeatable pseudo-random source (mulberry32) for chunk sizes. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
