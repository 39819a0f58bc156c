/** Whole-input figures of an analysis: totals per check, receive drops, and what each PID carried. */
import type { TsCounts } from './ts-checks.js';
import { fixedSectionPids, nullPid, packetBytes, patPid, pidCount } from './ts-constants.js';
import type { ProgramTable } from './program-table.js';

export type TsPidRole = 'PAT' | 'PMT' | 'SI' | 'null' | 'elementary' | 'unreferenced';

export interface TsPidSummary {
  readonly pid: number;
  readonly role: TsPidRole;
  /** From the PMT, for elementary streams. */
  readonly streamType: number | null;
  readonly packets: number;
  /** Over the whole input, by the stream clock. */
  readonly averageBitrateBps: number | null;
  readonly carriesPcr: boolean;
}

export interface TsSummary {
  readonly durationSeconds: number;
  readonly bytes: number;
  /** Bytes outside any analysed packet: garbage before sync, skipped packets, a truncated end. */
  readonly discardedBytes: number;
  readonly packets: number;
  readonly counts: TsCounts;
  readonly receiveDroppedPackets: number;
  readonly suppressedContinuityErrors: number;
  /** The PID whose PCR drives the stream clock; null when the stream has no PCR. */
  readonly referencePcrPid: number | null;
  readonly pids: readonly TsPidSummary[];
}

export interface SummaryInput {
  readonly durationSeconds: number;
  readonly bytes: number;
  readonly discardedBytes: number;
  readonly counts: TsCounts;
  readonly receiveDroppedPackets: number;
  readonly suppressedContinuityErrors: number;
  readonly packetsByPid: Float64Array;
  readonly hasPcr: Uint8Array;
  readonly programs: ProgramTable;
  readonly referencePcrPid: number;
}

export function buildSummary(input: SummaryInput): TsSummary {
  const referenced = new Set(input.programs.referencedPids());
  const pids: TsPidSummary[] = [];
  let packets = 0;
  for (let pid = 0; pid < pidCount; pid++) {
    const pidPackets = input.packetsByPid[pid] ?? 0;
    if (pidPackets === 0) continue;
    packets += pidPackets;
    pids.push({
      pid,
      role: roleOf(pid, input.programs, referenced),
      streamType: input.programs.streamTypeOf(pid),
      packets: pidPackets,
      averageBitrateBps:
        input.durationSeconds > 0 ? Math.round((pidPackets * packetBytes * 8) / input.durationSeconds) : null,
      carriesPcr: input.hasPcr[pid] === 1,
    });
  }
  return {
    durationSeconds: Math.round(input.durationSeconds * 1000) / 1000,
    bytes: input.bytes,
    discardedBytes: input.discardedBytes,
    packets,
    counts: input.counts,
    receiveDroppedPackets: input.receiveDroppedPackets,
    suppressedContinuityErrors: input.suppressedContinuityErrors,
    referencePcrPid: input.referencePcrPid >= 0 ? input.referencePcrPid : null,
    pids,
  };
}

function roleOf(pid: number, programs: ProgramTable, referenced: ReadonlySet<number>): TsPidRole {
  if (pid === patPid) return 'PAT';
  if (pid === nullPid) return 'null';
  if (programs.isPmtPid[pid] === 1) return 'PMT';
  if (referenced.has(pid)) return 'elementary';
  if (fixedSectionPids.includes(pid)) return 'SI';
  return 'unreferenced';
}
